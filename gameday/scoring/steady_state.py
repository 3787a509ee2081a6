"""Time to recover: from the end of the faults until shoppers are served as well as promised again.

Availability is measured over a sliding window of ``window`` seconds, starting at each request
after the faults ended; the first window that meets ``min`` marks the recovery. A window must fit
inside the run, so a run that ends too soon is INCONCLUSIVE rather than recovered by a few lucky
requests.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gameday.durations import Seconds
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord, Score
from gameday.scoring.dependency_calls import after_outage, outage_window
from gameday.scoring.grading import Grading
from gameday.scoring.kind import ScoreKind
from gameday.scoring.text import count, percent, seconds
from gameday.scoring.windows import gap_note, requests_in, run_window
from gameday.shared import Strict


class RecoveryTimeExpectation(Strict):
    """After the last fault ends, availability over a sliding ``window`` must meet ``min`` again
    within ``max`` seconds."""

    score: Literal["time_to_recover_s"]
    max: Seconds = Field(gt=0)
    min: float = Field(default=0.99, ge=0, le=1, description="availability that counts as recovered")
    window: Seconds = Field(default=5, gt=0, description="the sliding window availability is measured over")


def first_recovered(
    requests: list[RequestRecord], window_s: float, need: float, until: float
) -> float | None:
    """Start of the first full window (ending by ``until``) whose availability is at least ``need``.

    Two pointers over the requests in time order: each request enters and leaves the window once.
    """
    ordered = sorted(requests, key=lambda r: r.t)
    end, ok = 0, 0
    for start, first in enumerate(ordered):
        if first.t + window_s > until:
            return None
        while end < len(ordered) and ordered[end].t < first.t + window_s:
            ok += ordered[end].ok
            end += 1
        if ok >= need * (end - start):
            return first.t
        ok -= first.ok
    return None


def score_time_to_recover(expectation: RecoveryTimeExpectation, evidence: RunEvidence) -> list[Score]:
    """Fault end → a sliding window meeting ``min`` availability, against ``max`` seconds."""
    grading = Grading("time_to_recover_s", "phase:recovery", expectation.max, "<=", "s")
    outage = outage_window(evidence)
    if isinstance(outage, str):
        return [grading.inconclusive(run_window(evidence), outage)]
    window = after_outage(evidence, outage)
    requests = requests_in(evidence.requests, window)
    gaps = gap_note(evidence, "requests")
    if not requests:
        return [grading.inconclusive(window, gaps or f"no requests were recorded {window.label}")]
    span, need = seconds(expectation.window), percent(expectation.min)
    back = first_recovered(requests, expectation.window, expectation.min, window.end)
    if back is None:
        watched = window.end - window.start
        why = f"no {span} window of the {count(len(requests))} requests {window.label} reached {need}"
        if gaps or watched < expectation.max:
            return [grading.inconclusive(window, f"{why}: {gaps or 'the run ended too soon to tell'}")]
        return [grading.fail(window, f"{why} (need ≤ {seconds(expectation.max)})")]
    took = back - window.start
    why = f"availability over {span} was back to {need} {seconds(took)} after the outage"
    why = f"{why} (need ≤ {seconds(expectation.max)})"
    if gaps:
        return [grading.inconclusive(window, f"{why}, but {gaps}", took)]
    return [grading.judge(took, window, why)]


TIME_TO_RECOVER = ScoreKind(RecoveryTimeExpectation, score_time_to_recover)
