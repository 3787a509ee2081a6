"""The control API's wire shapes: every request body and every answer, one model each.

The control server (:mod:`gameday.localcloud.control`) validates what it is sent through these
models and writes its answers by dumping them; :class:`gameday.localcloud.client.LocalcloudClient`
builds its requests from them and reads every answer back into them. Server, client and callers so
share one set of field names, and a renamed field is a type error and a failing test rather than a
``KeyError`` in the middle of a game day. The models describe the JSON the API has always spoken,
so run folders and notes that recorded it stay readable; shapes borrowed from AWS (a scalable
target's ``SuspendedState``, DescribeScalingActivities' activities) keep AWS's names on the wire
through aliases, and Python code reads them in snake case.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AliasGenerator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_pascal

from gameday.evidence.records import MetricPoint, TaskEvent
from gameday.localcloud.stack import MAX_TASKS, Scaling

DEFAULT_STOP_REASON = "Task stopped by user"
PATH_FAULT_MODES = ("blackhole", "reset", "latency", "http-errors")


class Wire(BaseModel):
    """Frozen and closed: a field one side sends and the other does not know is a bug to hear about.

    Fields with an AWS alias are read under either name and always written under the alias.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )


def describe_validation(error: ValidationError) -> str:
    """One line per problem, ``field: message``, in words a person reads (``body`` for the whole)."""
    problems = []
    for problem in error.errors():
        context = problem.get("ctx", {})
        if problem["type"] in ("union_tag_invalid", "union_tag_not_found"):  # pydantic names no field
            field = _unquoted(context["discriminator"])
            if "tag" in context:
                tags = _unquoted(context["expected_tags"])
                problems.append(f"{field}: must be one of {tags} (got {context['tag']!r})")
            else:
                problems.append(f"{field}: Field required")
            continue
        # a tagged union puts the tag in the location: "latency.delay_ms" reads as "delay_ms"
        where = ".".join(str(part) for part in problem["loc"] if part not in PATH_FAULT_MODES) or "body"
        problems.append(f"{where}: {problem['msg']}")
    return "; ".join(problems)


def _unquoted(text: object) -> str:
    return str(text).replace("'", "")


class ErrorAnswer(Wire):
    """Any refusal (4xx): what was wrong, in one line."""

    error: str


# --- tasks -------------------------------------------------------------------------------------


class TaskStatus(StrEnum):
    PENDING = "PENDING"  # process started, health check not passed yet
    RUNNING = "RUNNING"  # health check passed at least once
    STOPPED = "STOPPED"


class StopCode(StrEnum):
    """ECS stop codes, so evidence reads the same for localcloud and AWS."""

    USER = "UserInitiated"
    EXITED = "EssentialContainerExited"
    SCHEDULER = "ServiceSchedulerInitiated"


class TaskStopRequest(Wire):
    """POST /services/{name}/tasks/{id}/stop; the body may be left out."""

    reason: str = Field(default=DEFAULT_STOP_REASON, min_length=1)


class TaskStopped(Wire):
    task_id: str
    stop_code: StopCode


class DesiredCount(Wire):
    """PUT /services/{name}/desired, like ECS UpdateService's desiredCount."""

    count: int = Field(ge=0, le=MAX_TASKS, strict=True)


class DesiredChanged(Wire):
    service: str
    desired: int
    previous: int


# --- auto scaling ------------------------------------------------------------------------------


class SuspendedState(Wire):
    """PUT /services/{name}/scaling/suspended: which directions of dynamic scaling are held, named as
    Application Auto Scaling names them."""

    scale_in: bool = Field(
        default=False,
        validation_alias="DynamicScalingInSuspended",
        serialization_alias="DynamicScalingInSuspended",
        strict=True,
    )
    scale_out: bool = Field(
        default=False,
        validation_alias="DynamicScalingOutSuspended",
        serialization_alias="DynamicScalingOutSuspended",
        strict=True,
    )


class SuspensionChanged(Wire):
    service: str
    suspended_state: SuspendedState
    previous: SuspendedState


class DescribedActivity(Wire):
    """A scaling activity in the shape of DescribeScalingActivities (times in epoch seconds)."""

    model_config = ConfigDict(alias_generator=AliasGenerator(to_pascal, to_pascal))  # ActivityId …

    activity_id: str
    service_namespace: str
    resource_id: str
    scalable_dimension: str
    description: str
    cause: str
    start_time: float
    end_time: float | None
    status_code: str
    status_message: str | None
    details: str


class ServiceScaling(Scaling):
    """A scaled service's policy as its stack file gives it, plus what the autoscaler holds now."""

    suspended_state: SuspendedState
    last_activity: DescribedActivity | None


# --- CPU stress --------------------------------------------------------------------------------


class StressRequest(Wire):
    """PUT /services/{name}/stress: ``tasks`` absent means every running task of the service."""

    load_percent: int = Field(default=100, ge=1, le=100, strict=True)
    tasks: list[str] | None = None


