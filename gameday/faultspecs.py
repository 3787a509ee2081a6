"""Fault entries of a scenario: what harm, to which logical resource, when, and for how long.

The kind says what harm; the target (localcloud or AWS) decides how, never the scenario. ``via``
only matters on AWS: ``api`` makes direct calls, ``fis`` runs an AWS FIS experiment. Kinds that
AWS can only do through FIS default to ``fis`` and refuse ``api`` at validation time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gameday.durations import Seconds
from gameday.errors import InputError
from gameday.fis_template import read_template_file
from gameday.limits import MAX_COUNT
from gameday.shared import Strict
from gameday.yamlfile import hinted

NAME_PATTERN = hinted(
    r"^[a-z0-9][a-z0-9-]*$", "use lowercase letters, digits and '-' only, starting with a letter or digit"
)
PATH_PATTERN = hinted(
    r"^[a-z0-9][a-z0-9-]*->[a-z0-9][a-z0-9-]*$", "write a path as caller->callee, e.g. bff->catalog"
)
Via = Literal["api", "fis"]


class ServiceSelection(Strict):
    """A logical service, e.g. ``{service: orders}``."""

    service: str = Field(pattern=NAME_PATTERN)

    @property
    def label(self) -> str:
        return f"service:{self.service}"


class QueueSelection(Strict):
    """A logical queue, e.g. ``{queue: orders}``."""

    queue: str = Field(pattern=NAME_PATTERN)

    @property
    def label(self) -> str:
        return f"queue:{self.queue}"


class PathSelection(Strict):
    """A network path from one service to a dependency, e.g. ``{path: bff->orders}``."""

    path: str = Field(pattern=PATH_PATTERN)

    @property
    def label(self) -> str:
        return f"path:{self.path}"

    @property
    def source(self) -> str:
        return self.path.split("->", 1)[0]

    @property
    def destination(self) -> str:
        return self.path.split("->", 1)[1]


class FaultBase(Strict):
    """When a fault starts (``at``) and how long its window lasts (``for``), from the run's start."""

    at: Seconds
    for_: Seconds = Field(alias="for", gt=0)
    via: Via = "api"

    @property
    def end(self) -> float:
        return self.at + self.for_

    @property
    def target_label(self) -> str:
        raise NotImplementedError


class _FisOnly(FaultBase):
    """AWS has no direct API for this harm: only an FIS experiment can do it."""

    via: Via = "fis"

    @model_validator(mode="after")
    def _no_direct_api(self) -> _FisOnly:
        if self.via == "api":
            raise ValueError("AWS has no direct API for this fault; use via: fis")
        return self


class TaskShare(Strict):
    """A count or a percent of running tasks (FIS COUNT(n) / PERCENT(p), rounded down)."""

    count: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    percent: float | None = Field(default=None, gt=0, le=100)


class KillTasks(FaultBase):
    """Stop a count or a percent of a service's running tasks once, at ``at``.

    ``for`` is the window the service has to cope; the scheduler, not a revert, brings tasks back.
    """

    kind: Literal["kill-tasks"]
    target: ServiceSelection
    count: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    percent: float | None = Field(default=None, gt=0, le=100)

    @model_validator(mode="after")
    def _count_or_percent(self) -> KillTasks:
        if (self.count is None) == (self.percent is None):
            raise ValueError("give exactly one of count or percent")
        return self

    @property
    def target_label(self) -> str:
        return self.target.label


class ThrottleQueue(FaultBase):
    """Slow a queue down for the window, then put back exactly what was there.

    ``consumer``: fewer consumers (ECS desired count, Lambda reserved concurrency or a disabled
    event source mapping on AWS; the consumer service's desired count on localcloud).
    ``delay``: every new message waits ``delay`` before it can be received (SQS DelaySeconds).
    ``reject-sends``: a share of SendMessage calls fail with the SQS throttling error (localcloud).
    """

    kind: Literal["throttle-queue"]
    target: QueueSelection
    mode: Literal["consumer", "delay", "reject-sends"]
    consumers: int = Field(
        default=0, ge=0, le=MAX_COUNT, description="consumers left running in mode consumer"
    )
    delay: Seconds | None = Field(default=None, gt=0, le=900)
    share: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _parameters_match_mode(self) -> ThrottleQueue:
        if self.via == "fis":
            raise ValueError("AWS FIS has no queue action; use via: api")
        if self.mode == "delay" and self.delay is None:
            raise ValueError("mode delay needs delay (e.g. 30s, at most 900s)")
        if self.mode == "reject-sends" and self.share is None:
            raise ValueError("mode reject-sends needs share (0 to 1)")
        if self.mode != "delay" and self.delay is not None:
            raise ValueError("delay only applies to mode delay")
        if self.mode != "reject-sends" and self.share is not None:
            raise ValueError("share only applies to mode reject-sends")
        return self

    @property
    def target_label(self) -> str:
        return self.target.label


