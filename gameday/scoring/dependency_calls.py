"""The common shape of every score measured on traced calls to one dependency.

Retry and breaker scores differ in what they compute from the calls in a window; finding the
window, refusing to grade on too few calls, saying how many calls were seen and how they were
found, and honouring gaps in the trace evidence is the same and lives here. A measure may also
say that the calls cannot answer (INCONCLUSIVE) or that they fail whatever the threshold (a
breaker that never closed).

The calls to a dependency are what the traces show (see :mod:`gameday.traces`), plus, once a
fault has landed, the calls a breaker refused without a trace of its own: requests of a route
that always called the dependency in the baseline but did not (see :mod:`gameday.traces.shedding`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.scoring.grading import Grading
from gameday.scoring.text import count, value_with_unit
from gameday.scoring.windows import Window, gap_note, phase_window, run_window
from gameday.traces import Call, TraceReading, read_traces
from gameday.traces.dependencies import DependencyMatch
from gameday.traces.model import FOUND_WORDS
from gameday.traces.shedding import dependent_routes, first_failures, shed_calls

MIN_CALLS = 5  # fewer traced calls in a window than this is too few to judge
UNUSABLE_SHARE = 0.01  # more of the documents unusable than this makes every trace score INCONCLUSIVE


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


class _LastReading:
    """The reading of the last trace list read, and the calls found per dependency: every trace
    expectation of a run reads the same documents, and a long run holds hundreds of thousands of
    them. Holding the list itself (not its id) means a cached answer can never belong to another
    list."""

    documents: ClassVar[Sequence[dict[str, Any]] | None] = None
    dependencies: ClassVar[dict[str, list[DependencyMatch]] | None] = None
    reading: ClassVar[TraceReading | None] = None
    calls: ClassVar[dict[str, list[Call]]] = {}

    @classmethod
    def of(cls, evidence: RunEvidence) -> TraceReading:
        if (
            cls.reading is None
            or cls.documents is not evidence.traces
            or cls.dependencies is not evidence.dependencies
        ):
            cls.reading = read_traces(evidence.traces, evidence.dependencies)
            cls.documents, cls.dependencies, cls.calls = evidence.traces, evidence.dependencies, {}
        return cls.reading


def trace_reading(evidence: RunEvidence) -> TraceReading:
    """The run's traces read into calls and requests (read once per run, however many scores ask)."""
    return _LastReading.of(evidence)


def called_dependencies(evidence: RunEvidence) -> list[str]:
    """The dependencies the run's traces show calls to, by name (none without traces)."""
    if not len(evidence.traces):
        return []
    return sorted({call.dependency for call in trace_reading(evidence).calls})


def calls_to(evidence: RunEvidence, dependency: str) -> list[Call]:
    """The finished calls to ``dependency``, with the refused calls told from requests, by start."""
    reading = trace_reading(evidence)
    known = _LastReading.calls.get(dependency)
    if known is None:
        known = [c for c in reading.calls_to(dependency) if c.finished] + _shed(evidence, reading, dependency)
        known.sort(key=lambda c: c.start)
        _LastReading.calls[dependency] = known
    return known


def _shed(evidence: RunEvidence, reading: TraceReading, dependency: str) -> list[Call]:
    baseline, outage = phase_window(evidence, "baseline"), outage_window(evidence)
    if isinstance(baseline, str) or isinstance(outage, str):
        return []
    routes = dependent_routes(reading.requests, dependency, (baseline.start, baseline.end))
    if not routes:
        return []
    failed_at = first_failures(reading.calls_to(dependency), outage.start)
    return shed_calls(reading.requests, dependency, routes, failed_at)


def grade_calls(
    grading: Grading, evidence: RunEvidence, dependency: str, window: Window | str, measure: Measure
) -> list[Score]:
    """Measure the finished calls to ``dependency`` that started in the window, and grade them."""
    if isinstance(window, str):
        return [grading.inconclusive(run_window(evidence), window)]
    calls = [c for c in calls_to(evidence, dependency) if c.start in window]
    doubt = _doubt(evidence)
    if len(calls) < MIN_CALLS:
        seen = "no traced calls" if not calls else f"only {count(len(calls))} traced calls"
        why = f"{seen} to {dependency} {window.label}: too few to judge (need {MIN_CALLS})"
        return [grading.inconclusive(window, f"{why}; {doubt}" if doubt else why)]
    found = measure(calls, window)
    seen = _seen(calls)
    if found.verdict == "inconclusive":
        why = f"{found.why}; {seen}"
        return [grading.inconclusive(window, f"{why}; {doubt}" if doubt else why, found.value)]
    need = value_with_unit(grading.threshold, grading.unit, found.value)
    why = f"{found.why} (need {'≥' if grading.comparator == '>=' else '≤'} {need}); {seen}"
    if doubt:
        return [grading.inconclusive(window, f"{why}, but {doubt}", found.value)]
    if found.verdict == "fail" or found.value is None:
        return [grading.fail(window, _noted(why, evidence), found.value)]
    return [grading.judge(found.value, window, _noted(why, evidence))]


def _seen(calls: list[Call]) -> str:
    """``48 calls traced (40 grouped from plain attempts, 8 refused by the breaker, …)``."""
    kinds = Counter(call.found for call in calls)
    if len(kinds) == 1 and "wrapper" in kinds:
        return f"{count(len(calls))} calls traced"
    parts = ", ".join(f"{count(n)} {FOUND_WORDS[kind]}" for kind, n in kinds.most_common())
    return f"{count(len(calls))} calls traced ({parts})"


def _doubt(evidence: RunEvidence) -> str | None:
    """Why no trace score can be trusted: a gap in the trace evidence, or too many documents that
    could not be used (a few are only mentioned, see :func:`_noted`)."""
    gaps = gap_note(evidence, "traces")
    problems = trace_reading(evidence).problems
    if problems.documents and problems.unusable() / problems.documents > UNUSABLE_SHARE:
        unusable = f"trace documents could not all be used ({problems.summary()})"
        return f"{gaps}; {unusable}" if gaps else unusable
    return gaps


def _noted(why: str, evidence: RunEvidence) -> str:
    summary = trace_reading(evidence).problems.summary()
    return f"{why}; {summary}" if summary else why
