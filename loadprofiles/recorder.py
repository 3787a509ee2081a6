"""Every request the load made, as :class:`RequestRecord` lines in ``requests.jsonl``.

Scoring judges availability and latency from this file, so it must hold every request Locust
reported, including connection errors (status 0) that never produced a response.

The hot path is cheap on purpose (the load process is benchmarked against bare Locust): a request
becomes a compact row (:func:`request_row`, a plain list that crosses the worker → master link as
it is) and the master writes each row as a JSON line directly, with no model validation per request.
The lines are exactly what :class:`RequestRecord` reads back.
"""

from __future__ import annotations

import math
import time
from json.encoder import encode_basestring as _encode_string
from pathlib import Path
from typing import Any, TextIO

from gameday.errors import InputError
from gameday.evidence.records import RequestRecord
from loadprofiles.seconds import SecondStats

_ERROR_CHARS = 300

Row = list[Any]
"""``[t, name, method, latency_ms, status, error]``: one request; ``error`` is None when it succeeded."""

ROW_FIELDS = 6


def request_row(
    *,
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_: Any,
) -> Row:
    """Turn the keyword arguments of Locust's ``request`` event into a row.

    Extra keywords are accepted and ignored, as Locust asks of listeners, so new event arguments do
    not break recording.
    """
    return [
        start_time if start_time is not None else time.time() - response_time / 1000,
        name,
        request_type,
        response_time,
        getattr(response, "status_code", 0) or 0,
        None if exception is None else f"{type(exception).__name__}: {exception}"[:_ERROR_CHARS],
    ]


def record_from_row(row: Row, worker: int | None = None) -> RequestRecord:
    t, name, method, latency_ms, status, error = row
    return RequestRecord(
        t=t,
        name=name,
        method=method,
        latency_ms=latency_ms,
        status=status,
        ok=error is None,
        error=error,
        worker=worker,
    )


def request_record(**kwargs: Any) -> RequestRecord:
    """The record of one ``request`` event (see :func:`request_row`)."""
    return record_from_row(request_row(**kwargs))


def row_line(row: Row, worker: int | None = None) -> str:
    """The JSON line of a row, as :meth:`RequestRecord.model_dump_json` would write it.

    Built by hand (strings through the json module's C encoder): a few times cheaper than
    ``json.dumps`` of a dict, and the master writes one per request.
    """
    t, name, method, latency_ms, status, error = row
    ok, error_json = ("true", "null") if error is None else ("false", _json_string(error))
    tail = "}\n" if worker is None else f',"worker":{int(worker)}}}\n'
    return (
        f'{{"t":{_json_float(t)},"name":{_json_string(name)},"method":{_json_string(method)},'
        f'"latency_ms":{_json_float(latency_ms)},"status":{int(status)},"ok":{ok},"error":{error_json}{tail}'
    )


def _json_string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return _encode_string(value)


def _json_float(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]  # a bad row raises and is counted as malformed
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {number}")
    return repr(number)


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

    def add_line(self, line: str) -> None:
        self._buffer.append(line)

    def flush(self) -> None:
        if self._buffer:
            lines, self._buffer = self._buffer, []
            self._handle.write("".join(lines))
            self._handle.flush()
            self.written += len(lines)

    def close(self) -> None:
        self.flush()
        self._handle.close()


class Recording:
    """Where rows end up on the master (or in a load process without workers): the request log and
    the per-second statistics, fed from the same rows so their totals always agree."""

    def __init__(self, log: RequestLog) -> None:
        self.log = log
        self.stats = SecondStats(math.floor(time.time()))
        self.malformed = 0

    def begin(self, now: float) -> None:
        """The load starts now: seconds before it (waiting for workers) are not part of the test."""
        self.stats = SecondStats(math.floor(now))

    def add_row(self, row: Row, worker: int | None = None) -> None:
        try:
            line = row_line(row, worker)
        except (TypeError, ValueError):  # a worker of another version, or not a gameday worker
            self.malformed += 1
            return
        self.log.add_line(line)
        self.stats.add_request(row[0], row[3], row[5] is None)
