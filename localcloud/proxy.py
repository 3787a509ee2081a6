"""Dependency proxies: one TCP listener per ``depends_on`` edge (``bff->catalog``).

A service reaches its dependency only through its edge's proxy, which picks a healthy task of the
dependency per connection (round robin) and relays bytes both ways. The proxy is where network
faults will land: how one client connection is treated is a :class:`ProxyMode`, and a fault is
another mode swapped in for the edge's :attr:`DependencyProxy.mode`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from localcloud.ports import HOST
from localcloud.roundrobin import RoundRobin

CHUNK = 65536


class ProxyMode(Protocol):
    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, targets: RoundRobin
    ) -> None:
        """Serve one client connection; the proxy closes ``writer`` when this returns."""


class Relay:
    """The healthy path: connect to the next healthy task and copy bytes until either side is done."""

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, targets: RoundRobin
    ) -> None:
        task = targets.next()
        if task is None:
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(HOST, task.port)
        except OSError:
            return
        try:
            await relay(reader, writer, upstream_reader, upstream_writer)
        finally:
            upstream_writer.close()


async def relay(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    """Copy both ways. The upstream closing ends the connection; a client's clean half-close lets
    the answer still arrive; an error on either side ends it at once."""
    loop = asyncio.get_running_loop()
    requests = loop.create_task(_pump(client_reader, upstream_writer))
    responses = loop.create_task(_pump(upstream_reader, client_writer))
    try:
        done, _ = await asyncio.wait({requests, responses}, return_when=asyncio.FIRST_COMPLETED)
        if responses not in done and requests.result():
            await responses
    finally:
        requests.cancel()
        responses.cancel()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """Copy until end of stream; True when it ended cleanly (EOF passed on), False on an error."""
    try:
        while data := await reader.read(CHUNK):
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
        self.mode: ProxyMode = Relay()
        self.port = 0
        self._targets = targets
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()

    @property
    def edge(self) -> str:
        return f"{self.source}->{self.dependency}"

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._clients):
            writer.close()
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            await self.mode.handle(reader, writer, self._targets)
        finally:
            self._clients.discard(writer)
            with contextlib.suppress(OSError):
                writer.close()
