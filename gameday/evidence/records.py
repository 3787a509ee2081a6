"""The typed records every part of a run exchanges.

Load, localcloud and AWS sources produce them; scoring and reporting consume them. They are plain
frozen pydantic models so they serialise to JSON lines in the run folder and back unchanged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from gameday.shared import PhaseName


class Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Phase(Record):
    """A named slice of the run on the wall clock (epoch seconds, end exclusive)."""

    name: PhaseName
    start: float
    end: float


class RequestRecord(Record):
    """One request the load generator made."""

    t: float  # epoch seconds when the request started
    name: str  # the request's name in the flow, e.g. "GET /catalog"
    method: str
    latency_ms: float
    status: int  # 0 when no response arrived
    ok: bool
    error: str | None = None
    worker: int | None = None  # the load worker that made it (0-based, by connect order); None: no workers


class LoadSecond(Record):
    """Per-second statistics streamed by the load process."""

    t: float  # epoch second the stats cover
    users: int
    requests: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class MetricPoint(Record):
    """One datapoint under a CloudWatch namespace, metric name and dimensions."""

    t: float
    namespace: str
    name: str
    dimensions: dict[str, str]
    value: float


class TaskEvent(Record):
    """A task lifecycle event, like an ECS service event or a stopped task's stop code."""

    t: float
    service: str
    task_id: str
    kind: Literal["started", "healthy", "unhealthy", "stopped"]
    stop_code: str | None = None  # UserInitiated, EssentialContainerExited, ServiceSchedulerInitiated …
    reason: str | None = None
    zone: str | None = None  # the task's Availability Zone, where the source knows it


class ScalingActivity(Record):
    """One Application Auto Scaling activity on a service's desired count (logical service name)."""

    t: float  # when the activity started
    service: str
    status: str  # Pending, InProgress, Successful, Overridden, Unfulfilled, Failed
    description: str
    cause: str
    ended_at: float | None = None
    not_scaled: list[str] = []  # NotScaledReasons codes, e.g. AlreadyAtMaxCapacity


class AlarmChange(Record):
    """A CloudWatch alarm changing state (DescribeAlarmHistory's StateUpdate items)."""

    t: float
    alarm: str  # its name
    old_state: str  # OK, ALARM, INSUFFICIENT_DATA
    new_state: str
    reason: str


class FaultRecord(Record):
    """What a fault did: when it acted, on what, and whether the harm really happened."""

    id: str
    kind: str
    target: str  # logical name, e.g. "service:orders"
    planned_at: float
    injected_at: float | None
    window_end: float
    reverted_at: float | None
    landed: bool
    detail: str  # one line: what was done, or why it did not land
    affected: list[str] = []  # real resource ids (task ids, rule ids …)


class Gap(Record):
    """Evidence that should be there and is not; scores depending on it become INCONCLUSIVE."""

    source: str  # "traces", "metrics", "events", "requests"
    reason: str


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"
    INVALID = "INVALID"
    ABORTED = "ABORTED"


class Score(Record):
    """One graded measurement: value against threshold over a window, and why."""

    name: str  # e.g. "availability"
    subject: str  # e.g. "phase:fault" or "service:orders"
    value: float | None
    threshold: float | None
    comparator: Literal[">=", "<="]
    unit: str  # "ratio", "ms", "s"
    verdict: Verdict
    window_start: float
    window_end: float
    why: str
