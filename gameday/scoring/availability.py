"""Availability: the share of requests that succeeded in a phase, as shoppers saw it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord, Score
from gameday.scoring.grading import Grading
from gameday.scoring.kind import ScoreKind
from gameday.scoring.request_scores import grade_requests
from gameday.scoring.text import count, percent
from gameday.scoring.windows import Window
from gameday.shared import GradedPhase, Strict


class AvailabilityExpectation(Strict):
    """Share of requests that succeeded in a phase must be at least ``min`` (0–1)."""

    score: Literal["availability"]
    phase: GradedPhase = "all"
    min: float = Field(ge=0, le=1)


def availability(requests: list[RequestRecord]) -> float:
    """ok / all. Each request counts once, as the load generator saw it: the load generator never
    retries, because retrying is the services' job and is what a game day puts under test."""
    return sum(1 for r in requests if r.ok) / len(requests)


def score_availability(expectation: AvailabilityExpectation, evidence: RunEvidence) -> list[Score]:
    """Availability of the requests started in the phase window, against ``min``."""
    need = expectation.min

    def explain(ratio: float, n: int, window: Window) -> str:
        succeeded = f"{percent(ratio, need)} of {count(n)} requests succeeded {window.label}"
        return f"{succeeded} (need ≥ {percent(need, ratio)})"

    grading = Grading("availability", f"phase:{expectation.phase}", need, ">=", "ratio")
    return grade_requests(grading, evidence, expectation.phase, availability, explain)


AVAILABILITY = ScoreKind(AvailabilityExpectation, score_availability)
