"""The scenario model: one game day, as data.

A scenario names resources by logical name (``service: orders``); the target maps those names to
real resources, so one scenario runs unchanged on localcloud and in AWS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from faults.catalogue import FaultSpec
from gameday.durations import Seconds
from gameday.faultspecs import NAME_PATTERN
from gameday.loadspecs import LoadSpec
from gameday.shared import GradedPhase, Strict
from gameday.traces.dependencies import DependencyName
from gameday.yamlfile import load_model, located, raise_located

_NAME_PATTERN = NAME_PATTERN


# --- load -------------------------------------------------------------------------------------
# The shapes and flows live in gameday.loadspecs and gameday.flowspecs; ``load`` is one LoadSpec.


# --- faults -----------------------------------------------------------------------------------


# --- expectations -----------------------------------------------------------------------------


class AvailabilityExpectation(Strict):
    """Share of requests that succeeded in a phase must be at least ``min`` (0–1)."""

    score: Literal["availability"]
    phase: GradedPhase = "all"
    min: float = Field(ge=0, le=1)


class LatencyExpectation(Strict):
    """A percentile (50th, 95th or 99th) of latency in a phase must be at most ``max`` milliseconds."""

    score: Literal["p50_latency_ms", "p95_latency_ms", "p99_latency_ms"]
    phase: GradedPhase = "all"
    max: float = Field(gt=0)


class TaskRecoveryExpectation(Strict):
    """After tasks are stopped, running must equal desired again within ``max`` seconds."""

    score: Literal["task_recovery_s"]
    service: str = Field(pattern=_NAME_PATTERN)
    max: Seconds = Field(gt=0)


class RecoveryTimeExpectation(Strict):
    """After the last fault ends, availability over a sliding ``window`` must meet ``min`` again
    within ``max`` seconds."""

    score: Literal["time_to_recover_s"]
    max: Seconds = Field(gt=0)
    min: float = Field(default=0.99, ge=0, le=1, description="availability that counts as recovered")
    window: Seconds = Field(default=5, gt=0, description="the sliding window availability is measured over")


class RetryMaskingExpectation(Strict):
    """Of the calls to ``dependency`` whose first attempt failed in a phase (the fault, by
    default), at least the share ``min`` must still have succeeded thanks to a retry."""

    score: Literal["retry_masking"]
    dependency: DependencyName
    phase: GradedPhase = "fault"
    min: float = Field(ge=0, le=1)


class RetryAmplificationExpectation(Strict):
    """Attempts per admitted call to ``dependency`` in a phase must be at most ``max``: more is a
    retry storm that multiplies the load on a dependency that is already failing."""

    score: Literal["retry_amplification"]
    dependency: DependencyName
    phase: GradedPhase = "fault"
    max: float = Field(ge=1)


class RetryBackoffExpectation(Strict):
    """Gaps between a call's attempts must grow (mean gap before retry n+1 over the one before
    retry n at least ``min_growth``) and be jittered (spread at least ``min_spread``)."""

    score: Literal["retry_backoff"]
    dependency: DependencyName
    phase: GradedPhase = "fault"
    min_growth: float = Field(default=1.2, gt=0)
    min_spread: float = Field(default=0.1, ge=0, description="coefficient of variation of same-rank gaps")


class BreakerTimeExpectation(Strict):
    """Seconds from the fault's start until the breaker in front of ``dependency`` opens, or from
    its end until calls succeed again, must be at most ``max``."""

    score: Literal["breaker_time_to_open_s", "breaker_time_to_close_s"]
    dependency: DependencyName
    max: Seconds = Field(ge=0)


class BreakerShedExpectation(Strict):
    """During the outage at least the share ``min`` of calls to ``dependency`` must be shed."""

    score: Literal["breaker_shed"]
    dependency: DependencyName
    min: float = Field(ge=0, le=1)


class BreakerLimitExpectation(Strict):
    """During the outage, ``breaker_fast_fail_ms`` (p95 milliseconds of failed or shed calls to
    ``dependency``) or ``breaker_flapping`` (open/close transitions) must be at most ``max``."""

    score: Literal["breaker_fast_fail_ms", "breaker_flapping"]
    dependency: DependencyName
    max: float = Field(ge=0)


class ScalingTimeExpectation(Strict):
    """Seconds the auto scaling of ``service`` may take, at most ``max``: from the trigger (the
    first step up of the load after the baseline or the first landed fault) to the first rise of
    its desired count (``scaling_reaction_s``); from that rise until running equals desired again
    (``scaling_completion_s``); from the release (the later of the last load drop and the end of
    the last fault) to the first fall of its desired count (``scale_in_s``)."""

    score: Literal["scaling_reaction_s", "scaling_completion_s", "scale_in_s"]
    service: str = Field(pattern=_NAME_PATTERN)
    max: Seconds = Field(gt=0)


class ScalingFlappingExpectation(Strict):
    """The desired count of ``service`` may turn around (up then down, or down then up) at most
    ``max`` times over the run: one scale-out followed by one scale-in is one."""

    score: Literal["scaling_flapping"]
    service: str = Field(pattern=_NAME_PATTERN)
    max: int = Field(ge=0)


class ScalingSloExpectation(Strict):
    """While ``service`` scales out (from the trigger until it runs its raised desired count), the
    share of requests that succeeded must be at least ``min``, and with ``p95_max_ms`` their 95th
    percentile latency at most that: capacity arriving late must not cost shoppers the SLO."""

    score: Literal["slo_during_scaling"]
    service: str = Field(pattern=_NAME_PATTERN)
    min: float = Field(ge=0, le=1)
    p95_max_ms: float | None = Field(default=None, gt=0)


AnyExpectation = (
    AvailabilityExpectation
    | LatencyExpectation
    | TaskRecoveryExpectation
    | RecoveryTimeExpectation
    | RetryMaskingExpectation
    | RetryAmplificationExpectation
    | RetryBackoffExpectation
    | BreakerTimeExpectation
    | BreakerShedExpectation
    | BreakerLimitExpectation
    | ScalingTimeExpectation
    | ScalingFlappingExpectation
    | ScalingSloExpectation
)
"""Every expectation model; the scoring registry is keyed by them."""
Expectation = Annotated[AnyExpectation, Field(discriminator="score")]


class Guardrails(Strict):
    """Live stop conditions: the run aborts (verdict ABORTED, every fault reverted) when breached."""

    max_error_rate: float | None = Field(
        default=None, gt=0, le=1, description="share of failed requests over `window`"
    )
    max_p95_ms: float | None = Field(
        default=None, gt=0, description="p95 latency over `window`, estimated from the per-second stats"
    )
    window: Seconds = Field(default=10, gt=0)

    @model_validator(mode="after")
    def _at_least_one_limit(self) -> Guardrails:
        if self.max_error_rate is None and self.max_p95_ms is None:
            raise ValueError("guardrails need max_error_rate, max_p95_ms or both")
        return self


# --- the scenario -----------------------------------------------------------------------------


class Scenario(Strict):
    """One game day: load, faults on a timeline, and the thresholds the run is graded against."""

    name: str = Field(pattern=_NAME_PATTERN, max_length=64)
    description: str = Field(min_length=1)
    duration: Seconds = Field(gt=0)
    load: LoadSpec
    faults: list[FaultSpec] = Field(min_length=1)
    expect: list[Expectation] = Field(min_length=1)
    guardrails: Guardrails | None = None

    @field_validator("load")
    @classmethod
    def _load_inside_the_run(cls, load: LoadSpec, info: ValidationInfo) -> LoadSpec:
        if "duration" in info.data:
            load.check_within(info.data["duration"])
        return load

    @model_validator(mode="after")
    def _faults_inside_the_run(self) -> Scenario:
        problems = []
        for index, fault in enumerate(self.faults):
            if fault.at <= 0:
                problems.append(
                    located(("faults", index, "at"), "'at' must leave a baseline phase before the fault")
                )
            elif fault.end >= self.duration:
                message = f"the fault ends at {fault.end:g}s: no recovery left in a run of {self.duration:g}s"
                problems.append(located(("faults", index, "for"), message))
        raise_located("Scenario", problems)
        return self

    @property
    def fault_start(self) -> float:
        return min(f.at for f in self.faults)

    @property
    def fault_end(self) -> float:
        return max(f.end for f in self.faults)


def load_scenario(path: Path, *, check_files: bool = True) -> Scenario:
    """Read and validate a scenario file; every problem is reported with its line.

    With ``check_files``, files the scenario names (FIS templates) are resolved against the
    scenario's folder and must exist; a run folder's copy is loaded without.
    """
    return load_model(path, Scenario, context={"scenario_dir": path.parent} if check_files else None)
