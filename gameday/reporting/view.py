"""What every report shows, as rows of text: built once, rendered as Markdown, HTML and a terminal table.

Formatting lives here so a value reads the same in every report, and the templates only lay out
strings. Times are shown as seconds since the run started, like the chart axes, because "+30.0 s"
is what a reader can match against the scenario file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import FaultRecord, Gap, Score
from gameday.history.runs import PastRun
from gameday.insights.findings import Finding
from gameday.insights.impact import Impact
from gameday.insights.timeline import TimelineEvent
from gameday.reporting.story import (
    EventRow,
    FindingRow,
    ImpactRow,
    PreviousRow,
    Summary,
    WorstRow,
    event_rows,
    finding_rows,
    impact_rows,
    previous_rows,
    summary,
    worst_rows,
)
from gameday.scenario import Scenario
from gameday.scoring import ScoreCard
from gameday.scoring.resilience import Resilience
from gameday.scoring.text import count, value_with_unit


@dataclass(frozen=True)
class ScoreRow:
    verdict: str
    score: str
    subject: str
    value: str
    threshold: str
    window: str
    why: str


@dataclass(frozen=True)
class WeightRow:
    """One category of the resilience score: its stated weight and what it counted."""

    category: str
    weight: str
    counted: str


@dataclass(frozen=True)
class FaultRow:
    id: str
    kind: str
    target: str
    planned: str
    injected: str
    window_end: str
    reverted: str
    landed: str
    detail: str
    affected: str


@dataclass(frozen=True)
class PhaseRow:
    name: str
    start: str
    end: str
    length: str
    requests: str


@dataclass(frozen=True)
class Chart:
    path: str  # relative to the run folder
    title: str
    src: str = ""  # the image inlined as a data: URI, so report.html stands alone; else the path


@dataclass(frozen=True)
class Insights:
    """What the run shows beyond its scores, as :mod:`gameday.insights` read it."""

    timeline: list[TimelineEvent]
    impact: Impact
    findings: list[Finding]
    previous: list[PastRun]  # the scenario's runs in the same reports folder, oldest first


@dataclass(frozen=True)
class ReportView:
    scenario: str
    verdict: str
    reason: str
    resilience: str
    resilience_why: str
    weights: list[WeightRow]
    run_id: str
    target: str
    started_utc: str
    duration: str
    scores: list[ScoreRow]
    faults: list[FaultRow]
    phases: list[PhaseRow]
    gaps: list[Gap]
    charts: list[Chart]
    traces: list[str]  # what the traces held, when the scenario grades traced calls (else empty)
    summary: Summary
    findings: list[FindingRow]
    timeline: list[EventRow]
    impact: list[ImpactRow]
    worst: list[WorstRow]
    previous: list[PreviousRow]


def build_view(
    scenario: Scenario, evidence: RunEvidence, card: ScoreCard, charts: list[Chart], insights: Insights
) -> ReportView:
    clock = RunClock(evidence.started_at)
    return ReportView(
        scenario=scenario.name,
        verdict=card.verdict.value,
        reason=card.reason,
        resilience=card.resilience.shown(),
        resilience_why=card.resilience.why,
        weights=_weight_rows(card.resilience),
        run_id=evidence.run_id,
        target=evidence.target_name,
        started_utc=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(evidence.started_at)),
        duration=f"{evidence.ended_at - evidence.started_at:,.1f} s",
        scores=[score_row(s, clock) for s in card.scores],
        faults=[_fault_row(f, clock) for f in evidence.faults],
        phases=[
            PhaseRow(
                name=p.name,
                start=clock.at(p.start),
                end=clock.at(p.end),
                length=f"{p.end - p.start:,.1f} s",
                requests=count(sum(1 for r in evidence.requests if p.start <= r.t < p.end)),
            )
            for p in evidence.phases
        ],
        gaps=list(evidence.gaps),
        charts=charts,
        traces=card.traces.lines() if card.traces is not None else [],
        summary=summary(scenario, evidence, card, insights.timeline, insights.impact, insights.findings),
        findings=finding_rows(insights.findings),
        timeline=event_rows(insights.timeline, evidence.started_at),
        impact=impact_rows(insights.impact),
        worst=worst_rows(insights.impact, evidence.started_at),
        previous=previous_rows(insights.previous, evidence.run_id),
    )


@dataclass(frozen=True)
class RunClock:
    """Epoch seconds as "+12.3 s" since the run started."""

    started_at: float

    def at(self, t: float | None) -> str:
        return "—" if t is None else f"+{t - self.started_at:,.1f} s"

    def span(self, start: float, end: float) -> str:
        return f"{self.at(start)} → {self.at(end)}"


def score_row(score: Score, clock: RunClock | None = None) -> ScoreRow:
    """One score as text; without a clock the window is left out (the terminal has no run start)."""
    comparator = "≥" if score.comparator == ">=" else "≤"
    return ScoreRow(
        verdict=score.verdict.value,
        score=score.name,
        subject=score.subject,
        value=value_with_unit(score.value, score.unit, score.threshold),
        threshold=f"{comparator} {value_with_unit(score.threshold, score.unit, score.value)}",
        window=clock.span(score.window_start, score.window_end) if clock else "",
        why=score.why,
    )


def _weight_rows(resilience: Resilience) -> list[WeightRow]:
    """Every stated weight, so a category the scenario did not test reads as "not scored", not missing."""
    return [
        WeightRow(category=name, weight=str(weight), counted=resilience.counted(name))
        for name, weight in resilience.weights.items()
    ]


def _fault_row(fault: FaultRecord, clock: RunClock) -> FaultRow:
    return FaultRow(
        id=fault.id,
        kind=fault.kind,
        target=fault.target,
        planned=clock.at(fault.planned_at),
        injected=clock.at(fault.injected_at),
        window_end=clock.at(fault.window_end),
        reverted=clock.at(fault.reverted_at),
        landed="yes" if fault.landed else "NO",
        detail=fault.detail,
        affected=", ".join(fault.affected) or "—",
    )
