"""ECS service events and stopped tasks of the run window, as :class:`TaskEvent` records.

Service events are scheduler sentences (``(service x) has started 1 tasks: (task id).``); only the
ones that name a task become records. Stopped tasks add what events lack: the stop code and
reason, which tell a killed task from one the scheduler replaced. ECS keeps stopped tasks for
about an hour, so collection must follow the run soon.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from botocore.client import BaseClient

from gameday.aws_session import throttle_retry
from gameday.evidence.records import TaskEvent
from gameday.targets import EcsService

DESCRIBE_TASKS_MAX = 100

Kind = Literal["started", "healthy", "unhealthy", "stopped"]
_EVENT_PATTERNS: list[tuple[re.Pattern[str], Kind]] = [
    (re.compile(r"has started \d+ tasks?: (?P<tasks>.*)"), "started"),
    (re.compile(r"has stopped \d+ running tasks?: (?P<tasks>.*)"), "stopped"),
    (re.compile(r"(?P<tasks>\(task [^)]+\)) failed container health checks"), "unhealthy"),
]
_TASK_ID = re.compile(r"\(task ([^)]+)\)")


@throttle_retry
def service_events(
    client: BaseClient, logical: str, ecs: EcsService, since: float, until: float
) -> list[TaskEvent]:
    """The service's task events created in ``[since, until)``; DescribeServices returns the latest 100."""
    response = client.describe_services(cluster=ecs.cluster, services=[ecs.service])
    events: list[TaskEvent] = []
    for service in response.get("services", []):
        for event in service.get("events", []):
            t = event["createdAt"].timestamp()
            if since <= t < until:
                events.extend(_parse(logical, t, str(event.get("message", ""))))
    return sorted(events, key=lambda e: e.t)


def _parse(logical: str, t: float, message: str) -> Iterator[TaskEvent]:
    for pattern, kind in _EVENT_PATTERNS:
        match = pattern.search(message)
        if match:
            for task_id in _TASK_ID.findall(match.group("tasks")):
                yield TaskEvent(t=t, service=logical, task_id=task_id, kind=kind, reason=message)
            return


@throttle_retry
def stopped_tasks(
    client: BaseClient, logical: str, ecs: EcsService, since: float, until: float
) -> list[TaskEvent]:
    """A ``stopped`` event with stop code and reason for every task of the service stopped in the window."""
    pages = client.get_paginator("list_tasks").paginate(
        cluster=ecs.cluster, serviceName=ecs.service, desiredStatus="STOPPED"
    )
    arns = [arn for page in pages for arn in page.get("taskArns", [])]
    events: list[TaskEvent] = []
    for start in range(0, len(arns), DESCRIBE_TASKS_MAX):
        described = client.describe_tasks(cluster=ecs.cluster, tasks=arns[start : start + DESCRIBE_TASKS_MAX])
        for task in described.get("tasks", []):
            event = _stopped(logical, task, since, until)
            if event is not None:
                events.append(event)
    return sorted(events, key=lambda e: e.t)


def _stopped(logical: str, task: dict[str, Any], since: float, until: float) -> TaskEvent | None:
    stamp = task.get("stoppedAt") or task.get("stoppingAt")
    if not isinstance(stamp, datetime) or not since <= stamp.timestamp() < until:
        return None
    return TaskEvent(
        t=stamp.timestamp(),
        service=logical,
        task_id=str(task["taskArn"]).rsplit("/", 1)[-1],
        kind="stopped",
        stop_code=task.get("stopCode"),
        reason=task.get("stoppedReason"),
    )