class StressStarted(Wire):
    service: str
    burners: dict[str, int]  # task id → the burner's pid


class StressStopRequest(Wire):
    """DELETE /services/{name}/stress: ``tasks`` absent (or no body) means every stressed task."""

    tasks: list[str] | None = None


class StressStopped(Wire):
    service: str
    stopped: list[str]  # the tasks that had a burner


# --- path faults -------------------------------------------------------------------------------


class BlackholeSpec(Wire):
    mode: Literal["blackhole"] = "blackhole"


class ResetSpec(Wire):
    mode: Literal["reset"] = "reset"


class LatencySpec(Wire):
    mode: Literal["latency"] = "latency"
    delay_ms: float = Field(gt=0, le=600_000)
    jitter_ms: float = Field(default=0, ge=0, le=600_000)


class HttpErrorsSpec(Wire):
    mode: Literal["http-errors"] = "http-errors"
    share: float = Field(ge=0, le=1)
    status: int = 503

    @field_validator("status")
    @classmethod
    def _error_status(cls, status: int) -> int:
        if status != 429 and not 500 <= status <= 599:
            raise ValueError("status must be 429 or a 5xx code")
        return status


PathFaultSpec = Annotated[
    BlackholeSpec | ResetSpec | LatencySpec | HttpErrorsSpec, Field(discriminator="mode")
]
"""PUT /paths/{edge}/fault, e.g. ``{"mode": "latency", "delay_ms": 200}``; also how a set fault shows."""

PATH_FAULT: TypeAdapter[PathFaultSpec] = TypeAdapter(PathFaultSpec)


class PathFaultSet(Wire):
    """The edge's fault as set."""

    path: str
    fault: PathFaultSpec


class PathFaultCleared(Wire):
    path: str
    fault: None = None


# --- zone faults -------------------------------------------------------------------------------


class ZoneFaultSet(Wire):
    """PUT /zones/{zone}/fault (a :data:`PathFaultSpec` body): every connection into the zone's
    tasks, from the entry, every dependency edge and the health checks, suffers the fault."""

    zone: str
    fault: PathFaultSpec


class ZoneFaultCleared(Wire):
    zone: str
    fault: None = None


# --- queue faults ------------------------------------------------------------------------------


class QueueFaultSpec(Wire):
    """PUT /queues/{name}/fault; at least one harm is asked for. Also how a set fault shows."""

    throttle_share: float = Field(default=0.0, ge=0, le=1)
    delay_s: float = Field(default=0.0, ge=0, le=900)  # SQS's own DelaySeconds limit

    @model_validator(mode="after")
    def _does_something(self) -> QueueFaultSpec:
        if self.throttle_share == 0 and self.delay_s == 0:
            raise ValueError("give throttle_share (0-1) and/or delay_s (seconds) above zero")
        return self


class QueueFaultSet(Wire):
    """The queue's fault as set."""

    queue: str
    fault: QueueFaultSpec


class QueueFaultCleared(Wire):
    queue: str
    fault: None = None


# --- GET /state --------------------------------------------------------------------------------


class TaskStress(Wire):
    load_percent: int
    pid: int  # the burner's


class TaskState(Wire):
    id: str
    pid: int
    port: int
    status: TaskStatus
    healthy: bool
    started_at: float
    stress: TaskStress | None
    zone: str  # the Availability Zone the task was placed in


class ServiceState(Wire):
    desired: int
    running: int
    healthy: int
    start_delay_s: float
    tasks: list[TaskState]  # live tasks, then the last few stopped ones
    scaling: ServiceScaling | None  # None: the service does not auto scale


class QueueState(Wire):
    url: str
    visible: int
    in_flight: int
    delayed: int


class PlatformState(Wire):
    """GET /state: the whole platform; also the launcher's ready file."""

    stack: str
    variant: str | None
    cluster: str
    started_at: float
    pid: int
    control_url: str
    entry_url: str
    sqs_endpoint: str
    xray_daemon: str  # host:port, as AWS_XRAY_DAEMON_ADDRESS takes it
    ready: bool
    services: dict[str, ServiceState]
    paths: dict[str, str]  # edge → its proxy's URL
    queues: dict[str, QueueState]
    path_faults: dict[str, PathFaultSpec | None]
    queue_faults: dict[str, QueueFaultSpec | None]
    zones: list[str]  # the stack's Availability Zones, in placement order
    zone_faults: dict[str, PathFaultSpec | None]  # every zone → its fault


# --- evidence reads (each takes ?since=&until= in epoch seconds) -------------------------------


class EventsAnswer(Wire):
    events: list[TaskEvent]


class MetricsAnswer(Wire):
    metrics: list[MetricPoint]


class TracesAnswer(Wire):
    documents: list[dict[str, Any]]  # raw X-Ray segment documents, as the SDKs sent them


class ActivitiesAnswer(Wire):
    activities: list[DescribedActivity]


class ShutdownAnswer(Wire):
    stopping: bool
