"""Network faults on a dependency edge or a zone: what a proxy does instead of (or on top of) relaying.

A fault is set from a spec (:data:`gameday.localcloud.api.PathFaultSpec`: the control API checks
it, so a bad one is a clear 400, never a traceback) and acts in two places: :meth:`PathFault.handle`
serves each *new* client connection, and :meth:`PathFault.hold` runs before every chunk an *already
relayed* connection forwards, so a fault also lands on keep-alive connections opened before it.
Where a whole HTTP request is forwarded at once (the entry balancer, health checks into a faulted
zone), :meth:`PathFault.intercept` decides its fate the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from http import HTTPStatus

from gameday.localcloud.api import BlackholeSpec, HttpErrorsSpec, LatencySpec, PathFaultSpec, ResetSpec
from gameday.localcloud.proxy import CHUNK, ProxyMode, Relay, open_upstream, pump
from gameday.localcloud.tasks import Task

INJECTED_ERROR = b'{"error": "injected by localcloud"}'


def path_fault(spec: PathFaultSpec) -> PathFault:
    """The fault a validated spec asks for, ready to set on an edge's proxy."""
    if isinstance(spec, BlackholeSpec):
        return Blackhole(spec)
    if isinstance(spec, ResetSpec):
        return Reset(spec)
    if isinstance(spec, LatencySpec):
        return Latency(spec)
    return HttpErrors(spec)


class PathFault:
    """The do-nothing base: relays new connections and lets existing ones flow."""

    def __init__(self, spec: PathFaultSpec) -> None:
        self.spec = spec

    async def handle(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        task: Task | None,
        relay: ProxyMode,
    ) -> None:
        """Serve a new connection routed to ``task``; ``relay`` calls :meth:`hold` per chunk."""
        await relay.handle(reader, writer, task)

    async def hold(self, toward_upstream: bool) -> None:
        """Called before a relayed connection forwards a chunk (False: toward the client)."""

    async def intercept(self) -> int | None:
        """Called before a whole HTTP request is forwarded: waits as :meth:`hold` does (raises
        ConnectionResetError for a reset), then None to forward it or the status to answer instead."""
        await self.hold(toward_upstream=True)
        return None

    def applied(self, clients: set[asyncio.StreamWriter]) -> None:
        """The fault was just set; ``clients`` are the open client connections of its edge or zone."""

    def cleared(self) -> None:
        """The fault was just removed."""


class Blackhole(PathFault):
    """Connections are accepted and then hang: bytes sent are swallowed and nothing comes back.

    Open relayed connections stop passing bytes both ways and resume when the fault is cleared (as
    TCP does once a path heals); a connection accepted into the blackhole stays dead.
    """

    def __init__(self, spec: PathFaultSpec) -> None:
        super().__init__(spec)
        self._lifted = asyncio.Event()

    async def handle(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        task: Task | None,
        relay: ProxyMode,
    ) -> None:
        with contextlib.suppress(OSError):
            while await reader.read(CHUNK):
                pass

    async def hold(self, toward_upstream: bool) -> None:
        await self._lifted.wait()

    def cleared(self) -> None:
        self._lifted.set()


class Reset(PathFault):
    """Every connection, new or open, is closed with a TCP reset."""

    async def handle(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        task: Task | None,
        relay: ProxyMode,
    ) -> None:
        reset(writer)

    async def hold(self, toward_upstream: bool) -> None:
        raise ConnectionResetError("the path is reset")

    def applied(self, clients: set[asyncio.StreamWriter]) -> None:
        for writer in list(clients):
            reset(writer)


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN (SO_LINGER with a zero timeout), as a dropped path does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class Latency(PathFault):
    """Each chunk from the client waits ``delay_ms`` ± ``jitter_ms`` before it is forwarded."""

    spec: LatencySpec

    def __init__(self, spec: LatencySpec) -> None:
        super().__init__(spec)
        self.spec = spec

    async def hold(self, toward_upstream: bool) -> None:
        if toward_upstream:
            jitter = random.uniform(-self.spec.jitter_ms, self.spec.jitter_ms)
            await asyncio.sleep(max(0.0, self.spec.delay_ms + jitter) / 1000)


