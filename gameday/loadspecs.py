"""The load of a scenario: how many users over time (the shape) and what each user does (the flow).

Every shape is data here and a pure schedule in :mod:`loadprofiles.schedule`; the orchestrator only
needs ``peak_users`` for its "load started" line and the validated spec for ``load.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from gameday.durations import Seconds
from gameday.flowspecs import FlowSpec
from gameday.limits import MAX_USERS
from gameday.replay_csv import Point, read_replay_csv, series_problem


class LoadBase(BaseModel):
    """What every shape shares: the flow its users follow and how fast users are started."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    flow: FlowSpec = "shop"
    spawn_rate: float = Field(
        default=10.0, gt=0, le=MAX_USERS, description="users started (or stopped) per second"
    )

    @property
    def peak_users(self) -> int:
        """The most users the shape ever asks for: what a run announces and a stack must carry."""
        raise NotImplementedError

    def check_within(self, duration_s: float) -> None:
        """Raise ValueError when the shape needs more time than the run has."""


class SteadyLoad(LoadBase):
    """The same ``users`` for the whole run."""

    shape: Literal["steady"]
    users: int = Field(ge=1, le=MAX_USERS)

    @property
    def peak_users(self) -> int:
        return self.users


class _UpToMax(LoadBase):
    """Shapes whose users rise from a start (``users``, or ``min_users``) to ``max_users``, their peak."""

    max_users: int = Field(ge=1, le=MAX_USERS)
    _start_field: ClassVar[str] = "users"

    @model_validator(mode="after")
    def _max_not_below_start(self) -> Self:
        if self.max_users < getattr(self, self._start_field):
            raise ValueError(f"max_users must not be below {self._start_field}")
        return self

    @property
    def peak_users(self) -> int:
        return self.max_users


class StepLoad(_UpToMax):
    """Users rise by ``step_users`` every ``step_every`` from ``users`` up to ``max_users``."""

    shape: Literal["step"]
    users: int = Field(ge=1, le=MAX_USERS, description="users at the start")
    step_users: int = Field(ge=0, le=MAX_USERS)
    step_every: Seconds = Field(gt=0)


class RampLoad(_UpToMax):
    """Users rise evenly from ``users`` to ``max_users`` over ``over``, then hold."""

    shape: Literal["ramp"]
    users: int = Field(default=0, ge=0, le=MAX_USERS, description="users at the start")
    over: Seconds = Field(gt=0)


class SpikeLoad(LoadBase):
    """``users`` throughout, except ``spike_users`` from ``at`` for ``for``."""

    shape: Literal["spike"]
    users: int = Field(ge=0, le=MAX_USERS, description="the baseline")
    spike_users: int = Field(ge=0, le=MAX_USERS)
    at: Seconds = Field(ge=0)
    for_: Seconds = Field(alias="for", gt=0)

    @property
    def peak_users(self) -> int:
        return max(self.users, self.spike_users)

    def check_within(self, duration_s: float) -> None:
        if self.at >= duration_s:
            raise ValueError(f"the spike at {self.at:g}s starts after the run ends ({duration_s:g}s)")


class WaveLoad(_UpToMax):
    """A diurnal wave: from ``min_users`` up to ``max_users`` and back again every ``period``."""

    shape: Literal["wave"]
    min_users: int = Field(ge=0, le=MAX_USERS)
    period: Seconds = Field(gt=0)
    _start_field: ClassVar[str] = "min_users"


class ReplayLoad(LoadBase):
    """Users over time from a CSV file of ``t,users`` rows, holding each row's users until the next.

    The file is read when the scenario is loaded (relative to the scenario's folder) and its rows
    become ``points``, which is what ``load.json`` hands the load process: no path to resolve there.
    """

    shape: Literal["replay"]
    file: Path | None = Field(default=None, description="CSV with columns t,users")
    points: tuple[tuple[Seconds, int], ...] = ()

    @field_validator("file")
    @classmethod
    def _readable_csv(cls, file: Path | None, info: ValidationInfo) -> Path | None:
        """Resolved against ``scenario_dir`` and read through once, if the context gives one."""
        folder = (info.context or {}).get("scenario_dir")
        if file is None or folder is None:
            return file  # points from load.json, or a run folder's copy of the scenario
        resolved = file if file.is_absolute() else Path(folder) / file
        read_replay_csv(resolved)
        return resolved

    @field_validator("points")
    @classmethod
    def _a_series(cls, points: tuple[Point, ...]) -> tuple[Point, ...]:
        for index, point in enumerate(points):
            problem = series_problem(points[index - 1] if index else None, point)
            if problem is not None:
                raise ValueError(f"[{index}]: {problem}")
        return points

    @model_validator(mode="after")
    def _points_from_the_file(self, info: ValidationInfo) -> ReplayLoad:
        if self.points:
            return self
        if self.file is None:
            raise ValueError("give file: a CSV with columns t,users")
        if (info.context or {}).get("scenario_dir") is None:
            return self  # a run folder's copy: the file was read when it ran
        return self.model_copy(update={"points": read_replay_csv(self.file)})

    @property
    def peak_users(self) -> int:
        return max((users for _, users in self.points), default=0)


LoadSpec = Annotated[
    SteadyLoad | StepLoad | RampLoad | SpikeLoad | WaveLoad | ReplayLoad, Field(discriminator="shape")
]
"""``load`` of a scenario (and of ``load.json``): one of the shapes, told apart by ``shape``."""

SHAPES: dict[str, type[LoadBase]] = {
    "steady": SteadyLoad,
    "step": StepLoad,
    "ramp": RampLoad,
    "spike": SpikeLoad,
    "wave": WaveLoad,
    "replay": ReplayLoad,
}
"""Each shape's model by its name, in the order errors list them."""
