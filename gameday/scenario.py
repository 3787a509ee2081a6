"""The scenario model: one game day, as data.

A scenario names resources by logical name (``service: orders``); the target maps those names to
real resources, so one scenario runs unchanged on localcloud and in AWS.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, ValidationInfo, field_validator, model_validator

from faults.catalogue import FaultSpec
from gameday.durations import Seconds
from gameday.faultspecs import NAME_PATTERN
from gameday.loadspecs import LoadSpec
from gameday.plugins import tagged_union
from gameday.scoring.kind import AnyExpectation
from gameday.scoring.registry import KINDS
from gameday.shared import Strict
from gameday.yamlfile import load_model, located, raise_located

_NAME_PATTERN = NAME_PATTERN


# --- load -------------------------------------------------------------------------------------
# The shapes and flows live in gameday.loadspecs and gameday.flowspecs; ``load`` is one LoadSpec.


# --- faults -----------------------------------------------------------------------------------


# --- expectations -----------------------------------------------------------------------------
# Each expectation model lives beside the scorer that grades it (gameday.scoring.<family>) and is
# found, like a team's own, through the ``gameday.scores`` entry points.


if TYPE_CHECKING:
    Expectation = AnyExpectation
else:
    Expectation = tagged_union([kind.expectation for kind in KINDS.values()], "score")
"""One scenario ``expect:`` entry of any installed score kind."""


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
