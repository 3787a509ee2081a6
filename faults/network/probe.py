"""One HTTP request sent straight through a network path, to see with our own eyes what it does.

A fault is only landed when its harm is observed, and a control API that says "set" is not an
observation. The probe speaks the least HTTP that gets an answer (a GET with ``Connection:
close``) over a raw socket, so it can tell the ways a path breaks apart: no answer within the
timeout (a blackhole), a reset or closed connection, an answer that took long, an error status.
Any status line counts as an answer: a 404 from the dependency still means bytes flowed.
"""

from __future__ import annotations

import enum
import socket
import time
import urllib.parse
from dataclasses import dataclass

PROBE_PATH = "/health"


class Seen(enum.StrEnum):
    ANSWERED = "answered"  # a status line came back
    TIMED_OUT = "timed out"  # connected (or not) but nothing came back in time
    CLOSED = "closed"  # refused, reset or closed without an answer


@dataclass(frozen=True)
class ProbeResult:
    seen: Seen
    elapsed_s: float  # from the connect to the answer (or to giving up)
    status: int | None = None

    def describe(self) -> str:
        what = f"answered {self.status}" if self.status is not None else str(self.seen)
        return f"{what} after {self.elapsed_s * 1000:.0f} ms"


def probe(url: str, timeout_s: float) -> ProbeResult:
    """Send one GET through ``url`` (``http://host:port``) and report what came back."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = f"GET {PROBE_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.settimeout(max(0.001, timeout_s - (time.monotonic() - started)))
            sock.sendall(request)
            head = _read_status_line(sock)
    except TimeoutError:
        return ProbeResult(Seen.TIMED_OUT, time.monotonic() - started)
    except OSError:  # refused, reset, broken pipe
        return ProbeResult(Seen.CLOSED, time.monotonic() - started)
    elapsed = time.monotonic() - started
    status = _status(head)
    if status is None:
        return ProbeResult(Seen.CLOSED, elapsed)
    return ProbeResult(Seen.ANSWERED, elapsed, status)


def _read_status_line(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _status(head: bytes) -> int | None:
    parts = head.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        return None
    try:
        return int(parts[1])
    except ValueError:
        return None
