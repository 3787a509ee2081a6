"""Task recovery: how long after tasks were killed the service ran at its desired count again."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from gameday.durations import Seconds
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import FaultRecord, Score
from gameday.faultspecs import NAME_PATTERN
from gameday.scoring.grading import Grading
from gameday.scoring.kind import ScoreKind
from gameday.scoring.task_counts import TaskCount, task_counts
from gameday.scoring.text import seconds
from gameday.scoring.windows import Window, gap_note, run_window
from gameday.shared import Strict


class TaskRecoveryExpectation(Strict):
    """After tasks are stopped, running must equal desired again within ``max`` seconds."""

    score: Literal["task_recovery_s"]
    service: str = Field(pattern=NAME_PATTERN)
    max: Seconds = Field(gt=0)


HOLD_S = 3.0
"""Running must stay equal to desired this long to count as recovered: a replacement that dies
on its first health check is not a recovery. A run that ends sooner only needs it to hold to the end."""


@dataclass(frozen=True)
class Recovery:
    dipped_at: float | None  # first sample below desired after the fault; None when never seen
    recovered: TaskCount | None  # first sample of a stretch at strength that holds


def find_recovery(samples: list[TaskCount], hold_s: float = HOLD_S) -> Recovery:
    """Scan samples (time order, all after the fault) for the dip and then the lasting return.

    The dip must be seen first: samples taken before the stop has taken effect still show full
    strength and would otherwise read as a recovery in zero seconds.
    """
    dip = next((i for i, s in enumerate(samples) if s.running < s.desired), None)
    if dip is None:
        return Recovery(None, None)
    for i in range(dip, len(samples)):
        until = samples[i].t + hold_s
        j = i
        while j < len(samples) and samples[j].t <= until and samples[j].at_strength:
            j += 1
        if j == len(samples) or samples[j].t > until:  # held through the hold time, or to the end
            return Recovery(samples[dip].t, samples[i])
    return Recovery(samples[dip].t, None)


def score_task_recovery(expectation: TaskRecoveryExpectation, evidence: RunEvidence) -> list[Score]:
    """From each landed kill-tasks fault on the service to running == desired again, against ``max``."""
    service = expectation.service
    grading = Grading("task_recovery_s", f"service:{service}", expectation.max, "<=", "s")
    faults = [
        f
        for f in evidence.faults
        if f.kind == "kill-tasks"
        and f.target == f"service:{service}"
        and f.landed
        and f.injected_at is not None
    ]
    if not faults:
        why = f"no kill-tasks fault landed on service:{service}, so there is no recovery to time"
        return [grading.inconclusive(run_window(evidence), why)]
    counts = task_counts(evidence.metrics, service)
    return [_grade(grading, expectation, evidence, fault, counts) for fault in faults]


def _grade(
    grading: Grading,
    expectation: TaskRecoveryExpectation,
    evidence: RunEvidence,
    fault: FaultRecord,
    counts: list[TaskCount],
) -> Score:
    service = expectation.service
    assert fault.injected_at is not None  # filtered by the caller
    start = fault.injected_at
    after = [c for c in counts if c.t >= start]
    gaps = gap_note(evidence, "metrics")
    events = _events_note(evidence, service, start)
    if not after:
        why = gaps or f"no RunningTaskCount/DesiredTaskCount metrics for {service} after {fault.id}"
        return grading.inconclusive(Window(start, evidence.ended_at, f"after {fault.id}"), why)
    window = Window(start, max(evidence.ended_at, after[-1].t), f"after {fault.id}")
    recovery = find_recovery(after)
    if recovery.dipped_at is None:
        why = (
            f"metrics never showed {service} below its desired count after {fault.id}, so no recovery to time"
        )
        return grading.inconclusive(window, f"{why}; {events}")
    if recovery.recovered is not None:
        took = recovery.recovered.t - start
        back = recovery.recovered
        why = (
            f"{service} back to {back.running:g} of {back.desired:g} running tasks {seconds(took)} after "
            f"{fault.id} (need ≤ {seconds(expectation.max)}); {events}"
        )
        window = Window(start, back.t, window.label)
        return (
            grading.inconclusive(window, f"{why}, but {gaps}", took)
            if gaps
            else grading.judge(took, window, why)
        )
    last = after[-1]
    observed = last.t - start
    state = f"{last.running:g} of {last.desired:g} running {seconds(observed)} after {fault.id}"
    if gaps or observed < expectation.max:
        reason = gaps or f"the evidence ends before the {seconds(expectation.max)} allowed"
        return grading.inconclusive(window, f"{service} not yet at its desired count ({state}): {reason}")
    need = seconds(expectation.max)
    return grading.fail(
        window, f"{service} never got back to its desired count: {state} (need ≤ {need}); {events}"
    )


def _events_note(evidence: RunEvidence, service: str, since: float) -> str:
    """Task events after the fault, as a cross-check a reader can hold the metrics against."""
    kinds = Counter(e.kind for e in evidence.events if e.service == service and e.t >= since)
    if not kinds:
        return "no task events recorded after the fault"
    return "events: " + ", ".join(
        f"{kinds[k]} {k}" for k in ("stopped", "started", "healthy", "unhealthy") if kinds[k]
    )


TASK_RECOVERY = ScoreKind(TaskRecoveryExpectation, score_task_recovery)
