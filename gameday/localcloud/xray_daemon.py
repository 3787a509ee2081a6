"""A local X-Ray daemon: receives segment documents over UDP exactly as the real daemon does.

The X-Ray SDKs send every document as one datagram, ``{"format": "json", "version": 1}`` then a
newline then a segment or an independently streamed subsegment, to ``AWS_XRAY_DAEMON_ADDRESS``.
Instead of uploading them with PutTraceSegments this daemon keeps the raw documents with the time
they arrived, so a run's evidence holds what X-Ray would have been given. A datagram that is not
such a document is counted and dropped: a bad sender must never take the daemon down.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class XrayDaemon:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._received_at: list[float] = []  # non-decreasing, so time windows are found by bisection
        self._documents: list[dict[str, Any]] = []
        self._malformed = 0
        self._transport: asyncio.DatagramTransport | None = None
        self._address: str | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Bind the UDP socket and return its port; an ``OSError`` (port in use) is the caller's to report."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _DaemonProtocol(self._receive), local_addr=(host, port)
        )
        self._transport = transport
        bound_host, bound_port = transport.get_extra_info("sockname")[:2]
        self._address = f"{bound_host}:{bound_port}"
        return int(bound_port)

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    @property
    def address(self) -> str:
        """``host:port`` as the SDKs expect it in ``AWS_XRAY_DAEMON_ADDRESS``."""
        if self._address is None:
            raise RuntimeError("the X-Ray daemon is not started")
        return self._address

    @property
    def count(self) -> int:
        """Documents accepted so far."""
        return len(self._documents)

    @property
    def malformed(self) -> int:
        """Datagrams dropped because they were not a header line plus one JSON document."""
        return self._malformed

    def documents_between(self, since: float, until: float) -> list[dict[str, Any]]:
        """Documents received in ``[since, until)`` (epoch seconds), in arrival order."""
        first = bisect.bisect_left(self._received_at, since)
        last = bisect.bisect_left(self._received_at, until)
        return self._documents[first:last]

    def _receive(self, datagram: bytes) -> None:
        document = parse_datagram(datagram)
        if document is None:
            self._malformed += 1
            log.debug("dropped a malformed X-Ray datagram (%d bytes)", len(datagram))
            return
        # A clock stepping backwards must not unsort the arrival times that bisection relies on.
        now = max(self._clock(), self._received_at[-1]) if self._received_at else self._clock()
        self._received_at.append(now)
        self._documents.append(document)


def parse_datagram(datagram: bytes) -> dict[str, Any] | None:
    """The document in one daemon datagram, or None when it is not a well-formed one.

    Well-formed means: a JSON header with ``format`` "json" and ``version`` 1, a newline, and a JSON
    object carrying the fields X-Ray requires to place it in a trace (``id`` and ``trace_id``; plus
    ``parent_id`` for a subsegment sent on its own).
    """
    try:
        header_line, _, payload = datagram.decode("utf-8").partition("\n")
        header = json.loads(header_line)
        document = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None
    if not isinstance(header, dict) or header.get("format") != "json" or header.get("version") != 1:
        return None
    if not isinstance(document, dict) or not _is_str(document, "id") or not _is_str(document, "trace_id"):
        return None
    if document.get("type") == "subsegment" and not _is_str(document, "parent_id"):
        return None
    return document


def _is_str(document: dict[str, Any], key: str) -> bool:
    return isinstance(document.get(key), str) and bool(document[key])


class _DaemonProtocol(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes], None]) -> None:
        self._on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._on_datagram(data)

    def error_received(self, exc: Exception) -> None:
        # ICMP errors surface here on some platforms; the daemon only listens, so it carries on.
        log.debug("X-Ray daemon socket error: %s", exc)
