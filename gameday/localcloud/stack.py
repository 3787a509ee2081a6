"""The stack file: which services localcloud runs, how they are checked, wired and queued.

It is data, validated before anything starts: a typo, a dependency on a service that does not
exist or a command that is not installed is reported as ``file:line: field: what is wrong`` and
nothing is launched.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from gameday.durations import Seconds
from gameday.faultspecs import NAME_PATTERN
from gameday.limits import MAX_COUNT
from gameday.shared import Strict
from gameday.yamlfile import hinted, load_model

_SERVICE_NAME = NAME_PATTERN
_QUEUE_NAME = r"^[A-Za-z0-9_-]{1,80}$"
# what a shell and every runtime read as a variable name
_ENV_NAME = hinted(
    r"^[A-Za-z_][A-Za-z0-9_]*$", "a variable name is letters, digits and '_', not starting with a digit"
)
_NO_NUL = hinted(r"^[^\x00]*$", "must not hold a NUL character (it cannot pass to a process)")
MAX_TASKS = 50  # tasks are local processes: a typo must not fork-bomb the machine
REGION = "us-east-1"  # the region localcloud stands in for: what its tasks' AWS_REGION says
DEFAULT_ZONES = [f"{REGION}{letter}" for letter in "abc"]  # a stack's zones unless it names its own
ZoneName = Annotated[str, Field(pattern=NAME_PATTERN, max_length=64)]
Names = TypeVar("Names", bound=list[str] | None)


class HealthCheck(Strict):
    """An ALB-style HTTP health check; ``unhealthy_threshold`` failures in a row stop the task."""

    path: str = Field(default="/health", pattern=hinted(r"^/", "a path starts with /"))
    interval: Seconds = Field(default=1.0, gt=0)
    timeout: Seconds = Field(default=1.0, gt=0)
    unhealthy_threshold: int = Field(default=2, ge=1, le=MAX_COUNT)


ScalingMetric = Literal["cpu", "requests-per-target", "backlog-per-task"]


class ScalingPolicy(Strict):
    """A target-tracking policy: keep ``metric`` near ``target`` by changing the desired count.

    ``cpu`` is the service's average CPUUtilization (percent of a core), ``requests-per-target``
    the entry's requests per second per running task, ``backlog-per-task`` the visible messages of
    ``queue`` per running task.
    """

    type: Literal["target-tracking"] = "target-tracking"
    metric: ScalingMetric
    target: float = Field(gt=0)
    queue: str | None = None

    @model_validator(mode="after")
    def _queue_only_for_backlog(self) -> ScalingPolicy:
        if (self.metric == "backlog-per-task") != (self.queue is not None):
            raise ValueError("'queue' is required for backlog-per-task and only allowed with it")
        return self


class Scaling(Strict):
    """Service auto scaling like Application Auto Scaling for ECS, with cooldowns in local seconds."""

    min: int = Field(ge=1, le=MAX_TASKS)
    max: int = Field(ge=1, le=MAX_TASKS)
    policy: ScalingPolicy
    scale_out_cooldown: Seconds = Field(default=10.0, description="after a scale-out, no further one")
    scale_in_cooldown: Seconds = Field(default=30.0, description="after a scale-in, no further one")
    window: Seconds = Field(
        default=3.0,
        ge=1,
        description="the metric is averaged over this many seconds, so one noisy second does not flap",
    )

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Scaling:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not be above max ({self.max})")
        return self


class Service(Strict):
    """One service: ``replicas`` copies of ``command``, each a task process on its own port."""

    command: list[Annotated[str, Field(min_length=1, pattern=_NO_NUL)]] = Field(min_length=1)
    replicas: int = Field(default=1, ge=0, le=MAX_TASKS)
    start_delay: Seconds = Field(default=3.0, description="wait after a task stops before replacing it")
    start_timeout: Seconds = Field(
        default=30.0, gt=0, description="time a new task has to pass its health check"
    )
    health_check: HealthCheck = HealthCheck()
    depends_on: list[str] = []
    queues: list[str] = []
    env: dict[Annotated[str, Field(pattern=_ENV_NAME)], Annotated[str, Field(pattern=_NO_NUL)]] = {}
    scaling: Scaling | None = None
    zones: list[ZoneName] | None = Field(
        default=None,
        min_length=1,
        description="the zones its tasks may be placed in (like an ECS service's subnets); absent: all",
    )

    @field_validator("depends_on", "queues", "zones")
    @classmethod
    def _no_duplicates(cls, names: list[str] | None) -> list[str] | None:
        return _unique(names)

    @property
    def executable(self) -> str:
        """``python`` means the interpreter running localcloud, so tasks share its virtualenv."""
        return sys.executable if self.command[0] == "python" else self.command[0]

    @property
    def argv(self) -> list[str]:
        return [self.executable, *self.command[1:]]


class Entry(Strict):
    """The ALB-like listener: ``port`` 0 means any free port."""

    service: str
    port: int = Field(ge=0, le=65535)


class Queue(Strict):
    visibility_timeout: Seconds = Field(default=30.0, ge=0)


class Stack(Strict):
    """A whole stack; names in ``entry``, ``depends_on``, ``queues`` and a service's ``zones`` must
    refer to declared ones. ``zones`` are the Availability Zones tasks are spread over."""

    name: str = Field(pattern=_SERVICE_NAME, max_length=64)
    entry: Entry
    services: dict[str, Service] = Field(min_length=1)
    queues: dict[str, Queue] = {}
    zones: list[ZoneName] = Field(default_factory=lambda: list(DEFAULT_ZONES), min_length=1)

    @field_validator("zones")
    @classmethod
    def _zones_unique(cls, zones: list[str]) -> list[str]:
        return _unique(zones)

    @model_validator(mode="after")
    def _names_and_references(self) -> Stack:
        errors: list[InitErrorDetails | None] = [
            *_bad_names("services", self.services, _SERVICE_NAME, "lowercase letters, digits and '-'"),
            *_bad_names("queues", self.queues, _QUEUE_NAME, "letters, digits, '-' and '_' (at most 80)"),
        ]
        if self.entry.service not in self.services:
            errors.append(_unknown(("entry", "service"), self.entry.service, "service", self.services))
        zones = dict.fromkeys(self.zones)
        for name, service in self.services.items():
            for index, dependency in enumerate(service.depends_on):
                where = ("services", name, "depends_on", index)
                if dependency == name:
                    errors.append(_error(where, dependency, "a service cannot depend on itself"))
                elif dependency not in self.services:
                    errors.append(_unknown(where, dependency, "service", self.services))
            for index, queue in enumerate(service.queues):
                errors.append(_unknown(("services", name, "queues", index), queue, "queue", self.queues))
            for index, zone in enumerate(service.zones or []):
                errors.append(_unknown(("services", name, "zones", index), zone, "zone", zones))
            if service.scaling is not None:
                errors.extend(self._scaling_problems(name, service.scaling, service.replicas))
            if shutil.which(service.executable) is None:
                where = ("services", name, "command", 0)
                errors.append(_error(where, service.command[0], "'{value}' is not an executable on PATH"))
        errors.extend(_cycles(self.services))
        problems = [error for error in errors if error is not None]
        if problems:
            raise ValidationError.from_exception_data("Stack", problems)
        return self

    def _scaling_problems(self, name: str, scaling: Scaling, replicas: int) -> list[InitErrorDetails | None]:
        """A scaled service starts within its bounds and reads a metric this stack produces."""
        where = ("services", name, "scaling")
        problems: list[InitErrorDetails | None] = []
        if not scaling.min <= replicas <= scaling.max:
            bounds = f"{scaling.min}..{scaling.max}"
            template = "replicas ({value}) must lie within scaling min..max ({bounds})"
            problems.append(_error(("services", name, "replicas"), str(replicas), template, bounds=bounds))
        policy = scaling.policy
        if policy.metric == "requests-per-target" and name != self.entry.service:
            template = "requests-per-target counts the entry's requests: only '{entry}' can use it"
            problems.append(
                _error((*where, "policy", "metric"), policy.metric, template, entry=self.entry.service)
            )
        if policy.queue is not None:
            problems.append(_unknown((*where, "policy", "queue"), policy.queue, "queue", self.queues))
        return problems


Location = tuple[str | int, ...]


def _unique(names: Names) -> Names:
    if names is not None and len(set(names)) != len(names):
        raise ValueError("names must not repeat")
    return names


def _error(loc: Location, value: str, template: str, **context: str) -> InitErrorDetails:
    error = PydanticCustomError("stack_reference", template, {"value": value, **context})
    return InitErrorDetails(type=error, loc=loc, input=value)


def _unknown(loc: Location, value: str, kind: str, known: Mapping[str, object]) -> InitErrorDetails | None:
    if value in known:
        return None
    names = ", ".join(sorted(known)) or "none"
    return _error(loc, value, "no {kind} named '{value}' (known: {known})", kind=kind, known=names)


def _cycles(services: Mapping[str, Service]) -> list[InitErrorDetails]:
    """Each ``depends_on`` entry that closes a loop (a → b → a): tasks would wait on each other."""
    problems: list[InitErrorDetails] = []
    state: dict[str, str] = {}  # name → "open" while its dependencies are walked, then "done"
    for root in services:
        if root in state:
            continue
        state[root] = "open"
        walk: list[tuple[str, int]] = [(root, 0)]
        while walk:
            name, index = walk[-1]
            depends_on = services[name].depends_on
            if index == len(depends_on):
                state[name] = "done"
                walk.pop()
                continue
            walk[-1] = (name, index + 1)
            callee = depends_on[index]
            if callee not in services or callee == name or state.get(callee) == "done":
                continue
            if state.get(callee) == "open":
                loop = " -> ".join([*(n for n, _ in walk[[n for n, _ in walk].index(callee) :]), callee])
                problems.append(
                    _error(
                        ("services", name, "depends_on", index),
                        callee,
                        "a dependency loop: {loop}",
                        loop=loop,
                    )
                )
                continue
            state[callee] = "open"
            walk.append((callee, 0))
    return problems


def _bad_names(
    field: str, mapping: Mapping[str, object], pattern: str, allowed: str
) -> list[InitErrorDetails]:
    return [
        _error((field, key), key, "'{value}' is not a valid name: use {allowed} only", allowed=allowed)
        for key in mapping
        if not re.fullmatch(pattern, key)
    ]


def env_name(name: str) -> str:
    """``orders-api`` → ``ORDERS_API``: the prefix of the variables that point a task at ``name``."""
    return name.upper().replace("-", "_")


def load_stack(path: Path) -> Stack:
    """Read and validate a stack file; raises :class:`gameday.errors.InputError` with every problem."""
    return load_model(path, Stack)