class BreakNetwork(FaultBase):
    """Cut a path: connections hang (``blackhole``) or are refused and reset (``reset``)."""

    kind: Literal["break-network"]
    target: PathSelection
    mode: Literal["blackhole", "reset"] = "blackhole"
    method: Literal["security-group", "nacl"] = Field(
        default="security-group",
        description="on AWS via api: revoke the ingress rule (existing connections survive) or add "
        "network ACL deny entries (existing connections break too)",
    )

    @model_validator(mode="after")
    def _method_is_for_the_api(self) -> BreakNetwork:
        if self.via == "fis" and "method" in self.model_fields_set:
            raise ValueError("method only applies to via: api (FIS cuts the path with its own network ACL)")
        return self

    @property
    def target_label(self) -> str:
        return self.target.label


class AddLatency(_FisOnly):
    """Delay traffic on a path by ``delay_ms`` ± ``jitter_ms``."""

    kind: Literal["add-latency"]
    target: PathSelection
    delay_ms: int = Field(default=200, ge=1, le=60_000)
    jitter_ms: int = Field(default=10, ge=0, le=60_000)

    @property
    def target_label(self) -> str:
        return self.target.label


class FailRequests(_FisOnly):
    """Answer a share of the requests on a path with an HTTP error instead of the dependency."""

    kind: Literal["fail-requests"]
    target: PathSelection
    share: float = Field(default=1.0, gt=0, le=1)
    status: int = Field(default=503, ge=429, le=599)

    @model_validator(mode="after")
    def _error_status(self) -> FailRequests:
        if self.status != 429 and self.status < 500:
            raise ValueError("status must be 429 or a 5xx")
        return self

    @property
    def target_label(self) -> str:
        return self.target.label


class StressCpu(_FisOnly):
    """Burn CPU in a service's tasks (all of them, or a count or percent) for the window."""

    kind: Literal["stress-cpu"]
    target: ServiceSelection
    load_percent: int = Field(default=100, ge=1, le=100)
    count: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    percent: float | None = Field(default=None, gt=0, le=100)

    @model_validator(mode="after")
    def _one_share(self) -> StressCpu:
        if self.count is not None and self.percent is not None:
            raise ValueError("give at most one of count or percent (none: every task)")
        return self

    @property
    def target_label(self) -> str:
        return self.target.label


class FisTemplateFile(FaultBase):
    """Run an existing AWS FIS experiment template (JSON file) as this fault.

    gameday still adds load, evidence and scoring. On localcloud each supported action is
    translated to the local provider; an unsupported action is an error before the run starts.
    """

    kind: Literal["fis-template"]
    file: Path = Field(description="JSON file, relative to the scenario file's folder")
    via: Via = "fis"

    @field_validator("file")
    @classmethod
    def _readable_json(cls, file: Path, info: ValidationInfo) -> Path:
        """Resolved against ``scenario_dir`` (the validation context) and checked as FIS would, if given."""
        folder = (info.context or {}).get("scenario_dir")
        if folder is None:
            return file  # a run folder's copy of the scenario: the template was checked when it ran
        resolved = file if file.is_absolute() else Path(folder) / file
        try:
            read_template_file(resolved)
        except InputError as error:  # the template's own lines, under the scenario's `file:` line
            raise ValueError("; ".join(str(problem) for problem in error.problems)) from None
        return resolved

    @model_validator(mode="after")
    def _fis_only(self) -> FisTemplateFile:
        if self.via == "api":
            raise ValueError("a FIS template runs through FIS; use via: fis")
        return self

    @property
    def target_label(self) -> str:
        return f"fis-template:{self.file.name}"


FaultSpec = Annotated[
    KillTasks | ThrottleQueue | BreakNetwork | AddLatency | FailRequests | StressCpu | FisTemplateFile,
    Field(discriminator="kind"),
]
