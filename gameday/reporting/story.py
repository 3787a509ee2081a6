"""The parts of a report that tell the story: a short summary, findings, the timeline, what users
got per route, and the scenario's previous runs; as rows of text, like :mod:`.view`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from gameday.evidence.bundle import RunEvidence
from gameday.history.runs import PastRun
from gameday.insights.findings import Finding, TraceLink
from gameday.insights.impact import ALL_ROUTES, FAULT_WINDOW, Impact, RouteImpact, WorstSecond
from gameday.insights.timeline import TimelineEvent
from gameday.scenario import Scenario
from gameday.scoring import ScoreCard
from gameday.scoring.text import count, milliseconds, percent

HURT = 0.99  # availability below this is shown as users hurt
PREVIOUS_SHOWN = 10
TURNS = ("breaker", "scaling", "guardrail", "alarm", "abort")  # timeline events the summary retells
TURNS_SHOWN = 6


@dataclass(frozen=True)
class TraceCell:
    trace_id: str
    url: str | None


@dataclass(frozen=True)
class EventRow:
    at: str
    mark: str  # its number on the charts, or ""
    kind: str
    what: str
    source: str
    trace: TraceCell | None


@dataclass(frozen=True)
class ImpactRow:
    window: str
    route: str
    requests: str
    availability: str
    p50: str
    p95: str
    p99: str
    hurt: bool  # availability below 99 %: the row stands out


@dataclass(frozen=True)
class WorstRow:
    at: str
    requests: str
    failed: str
    share: str  # of the second's requests
    p95: str


@dataclass(frozen=True)
class FindingRow:
    title: str
    mechanism: str
    subject: str
    effect: str
    fix: str
    traces: list[TraceCell]
    score: str


@dataclass(frozen=True)
class PreviousRow:
    folder: str
    started: str
    verdict: str
    resilience: str
    this_run: bool


@dataclass(frozen=True)
class Summary:
    tested: str
    happened: list[str]
    to_fix: list[str]


def event_rows(events: list[TimelineEvent], started_at: float) -> list[EventRow]:
    return [
        EventRow(
            at=f"+{e.t - started_at:,.1f} s",
            mark=str(e.mark) if e.mark is not None else "",
            kind=e.kind,
            what=e.what,
            source=e.source,
            trace=TraceCell(e.trace_id, None) if e.trace_id else None,
        )
        for e in events
    ]


def impact_rows(impact: Impact) -> list[ImpactRow]:
    return [_impact_row(r) for r in impact.routes]


def _impact_row(row: RouteImpact) -> ImpactRow:
    def ms(value: float | None) -> str:
        return milliseconds(value) if value is not None else "—"

    return ImpactRow(
        window=row.window,
        route=row.route,
        requests=count(row.requests),
        availability=percent(row.availability) if row.availability is not None else "—",
        p50=ms(row.p50_ms),
        p95=ms(row.p95_ms),
        p99=ms(row.p99_ms),
        hurt=row.availability is not None and row.availability < HURT,
    )


def worst_rows(impact: Impact, started_at: float) -> list[WorstRow]:
    return [
        WorstRow(
            at=f"+{s.t - started_at:,.0f} s",
            requests=count(s.requests),
            failed=count(s.failed),
            share=percent(s.failed / s.requests),
            p95=milliseconds(s.p95_ms),
        )
        for s in impact.worst_seconds
    ]


def finding_rows(findings: list[Finding]) -> list[FindingRow]:
    return [
        FindingRow(
            title=f.title,
            mechanism=f.mechanism,
            subject=f.subject,
            effect=f.effect,
            fix=f.fix,
            traces=[_trace(t) for t in f.traces],
            score=f.score or "",
        )
        for f in findings
    ]


def _trace(link: TraceLink) -> TraceCell:
    return TraceCell(link.trace_id, link.url)


def previous_rows(runs: list[PastRun], run_id: str) -> list[PreviousRow]:
    """The scenario's last runs up to this one, newest first."""
    mine = [r for r in runs if r.run_id != run_id]
    this = [r for r in runs if r.run_id == run_id]
    shown = (mine[-(PREVIOUS_SHOWN - 1) :] + this)[::-1]
    return [
        PreviousRow(
            folder=r.folder,
            started=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(r.started_at)),
            verdict=r.verdict.value,
            resilience="n/a" if r.resilience is None else f"{r.resilience:.1f}",
            this_run=r.run_id == run_id,
        )
        for r in shown
    ]


def summary(
    scenario: Scenario,
    evidence: RunEvidence,
    card: ScoreCard,
    timeline: list[TimelineEvent],
    impact: Impact,
    findings: list[Finding],
) -> Summary:
    started = evidence.started_at
    faults = "; ".join(
        f"{f.kind} on {f.target} at +{(f.injected_at or f.planned_at) - started:.0f} s "
        f"for {f.window_end - (f.injected_at or f.planned_at):.0f} s"
        + ("" if f.landed else " (did not land)")
        for f in evidence.faults
    )
    tested = scenario.description.strip() + (f" Faults: {faults}." if faults else " No fault was injected.")
    happened = (
        _felt(impact)
        + [
            f"+{e.t - started:,.1f} s: {e.what.rstrip('.')}."
            for e in timeline
            if e.mark is not None and e.kind in TURNS
        ][:TURNS_SHOWN]
    )
    if impact.worst_seconds:
        happened.append(_worst(impact.worst_seconds[0], started))
    if card.verdict.value == "INVALID":
        to_fix = ["Make the fault land first: this run did not test the stack (see the faults table)."]
    elif findings:
        to_fix = [f"{f.title}: {f.fix}." for f in findings]
    else:
        to_fix = ["Nothing: no finding rule matched the evidence of this run."]
    return Summary(tested=tested, happened=happened, to_fix=to_fix)


def _worst(second: WorstSecond, started: float) -> str:
    at = f"+{second.t - started:.0f} s"
    if not second.failed:
        return f"The slowest second was {at}: p95 {milliseconds(second.p95_ms)}, and no request failed."
    share = percent(second.failed / second.requests)
    return (
        f"The worst second was {at}: {share} of {count(second.requests)} requests failed, "
        f"p95 {milliseconds(second.p95_ms)}."
    )


def _felt(impact: Impact) -> list[str]:
    """What all routes got in the baseline and the fault window, in one sentence each."""
    rows = {r.window: r for r in impact.routes if r.route == ALL_ROUTES}
    said = []
    for window, label in (("baseline", "In the baseline"), (FAULT_WINDOW, "During the fault window")):
        row = rows.get(window)
        if row is None or row.availability is None or row.p95_ms is None:
            continue
        said.append(
            f"{label} users got {percent(row.availability)} of {count(row.requests)} requests answered, "
            f"p95 {milliseconds(row.p95_ms)}."
        )
    return said