class HttpErrors(PathFault):
    """A ``share`` of HTTP requests is answered with ``status`` by the proxy; the rest are relayed.

    Only this mode parses HTTP (request line, headers, Content-Length body), so the healthy path
    stays a raw byte relay. Responses from the task are relayed raw: clients that do not pipeline
    (aiohttp, urllib, requests) never have a faked answer land inside a real one. A request the
    parser cannot frame (chunked body) turns the rest of its connection into a raw relay. Open
    connections are closed when the fault is set, so keep-alive clients reconnect into it; once it
    is cleared, connections opened inside it relay every request, as a healed path does, and obey
    whatever fault the edge gets next (a later blackhole holds their requests too).
    """

    spec: HttpErrorsSpec

    def __init__(self, spec: HttpErrorsSpec) -> None:
        super().__init__(spec)
        self.spec = spec
        self._lifted = False

    def cleared(self) -> None:
        self._lifted = True

    def applied(self, clients: set[asyncio.StreamWriter]) -> None:
        for writer in list(clients):
            writer.close()

    async def intercept(self) -> int | None:
        return self.spec.status if self._strikes() else None

    def _strikes(self) -> bool:
        """Whether this request gets the injected answer."""
        return not self._lifted and random.random() < self.spec.share

    async def handle(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        task: Task | None,
        relay: ProxyMode,
    ) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        responses: asyncio.Task[bool] | None = None
        faults = relay.faults if isinstance(relay, Relay) else None
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
                    return
                length, framed, closes = _framing(head)
                if framed and self._strikes():
                    if length:
                        await reader.readexactly(length)
                    writer.write(_error_response(self.spec.status, closes))
                    await writer.drain()
                    if closes:
                        return
                    continue
                if upstream is None:
                    upstream = await open_upstream(task)
                    if upstream is None:  # no healthy task: closed, as the plain relay does
                        return
                    responses = asyncio.get_running_loop().create_task(_answers(upstream[0], writer))
                if faults is not None:
                    await faults.hold(toward_upstream=True, besides=self)  # faults beside this one
                if not framed:
                    upstream[1].write(head)
                    if await pump(reader, upstream[1], faults) and responses is not None:
                        await responses
                    return
                upstream[1].write(head + (await reader.readexactly(length) if length else b""))
                await upstream[1].drain()
                if responses is not None and responses.done():
                    return
        except (asyncio.IncompleteReadError, OSError):
            return
        finally:
            if responses is not None:
                responses.cancel()
            if upstream is not None:
                upstream[1].close()


def _framing(head: bytes) -> tuple[int, bool, bool]:
    """Body length, whether the proxy can frame the body, whether the client asked to close."""
    length, framed, closes = 0, True, head.startswith(b"HTTP/1.0") or b" HTTP/1.0\r\n" in head
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                framed = False
        elif name == b"transfer-encoding":
            framed = False
        elif name == b"connection":
            closes = value == b"close"
    return length, framed, closes


def _error_response(status: int, closes: bool) -> bytes:
    body = INJECTED_ERROR
    connection = b"close" if closes else b"keep-alive"
    return (
        f"HTTP/1.1 {status} {_phrase(status)}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: "
        + connection
        + b"\r\n\r\n"
        + body
    )


async def _answers(upstream: asyncio.StreamReader, client: asyncio.StreamWriter) -> bool:
    """Relay the task's responses; the task closing its side ends the client's connection too."""
    clean = await pump(upstream, client, toward_upstream=False)
    client.close()
    return clean


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a 5xx code with no registered name, e.g. 599
        return "Error"
