"""A fast HTTP target on loopback for the load benchmarks: ``python -m bench.http_target PORT``.

Every request gets the same tiny 200 over a kept-alive connection, straight from an asyncio
protocol with no framework in the way, so the load generator rather than the server is what the
benchmarks measure, as far as one core allows. It reads requests without bodies only (GET, HEAD),
which is all the benchmarks send.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gameday.localcloud.ports import free_port
from gameday.processes import child_options, terminate, wait_until

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
END_OF_HEADERS = b"\r\n\r\n"
ROOT = Path(__file__).resolve().parent.parent


class _Answer(asyncio.Protocol):
    """Answers each complete request head in the bytes received, in order (pipelining included)."""

    def __init__(self) -> None:
        self._pending = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._pending += data
        complete = self._pending.count(END_OF_HEADERS)
        if complete and self._transport is not None:
            self._transport.write(RESPONSE * complete)
            self._pending = self._pending[self._pending.rindex(END_OF_HEADERS) + len(END_OF_HEADERS) :]


async def _serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(_Answer, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


@contextmanager
def http_target() -> Iterator[str]:
    """The target running in its own process on a free loopback port; its base URL. Stopped by pid."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.http_target", str(port)], cwd=ROOT, **child_options()
    )
    try:
        if not wait_until(lambda: _accepts(port), timeout_s=10.0):
            raise RuntimeError(f"the benchmark's HTTP target did not listen on port {port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        terminate(process)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))  # until SIGTERM, whose default action ends the process
