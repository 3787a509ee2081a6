"""Latency: a percentile (p50, p95 or p99) of request latency in a phase."""

from __future__ import annotations

from functools import partial
from typing import Literal

from pydantic import Field

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord, Score
from gameday.evidence.stats import percentile
from gameday.scoring.grading import Grading
from gameday.scoring.kind import ScoreKind
from gameday.scoring.request_scores import grade_requests
from gameday.scoring.text import count, milliseconds
from gameday.scoring.windows import Window
from gameday.shared import GradedPhase, Strict


class LatencyExpectation(Strict):
    """A percentile (50th, 95th or 99th) of latency in a phase must be at most ``max`` milliseconds."""

    score: Literal["p50_latency_ms", "p95_latency_ms", "p99_latency_ms"]
    phase: GradedPhase = "all"
    max: float = Field(gt=0)


PERCENTILES = {"p50_latency_ms": 50, "p95_latency_ms": 95, "p99_latency_ms": 99}


def latency_percentile(requests: list[RequestRecord], q: int) -> float:
    """The q-th percentile of every request, failed ones included: a request that timed out was
    slow for the shopper too, while a fast error is judged by availability."""
    return percentile([r.latency_ms for r in requests], q)


def score_latency(expectation: LatencyExpectation, evidence: RunEvidence) -> list[Score]:
    """The expectation's percentile of the latency of requests started in the phase, against ``max``."""
    limit, q = expectation.max, PERCENTILES[expectation.score]

    def explain(value: float, n: int, window: Window) -> str:
        measured = f"p{q} of {count(n)} requests {window.label} was {milliseconds(value)}"
        return f"{measured} (need ≤ {milliseconds(limit)})"

    grading = Grading(expectation.score, f"phase:{expectation.phase}", limit, "<=", "ms")
    measure = partial(latency_percentile, q=q)
    return grade_requests(grading, evidence, expectation.phase, measure, explain)


LATENCY = ScoreKind(LatencyExpectation, score_latency)
