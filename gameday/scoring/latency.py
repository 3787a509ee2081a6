"""Latency: the 95th percentile of request latency in a phase."""

from __future__ import annotations

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord, Score
from gameday.evidence.stats import percentile
from gameday.scenario import LatencyExpectation
from gameday.scoring.grading import Grading
from gameday.scoring.request_scores import grade_requests
from gameday.scoring.text import count, milliseconds
from gameday.scoring.windows import Window


def p95_latency(requests: list[RequestRecord]) -> float:
    """p95 of every request, failed ones included: a request that timed out was slow for the
    shopper too, while a fast error is judged by availability."""
    return percentile([r.latency_ms for r in requests], 95)


def score_p95_latency(expectation: LatencyExpectation, evidence: RunEvidence) -> list[Score]:
    """p95 latency of the requests started in the phase window, against ``max``."""
    limit = expectation.max

    def explain(p95: float, n: int, window: Window) -> str:
        measured = f"p95 of {count(n)} requests {window.label} was {milliseconds(p95)}"
        return f"{measured} (need ≤ {milliseconds(limit)})"

    grading = Grading("p95_latency_ms", f"phase:{expectation.phase}", limit, "<=", "ms")
    return grade_requests(grading, evidence, expectation.phase, p95_latency, explain)
