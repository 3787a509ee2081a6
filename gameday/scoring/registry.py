"""Which scorer grades which expectation, checked when the pipeline is built rather than when it runs.

Like a structlog processor chain: a scenario's expectations become a list of small callables,
each bound to its expectation, before any evidence is looked at. An expectation without a scorer
is a programming error found at build time, not a silent gap in the report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.scenario import AvailabilityExpectation, LatencyExpectation, TaskRecoveryExpectation
from gameday.scoring.availability import score_availability
from gameday.scoring.latency import score_p95_latency
from gameday.scoring.recovery import score_task_recovery

E = TypeVar("E", bound=BaseModel)
BoundScorer = Callable[[RunEvidence], list[Score]]
AnyExpectation = AvailabilityExpectation | LatencyExpectation | TaskRecoveryExpectation


@dataclass(frozen=True)
class Scorer(Generic[E]):
    """A measuring function together with the expectation type it grades."""

    expects: type[E]
    measure: Callable[[E, RunEvidence], list[Score]]

    def bind(self, expectation: BaseModel) -> BoundScorer:
        if not isinstance(expectation, self.expects):
            raise TypeError(
                f"{self.measure.__name__} grades {self.expects.__name__}, not {type(expectation).__name__}"
            )
        return partial(self.measure, expectation)


SCORERS: dict[str, Scorer[Any]] = {
    "availability": Scorer(AvailabilityExpectation, score_availability),
    "p95_latency_ms": Scorer(LatencyExpectation, score_p95_latency),
    "task_recovery_s": Scorer(TaskRecoveryExpectation, score_task_recovery),
}


def build_pipeline(expectations: Sequence[AnyExpectation]) -> list[BoundScorer]:
    """One bound scorer per expectation, in the scenario's order."""
    pipeline = []
    for expectation in expectations:
        scorer = SCORERS.get(expectation.score)
        if scorer is None:
            raise LookupError(f"no scorer is registered for score '{expectation.score}'")
        pipeline.append(scorer.bind(expectation))
    return pipeline
