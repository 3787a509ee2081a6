"""Dependency proxies: one TCP listener per ``depends_on`` edge (``bff->catalog``).

A service reaches its dependency only through its edge's proxy, which picks a healthy task of the
dependency per connection (round robin) and relays bytes both ways. The proxy is where network
faults land: a :class:`gameday.localcloud.faultmodes.PathFault` set on the edge serves new connections in
its own way and is asked before every chunk an open relayed connection forwards. With no fault the
only cost per chunk is one attribute check.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Protocol

from gameday.localcloud.ports import HOST
from gameday.localcloud.roundrobin import RoundRobin

if TYPE_CHECKING:
    from gameday.localcloud.api import PathFaultSpec
    from gameday.localcloud.faultmodes import PathFault

CHUNK = 65536


class ProxyMode(Protocol):
    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, targets: RoundRobin
    ) -> None:
        """Serve one client connection; the proxy closes ``writer`` when this returns."""


class FaultSource(Protocol):
    """Where a relayed connection looks, per chunk, for the fault currently set on its edge."""

    fault: PathFault | None


class Relay:
    """The healthy path: connect to the next healthy task and copy bytes until either side is done."""

    def __init__(self, edge: FaultSource | None = None) -> None:
        self.edge = edge

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, targets: RoundRobin
    ) -> None:
        upstream = await open_upstream(targets)
        if upstream is None:
            return
        try:
            await relay(reader, writer, *upstream, edge=self.edge)
        finally:
            upstream[1].close()


async def open_upstream(targets: RoundRobin) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    """A connection to the next healthy task; None when there is none or it refuses."""
    task = targets.next()
    if task is None:
        return None
    try:
        return await asyncio.open_connection(HOST, task.port)
    except OSError:
        return None


async def relay(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
    edge: FaultSource | None = None,
) -> None:
    """Copy both ways. The upstream closing ends the connection; a client's clean half-close lets
    the answer still arrive; an error on either side ends it at once."""
    loop = asyncio.get_running_loop()
    requests = loop.create_task(pump(client_reader, upstream_writer, edge, toward_upstream=True))
    responses = loop.create_task(pump(upstream_reader, client_writer, edge, toward_upstream=False))
    try:
        done, _ = await asyncio.wait({requests, responses}, return_when=asyncio.FIRST_COMPLETED)
        if responses not in done and requests.result():
            await responses
    finally:
        requests.cancel()
        responses.cancel()


async def pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    edge: FaultSource | None = None,
    *,
    toward_upstream: bool = True,
) -> bool:
    """Copy until end of stream; True when it ended cleanly (EOF passed on), False on an error."""
    try:
        while data := await reader.read(CHUNK):
            if edge is not None and edge.fault is not None:
                await edge.fault.hold(toward_upstream)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        return True
    except OSError:  # ConnectionResetError, BrokenPipeError …
        return False


class DependencyProxy:
    """The listener of one edge, ``source->dependency``."""

    def __init__(self, source: str, targets: RoundRobin) -> None:
        self.source = source
        self.dependency = targets.service
        self.fault: PathFault | None = None
        self._relay = Relay(self)
        self.port = 0
        self._targets = targets
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()

    @property
    def edge(self) -> str:
        return f"{self.source}->{self.dependency}"

    def set_fault(self, fault: PathFault) -> None:
        """Replace the edge's fault (if any) with ``fault``; it applies to open connections too."""
        self.clear_fault()
        self.fault = fault
        fault.applied(self._clients)

    def clear_fault(self) -> None:
        """Back to a plain relay; clearing an edge with no fault is fine."""
        fault, self.fault = self.fault, None
        if fault is not None:
            fault.cleared()

    def describe_fault(self) -> PathFaultSpec | None:
        return None if self.fault is None else self.fault.spec

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self.clear_fault()  # a blackhole holds connections open until it is lifted
        if self._server is not None:
            self._server.close()
        for writer in list(self._clients):
            writer.close()
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            if self.fault is None:
                await self._relay.handle(reader, writer, self._targets)
            else:
                await self.fault.handle(reader, writer, self._targets, self._relay)
        finally:
            self._clients.discard(writer)
            with contextlib.suppress(OSError):
                writer.close()
