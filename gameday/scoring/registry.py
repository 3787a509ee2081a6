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
from gameday.scenario import (
    AnyExpectation,
    AvailabilityExpectation,
    BreakerLimitExpectation,
    BreakerShedExpectation,
    BreakerTimeExpectation,
    LatencyExpectation,
    RecoveryTimeExpectation,
    RetryAmplificationExpectation,
    RetryBackoffExpectation,
    RetryMaskingExpectation,
    ScalingFlappingExpectation,
    ScalingSloExpectation,
    ScalingTimeExpectation,
    TaskRecoveryExpectation,
)
from gameday.scoring.autoscaling import score_scaling_flapping, score_scaling_time
from gameday.scoring.availability import score_availability
from gameday.scoring.breakers import score_breaker_limit, score_breaker_shed, score_breaker_time
from gameday.scoring.latency import score_latency
from gameday.scoring.recovery import score_task_recovery
from gameday.scoring.retries import score_retry_amplification, score_retry_backoff, score_retry_masking
from gameday.scoring.scaling_slo import score_slo_during_scaling
from gameday.scoring.steady_state import score_time_to_recover

E = TypeVar("E", bound=BaseModel)
BoundScorer = Callable[[RunEvidence], list[Score]]


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
    "p50_latency_ms": Scorer(LatencyExpectation, score_latency),
    "p95_latency_ms": Scorer(LatencyExpectation, score_latency),
    "p99_latency_ms": Scorer(LatencyExpectation, score_latency),
    "task_recovery_s": Scorer(TaskRecoveryExpectation, score_task_recovery),
    "time_to_recover_s": Scorer(RecoveryTimeExpectation, score_time_to_recover),
    "retry_masking": Scorer(RetryMaskingExpectation, score_retry_masking),
    "retry_amplification": Scorer(RetryAmplificationExpectation, score_retry_amplification),
    "retry_backoff": Scorer(RetryBackoffExpectation, score_retry_backoff),
    "breaker_time_to_open_s": Scorer(BreakerTimeExpectation, score_breaker_time),
    "breaker_time_to_close_s": Scorer(BreakerTimeExpectation, score_breaker_time),
    "breaker_shed": Scorer(BreakerShedExpectation, score_breaker_shed),
    "breaker_fast_fail_ms": Scorer(BreakerLimitExpectation, score_breaker_limit),
    "breaker_flapping": Scorer(BreakerLimitExpectation, score_breaker_limit),
    "scaling_reaction_s": Scorer(ScalingTimeExpectation, score_scaling_time),
    "scaling_completion_s": Scorer(ScalingTimeExpectation, score_scaling_time),
    "scale_in_s": Scorer(ScalingTimeExpectation, score_scaling_time),
    "scaling_flapping": Scorer(ScalingFlappingExpectation, score_scaling_flapping),
    "slo_during_scaling": Scorer(ScalingSloExpectation, score_slo_during_scaling),
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
