"""The common shape of every score measured on the load generator's requests.

Availability and latency differ only in what they compute from the requests of a phase and how
they say it; picking the window, refusing to grade an empty one and honouring gaps in the request
evidence is the same and lives here.
"""

from __future__ import annotations

from collections.abc import Callable

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord, Score
from gameday.scoring.grading import Grading
from gameday.scoring.windows import Window, gap_note, phase_window, requests_in, run_window

Measure = Callable[[list[RequestRecord]], float]
Explain = Callable[[float, int, Window], str]  # value, number of requests, window → one-line why


def grade_requests(
    grading: Grading, evidence: RunEvidence, phase: str, measure: Measure, explain: Explain
) -> list[Score]:
    """Measure the requests started in ``phase`` and grade the value.

    No window or no requests is INCONCLUSIVE, never a vacuous PASS; a gap in the request evidence
    keeps the measured value visible but makes the verdict INCONCLUSIVE.
    """
    window = phase_window(evidence, phase)
    if isinstance(window, str):
        return [grading.inconclusive(run_window(evidence), window)]
    requests = requests_in(evidence.requests, window)
    gaps = gap_note(evidence, "requests")
    if not requests:
        return [grading.inconclusive(window, gaps or f"no requests were recorded {window.label}")]
    value = measure(requests)
    why = explain(value, len(requests), window)
    if gaps:
        return [grading.inconclusive(window, f"{why}, but {gaps}", value)]
    return [grading.judge(value, window, why)]
