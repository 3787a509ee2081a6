"""The numbers the charts draw, in seconds since the run started, kept apart from matplotlib.

Preparing the data is pure and testable; drawing it is slow to import and only looked at. Load
comes from the load process's per-second stats when there are any, and is rebuilt from the
request records otherwise (an older or partial run folder), so a chart is drawn whenever the
evidence allows one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord
from gameday.evidence.stats import percentile
from gameday.insights.timeline import TimelineEvent
from gameday.scoring.task_counts import services_with_task_counts, task_counts


@dataclass(frozen=True)
class LoadSeries:
    x: list[float]
    requests_per_s: list[float]
    error_pct: list[float | None]  # None in a second without requests
    p95_ms: list[float | None]
    source: str  # "load_seconds" or "requests": which evidence the series was built from


@dataclass(frozen=True)
class TaskSeries:
    service: str
    x: list[float]
    running: list[float]
    desired: list[float]


@dataclass(frozen=True)
class Span:
    """A fault window on the chart: from injection (or plan, if it never ran) to its window end."""

    start: float
    end: float
    label: str
    target: str
    landed: bool


@dataclass(frozen=True)
class Mark:
    x: float
    label: str


@dataclass(frozen=True)
class EventMark:
    """A numbered timeline event on the charts: the number is the timeline table's."""

    x: float
    number: int
    kind: str


def load_series(evidence: RunEvidence) -> LoadSeries:
    start = evidence.started_at
    if evidence.load_seconds:
        seconds = sorted(evidence.load_seconds, key=lambda s: s.t)
        return LoadSeries(
            x=[s.t - start for s in seconds],
            requests_per_s=[float(s.requests) for s in seconds],
            error_pct=[100.0 * s.failures / s.requests if s.requests else None for s in seconds],
            p95_ms=[s.p95_ms for s in seconds],
            source="load_seconds",
        )
    return _series_from_requests(evidence.requests, start)


def _series_from_requests(requests: list[RequestRecord], start: float) -> LoadSeries:
    buckets: dict[int, list[RequestRecord]] = defaultdict(list)
    for request in requests:
        buckets[math.floor(request.t - start)].append(request)
    seconds = sorted(buckets)
    return LoadSeries(
        x=[float(s) for s in seconds],
        requests_per_s=[float(len(buckets[s])) for s in seconds],
        error_pct=[100.0 * sum(1 for r in buckets[s] if not r.ok) / len(buckets[s]) for s in seconds],
        p95_ms=[percentile([r.latency_ms for r in buckets[s]], 95) for s in seconds],
        source="requests",
    )


def task_series(evidence: RunEvidence) -> list[TaskSeries]:
    series = []
    for service in services_with_task_counts(evidence.metrics):
        counts = task_counts(evidence.metrics, service)
        series.append(
            TaskSeries(
                service=service,
                x=[c.t - evidence.started_at for c in counts],
                running=[c.running for c in counts],
                desired=[c.desired for c in counts],
            )
        )
    return series


def fault_spans(evidence: RunEvidence) -> list[Span]:
    return [
        Span(
            start=(f.injected_at if f.injected_at is not None else f.planned_at) - evidence.started_at,
            end=f.window_end - evidence.started_at,
            label=f.id if f.landed else f"{f.id} (did not land)",
            target=f.target,
            landed=f.landed,
        )
        for f in evidence.faults
    ]


def event_marks(events: list[TimelineEvent], started_at: float) -> list[EventMark]:
    return [EventMark(e.t - started_at, e.mark, e.kind) for e in events if e.mark is not None]


def phase_marks(evidence: RunEvidence) -> list[Mark]:
    """Where each phase starts, so a reader can tell baseline from fault from recovery on every chart.

    Only phases the run reached: an aborted run ends before its later phases, and a mark past the
    end of the time axis would be drawn (and make room for its label) outside the chart.
    """
    return [
        Mark(p.start - evidence.started_at, p.name)
        for p in sorted(evidence.phases, key=lambda p: p.start)
        if p.start < evidence.ended_at
    ]
