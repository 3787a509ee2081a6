"""A tiny HTTP/1.1 server for load and client tests: answers each path with a set status (or a
few set statuses first) and records every request it got (method, path, headers, body, and the
client connection it came on)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client: tuple[str, int]


class HttpDouble:
    """Each Locust user keeps its own keep-alive connection, so distinct clients count users."""

    def __init__(
        self, statuses: dict[str, int] | None = None, first: dict[str, list[int]] | None = None
    ) -> None:
        self.statuses = statuses or {}
        self.first = first or {}  # a path's first answers, in order, before its ``statuses`` one
        self.received: list[Received] = []
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                double.received.append(
                    Received(self.command, self.path, dict(self.headers), body, self.client_address)
                )
                queued = double.first.get(self.path)
                self.send_response(queued.pop(0) if queued else double.statuses.get(self.path, 200))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def http_double(
    statuses: dict[str, int] | None = None, first: dict[str, list[int]] | None = None
) -> Iterator[HttpDouble]:
    double = HttpDouble(statuses, first)
    thread = threading.Thread(target=double.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        double.server.shutdown()
        double.server.server_close()
        thread.join(timeout=10)
