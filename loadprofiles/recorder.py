"""Every request the load made, as :class:`RequestRecord` lines in ``requests.jsonl``.

Scoring judges availability and latency from this file, so it must hold every request Locust
reported, including connection errors (status 0) that never produced a response.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, TextIO

from gameday.errors import InputError
from gameday.evidence.records import RequestRecord

_ERROR_CHARS = 300


def request_record(
    *,
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_: Any,
) -> RequestRecord:
    """Turn the keyword arguments of Locust's ``request`` event into a record.

    Extra keywords are accepted and ignored, as Locust asks of listeners, so new event arguments do
    not break recording.
    """
    return RequestRecord(
        t=start_time if start_time is not None else time.time() - response_time / 1000,
        name=name,
        method=request_type,
        latency_ms=response_time,
        status=getattr(response, "status_code", 0) or 0,
        ok=exception is None,
        error=None if exception is None else f"{type(exception).__name__}: {exception}"[:_ERROR_CHARS],
    )


class RequestLog:
    """Buffered in memory so a request never waits on the disk; the driver flushes it every second
    and at exit, so at most the last second is lost if the process is killed outright."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._buffer: list[str] = []
        self.written = 0

    @classmethod
    def create(cls, path: Path) -> RequestLog:
        try:
            return cls(path.open("w", encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"{path}: cannot write the request log: {exc.strerror}") from None

    def add(self, record: RequestRecord) -> None:
        self._buffer.append(record.model_dump_json() + "\n")

    def flush(self) -> None:
        if self._buffer:
            lines, self._buffer = self._buffer, []
            self._handle.write("".join(lines))
            self._handle.flush()
            self.written += len(lines)

    def close(self) -> None:
        self.flush()
        self._handle.close()
