"""Per-second load statistics from each second's own requests.

Locust's stats are cumulative or smoothed over a window, which would hide a one-second outage; the
orchestrator's progress line and the report's load chart want exactly what happened in each second.
"""

from __future__ import annotations

import math
from collections import defaultdict

from gameday.evidence.records import LoadSecond, RequestRecord
from gameday.evidence.stats import percentile


class SecondStats:
    """Buckets requests by the epoch second they finished in and hands out each second once.

    Bucketing by finish rather than start means a second is complete as soon as it has passed, so it
    can be streamed at once instead of waiting for the slowest request that started in it. The
    per-request file keeps start times; this is only the live view.
    """

    def __init__(self, first_second: int) -> None:
        self._next = first_second
        self._latencies: defaultdict[int, list[float]] = defaultdict(list)
        self._failures: defaultdict[int, int] = defaultdict(int)

    def add(self, record: RequestRecord) -> None:
        self.add_request(record.t, record.latency_ms, record.ok)

    def add_request(self, t: float, latency_ms: float, ok: bool) -> None:
        """A request that started at ``t`` and took ``latency_ms``: the hot path, no record needed."""
        # Never into a second already handed out: a late clock reading, or a row from a worker that
        # arrived after its second was streamed, lands in the next one.
        second = max(math.floor(t + latency_ms / 1000), self._next)
        self._latencies[second].append(latency_ms)
        if not ok:
            self._failures[second] += 1

    def complete(self, now: float, users: int) -> list[LoadSecond]:
        """Every second that ended before ``now`` and was not handed out yet."""
        return self._take_until(math.floor(now), users)

    def remaining(self, now: float, users: int) -> list[LoadSecond]:
        """Everything left, the current unfinished second included: for the end of the test."""
        last = max([math.floor(now), *self._latencies])
        return self._take_until(last + 1, users)

    def _take_until(self, end: int, users: int) -> list[LoadSecond]:
        taken = [self._take(second, users) for second in range(self._next, end)]
        self._next = max(self._next, end)
        return taken

    def _take(self, second: int, users: int) -> LoadSecond:
        latencies = self._latencies.pop(second, [])
        return LoadSecond(
            t=float(second),
            users=users,
            requests=len(latencies),
            failures=self._failures.pop(second, 0),
            p50_ms=percentile(latencies, 50) if latencies else None,
            p95_ms=percentile(latencies, 95) if latencies else None,
            p99_ms=percentile(latencies, 99) if latencies else None,
        )
