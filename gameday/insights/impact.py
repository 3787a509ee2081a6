"""What users got, per route, in every phase and in the fault window, graded or not.

A scenario grades what its authors thought of; users feel everything. A run can pass every score
while shoppers got errors for most of the outage, before the breakers opened: this table shows it
whatever the scenario grades. Routes are the load's request names (``GET /catalog``); "all routes"
sums them. The worst seconds are the ones to look at on the charts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord
from gameday.evidence.stats import percentile
from gameday.scoring.dependency_calls import outage_window

ALL_ROUTES = "all routes"
FAULT_WINDOW = "fault window"
WORST_SHOWN = 5


class RouteImpact(BaseModel):
    """Availability and latency of one route in one window; None where it had no requests."""

    model_config = ConfigDict(frozen=True)

    window: str  # a phase name, or "fault window" (first injection to last revert)
    start: float
    end: float
    route: str
    requests: int
    failed: int
    availability: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class WorstSecond(BaseModel):
    model_config = ConfigDict(frozen=True)

    t: float  # the second's start, epoch seconds
    requests: int
    failed: int
    p95_ms: float


class Impact(BaseModel):
    model_config = ConfigDict(frozen=True)

    routes: list[RouteImpact]
    worst_seconds: list[WorstSecond]


def user_impact(evidence: RunEvidence) -> Impact:
    windows: list[tuple[str, float, float]] = [
        (p.name, p.start, min(p.end, evidence.ended_at))
        for p in evidence.phases
        if p.start < evidence.ended_at
    ]
    outage = outage_window(evidence)
    if not isinstance(outage, str):
        windows.append((FAULT_WINDOW, outage.start, outage.end))
    rows = []
    for name, start, end in windows:
        inside = [r for r in evidence.requests if start <= r.t < end]
        by_route: dict[str, list[RequestRecord]] = defaultdict(list)
        for request in inside:
            by_route[request.name].append(request)
        rows.append(_row(name, start, end, ALL_ROUTES, inside))
        rows.extend(_row(name, start, end, route, by_route[route]) for route in sorted(by_route))
    return Impact(routes=rows, worst_seconds=worst_seconds(evidence.requests))


def _row(window: str, start: float, end: float, route: str, requests: Sequence[RequestRecord]) -> RouteImpact:
    latencies = [r.latency_ms for r in requests]
    failed = sum(1 for r in requests if not r.ok)
    return RouteImpact(
        window=window,
        start=start,
        end=end,
        route=route,
        requests=len(requests),
        failed=failed,
        availability=1 - failed / len(requests) if requests else None,
        p50_ms=percentile(latencies, 50) if latencies else None,
        p95_ms=percentile(latencies, 95) if latencies else None,
        p99_ms=percentile(latencies, 99) if latencies else None,
    )


def worst_seconds(requests: Sequence[RequestRecord], shown: int = WORST_SHOWN) -> list[WorstSecond]:
    """The seconds users had it worst: most failed share first, then slowest p95; seconds where
    nothing failed count only when slower than the run's own p95 (else every run has five)."""
    if not requests:
        return []
    seconds: dict[int, list[RequestRecord]] = defaultdict(list)
    for request in requests:
        seconds[math.floor(request.t)].append(request)
    run_p95 = percentile([r.latency_ms for r in requests], 95)
    ranked = []
    for second, batch in seconds.items():
        failed = sum(1 for r in batch if not r.ok)
        p95 = percentile([r.latency_ms for r in batch], 95)
        if failed or p95 > run_p95:
            ranked.append(WorstSecond(t=float(second), requests=len(batch), failed=failed, p95_ms=p95))
    ranked.sort(key=lambda s: (-s.failed / s.requests, -s.p95_ms, s.t))
    return ranked[:shown]
