"""Dependency proxies: one TCP listener per ``depends_on`` edge (``bff->catalog``).

A service reaches its dependency only through its edge's proxy, which picks a healthy task of the
dependency per connection (round robin) and relays bytes both ways. The proxy is where network
faults land: a :class:`gameday.localcloud.faultmodes.PathFault` set on the edge, or on the zone of
the task a connection was routed to, serves new connections in its own way and is asked before
every chunk an open relayed connection forwards. With no fault the only cost per chunk is a look
at those two slots.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Protocol

from gameday.localcloud.ports import HOST

if TYPE_CHECKING:
    from gameday.localcloud.api import PathFaultSpec
    from gameday.localcloud.faultmodes import PathFault
    from gameday.localcloud.roundrobin import RoundRobin
    from gameday.localcloud.tasks import Task
    from gameday.localcloud.zones import Zones

CHUNK = 65536


class ProxyMode(Protocol):
    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, task: Task | None
    ) -> None:
        """Serve one client connection routed to ``task``; the proxy closes ``writer`` when this returns."""


class FaultSlot:
    """Where a fault is set: a dependency edge, or a zone (which harms every connection into its
    tasks). ``clients`` are the client connections it holds now, which a fault acts on when set."""

    def __init__(self) -> None:
        self.fault: PathFault | None = None
        self.clients: set[asyncio.StreamWriter] = set()

    def set_fault(self, fault: PathFault) -> None:
        """Replace the fault (if any) with ``fault``; it applies to open connections too."""
        self.clear_fault()
        self.fault = fault
        fault.applied(self.clients)

    def clear_fault(self) -> None:
        """Back to no fault; clearing where none is set is fine."""
        fault, self.fault = self.fault, None
        if fault is not None:
            fault.cleared()

    def describe_fault(self) -> PathFaultSpec | None:
        return None if self.fault is None else self.fault.spec


class Faults:
    """What one relayed connection obeys before each chunk: its edge's fault and its task's zone's,
    read anew every time, so a fault set or cleared later lands on the open connection too."""

    def __init__(self, *slots: FaultSlot) -> None:
        self._slots = slots

    async def hold(self, toward_upstream: bool, besides: PathFault | None = None) -> None:
        """Let each set fault (except ``besides``, which serves the connection itself) hold the chunk."""
        for slot in self._slots:
            fault = slot.fault
            if fault is not None and fault is not besides:
                await fault.hold(toward_upstream)


class Relay:
    """The healthy path: connect to the chosen task and copy bytes until either side is done."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, task: Task | None
    ) -> None:
        upstream = await open_upstream(task)
        if upstream is None:
            return
        try:
            await relay(reader, writer, *upstream, faults=self.faults)
        finally:
            upstream[1].close()


async def open_upstream(task: Task | None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    """A connection to ``task``; None when there is no task or it refuses."""
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
    faults: Faults | None = None,
) -> None:
    """Copy both ways. The upstream closing ends the connection; a client's clean half-close lets
    the answer still arrive; an error on either side ends it at once."""
    loop = asyncio.get_running_loop()
    requests = loop.create_task(pump(client_reader, upstream_writer, faults, toward_upstream=True))
    responses = loop.create_task(pump(upstream_reader, client_writer, faults, toward_upstream=False))
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
    faults: Faults | None = None,
    *,
    toward_upstream: bool = True,
) -> bool:
    """Copy until end of stream; True when it ended cleanly (EOF passed on), False on an error."""
    try:
        while data := await reader.read(CHUNK):
            if faults is not None:
                await faults.hold(toward_upstream)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        return True
    except OSError:  # ConnectionResetError, BrokenPipeError …
        return False


class DependencyProxy(FaultSlot):
    """The listener of one edge, ``source->dependency``; its fault is the edge's."""

    def __init__(self, source: str, targets: RoundRobin, zones: Zones) -> None:
        super().__init__()
        self.source = source
        self.dependency = targets.service
        self.port = 0
        self._targets = targets
        self._zones = zones
        self._server: asyncio.Server | None = None

    @property
    def edge(self) -> str:
        return f"{self.source}->{self.dependency}"

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self.clear_fault()  # a blackhole holds connections open until it is lifted
        if self._server is not None:
            self._server.close()
        for writer in list(self.clients):
            writer.close()
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Route the connection to the next task; the edge's fault serves it, else its task's zone's."""
        task = self._targets.next()
        slots = [self] if task is None else [self, self._zones[task.zone]]
        for slot in slots:
            slot.clients.add(writer)
        try:
            fault = next((slot.fault for slot in slots if slot.fault is not None), None)
            relay = Relay(Faults(*slots))
            if fault is None:
                await relay.handle(reader, writer, task)
            else:
                await fault.handle(reader, writer, task, relay)
        finally:
            for slot in slots:
                slot.clients.discard(writer)
            with contextlib.suppress(OSError):
                writer.close()
