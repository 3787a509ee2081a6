"""Latency: the 95th percentile of request latency in a phase."""

from __future__ import annotations

import math
from collections.abc import Sequence

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord, Score
from gameday.scenario import LatencyExpectation
from gameday.scoring.grading import Grading
from gameday.scoring.request_scores import grade_requests
from gameday.scoring.text import count, milliseconds
from gameday.scoring.windows import Window


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least q % of values at or below it.

    Nearest rank (rank = ⌈q/100 · n⌉) always returns a latency that was really observed, needs no
    numpy, and can be checked by hand on a sorted list. ``values`` must not be empty.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError("q must be in (0, 100]")
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered) / 100))  # q·n first: exact for whole q
    return ordered[rank - 1]


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
