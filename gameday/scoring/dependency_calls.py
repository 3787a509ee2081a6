"""The common shape of every score measured on traced calls to one dependency.

Retry and breaker scores differ in what they compute from the calls in a window; finding the
window, refusing to grade without calls and honouring gaps in the trace evidence is the same and
lives here. A measure may also say that the calls cannot answer (INCONCLUSIVE) or that they fail
whatever the threshold (a breaker that never closed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.scoring.grading import Grading
from gameday.scoring.text import value_with_unit
from gameday.scoring.traces import Call, parse_calls
from gameday.scoring.windows import Window, gap_note, run_window


@dataclass(frozen=True)
class Measured:
    """What a measure found: a value and a one-line why, graded against the threshold by default."""

    value: float | None
    why: str
    verdict: Literal["judge", "fail", "inconclusive"] = "judge"


Measure = Callable[[list[Call], Window], Measured]


def outage_window(evidence: RunEvidence) -> Window | str:
    """From the first landed fault's injection to the last one's revert (or planned end), or why
    there is none: breakers are judged against what the faults really did, not the plan."""
    landed = [f for f in evidence.faults if f.landed and f.injected_at is not None]
    if not landed:
        return "no fault landed, so there was no outage to judge"
    start = min(f.injected_at for f in landed if f.injected_at is not None)
    end = max(f.reverted_at if f.reverted_at is not None else f.window_end for f in landed)
    return Window(start, min(end, evidence.ended_at), "during the outage")


def after_outage(evidence: RunEvidence, outage: Window) -> Window:
    return Window(outage.end, max(outage.end, evidence.ended_at), "after the outage")


class _LastParse:
    """The finished calls of the last trace list parsed, by dependency: every trace expectation of
    a run reads the same documents, and a long run holds hundreds of thousands of them. Holding
    the list itself (not its id) means a cached answer can never belong to another list."""

    documents: ClassVar[Sequence[dict[str, Any]] | None] = None
    by_dependency: ClassVar[dict[str, list[Call]]] = {}

    @classmethod
    def of(cls, documents: Sequence[dict[str, Any]]) -> dict[str, list[Call]]:
        if cls.documents is not documents:
            by_dependency: dict[str, list[Call]] = {}
            for call in parse_calls(documents):
                if call.finished:
                    by_dependency.setdefault(call.dependency, []).append(call)
            cls.documents, cls.by_dependency = documents, by_dependency
        return cls.by_dependency


def calls_to(evidence: RunEvidence, dependency: str) -> list[Call]:
    """The finished calls to ``dependency`` in the run's traces, by start time."""
    return _LastParse.of(evidence.traces).get(dependency, [])


def grade_calls(
    grading: Grading, evidence: RunEvidence, dependency: str, window: Window | str, measure: Measure
) -> list[Score]:
    """Measure the finished calls to ``dependency`` that started in the window, and grade them."""
    if isinstance(window, str):
        return [grading.inconclusive(run_window(evidence), window)]
    calls = [c for c in calls_to(evidence, dependency) if c.start in window]
    gaps = gap_note(evidence, "traces")
    if not calls:
        return [grading.inconclusive(window, gaps or f"no traced calls to {dependency} {window.label}")]
    found = measure(calls, window)
    if found.verdict == "inconclusive":
        return [grading.inconclusive(window, f"{found.why}; {gaps}" if gaps else found.why, found.value)]
    need = value_with_unit(grading.threshold, grading.unit, found.value)
    why = f"{found.why} (need {'≥' if grading.comparator == '>=' else '≤'} {need})"
    if gaps:
        return [grading.inconclusive(window, f"{why}, but {gaps}", found.value)]
    if found.verdict == "fail" or found.value is None:
        return [grading.fail(window, why, found.value)]
    return [grading.judge(found.value, window, why)]
