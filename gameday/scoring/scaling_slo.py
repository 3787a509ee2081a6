"""The SLO during scaling: did shoppers stay served while the new capacity was on its way?

Auto scaling that reacts and completes in time can still be too late for the requests in
between. This score takes the requests sent in the scaling window, from the trigger (see
:mod:`gameday.scoring.autoscaling`) until the service ran its raised desired count, and grades
their availability (and, if asked, their p95 latency). A scale-out that never completed in the
run is measured until the run's end and says so. Without a scale-out there is no scaling window,
so the score is INCONCLUSIVE rather than a vacuous PASS.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.evidence.stats import percentile
from gameday.faultspecs import NAME_PATTERN
from gameday.scoring.autoscaling import scale_out, trigger
from gameday.scoring.availability import availability
from gameday.scoring.grading import Grading
from gameday.scoring.kind import ScoreKind
from gameday.scoring.task_counts import task_counts
from gameday.scoring.text import count, milliseconds, percent
from gameday.scoring.windows import Window, gap_note, requests_in, run_window
from gameday.shared import Strict


class ScalingSloExpectation(Strict):
    """While ``service`` scales out (from the trigger until it runs its raised desired count), the
    share of requests that succeeded must be at least ``min``, and with ``p95_max_ms`` their 95th
    percentile latency at most that: capacity arriving late must not cost shoppers the SLO."""

    score: Literal["slo_during_scaling"]
    service: str = Field(pattern=NAME_PATTERN)
    min: float = Field(ge=0, le=1)
    p95_max_ms: float | None = Field(default=None, gt=0)


def score_slo_during_scaling(expectation: ScalingSloExpectation, evidence: RunEvidence) -> list[Score]:
    """Availability (and optionally p95) of the requests in the scaling window, against ``min``."""
    service, need = expectation.service, expectation.min
    grading = Grading("slo_during_scaling", f"service:{service}", need, ">=", "ratio")
    gaps = "; ".join(n for n in (gap_note(evidence, s) for s in ("metrics", "requests")) if n)
    pressure = trigger(evidence)
    if isinstance(pressure, str):
        return [grading.inconclusive(run_window(evidence), pressure)]
    counts = task_counts(evidence.metrics, service)
    if not counts:
        why = f"no RunningTaskCount/DesiredTaskCount metrics for {service}"
        return [grading.inconclusive(run_window(evidence), f"{why}; {gaps}" if gaps else why)]
    scaled = scale_out(service, pressure, counts)
    if scaled is None:
        why = f"{service} did not scale out after {pressure.label}, so there is no scaling window to grade"
        return [grading.inconclusive(Window(pressure.t, evidence.ended_at, "after the trigger"), why)]
    since = f"while {service} scaled out (from when {pressure.label}"
    if scaled.done is None:
        label = f"{since} to the end of the run, and it never ran its raised desired count)"
        window = Window(pressure.t, evidence.ended_at, label)
    else:
        # A window that closes at its own start still holds the requests of that one second.
        end = max(scaled.done.t, pressure.t + 1.0)
        window = Window(pressure.t, end, f"{since} until {scaled.done.label})")
    requests = requests_in(evidence.requests, window)
    if not requests:
        why = gaps or f"no requests were recorded {window.label}"
        return [grading.inconclusive(window, why)]
    ratio = availability(requests)
    why = (
        f"{percent(ratio, need)} of {count(len(requests))} requests succeeded {window.label} "
        f"(need ≥ {percent(need, ratio)})"
    )
    slow = None
    if expectation.p95_max_ms is not None:
        p95 = percentile([r.latency_ms for r in requests], 95)
        why += f"; p95 {milliseconds(p95)} (need ≤ {milliseconds(expectation.p95_max_ms)})"
        slow = p95 > expectation.p95_max_ms
    if gaps:
        return [grading.inconclusive(window, f"{why}, but {gaps}", ratio)]
    if slow:
        return [grading.fail(window, why, ratio)]
    return [grading.judge(ratio, window, why)]


SLO_DURING_SCALING = ScoreKind(ScalingSloExpectation, score_slo_during_scaling)
