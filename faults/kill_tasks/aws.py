"""kill-tasks on ECS: ``ListTasks`` by service, ``StopTask`` with a reason, ``DescribeTasks`` to confirm.

This is what FIS ``aws:ecs:stop-task`` does, done with direct API calls so the selection, the
stop reason and the confirmation are the harness's own and visible in the ledger. Each operation
is retried as a whole on throttling; any other API error means the fault did not land.
"""

from __future__ import annotations

from collections.abc import Sequence

from botocore.client import BaseClient

from faults.aws_calls import aws_call
from gameday.aws_session import throttle_retry

DESCRIBE_BATCH = 100  # DescribeTasks accepts at most 100 tasks per call


class EcsTasks:
    """One ECS service's tasks, as :class:`faults.kill_tasks.core.TaskPlatform` wants them."""

    poll_interval_s = 2.0

    def __init__(self, ecs: BaseClient, cluster: str, service: str, zone: str | None = None) -> None:
        self._ecs = ecs
        self._cluster = cluster
        self._service = service
        self._zone = zone  # only the tasks DescribeTasks places in this Availability Zone

    @property
    def where(self) -> str:
        zone = f" in {self._zone}" if self._zone else ""
        return f"ECS service {self._service} in cluster {self._cluster}{zone}"

    def running(self) -> list[str]:
        with aws_call("ecs:ListTasks"):
            running = self._list_running()
        if self._zone is None:
            return running
        with aws_call("ecs:DescribeTasks"):  # ListTasks cannot filter on the zone
            return [
                str(described["taskArn"])
                for described in self._describe_all(running)
                if described.get("availabilityZone") == self._zone
            ]

    def stop(self, task: str, reason: str) -> None:
        with aws_call("ecs:StopTask"):
            self._stop(task, reason)

    def not_yet_stopped(self, tasks: Sequence[str]) -> list[str]:
        """Tasks DescribeTasks does not show with lastStatus or desiredStatus STOPPED."""
        with aws_call("ecs:DescribeTasks"):
            stopped = {
                described["taskArn"]
                for described in self._describe_all(tasks)
                if "STOPPED" in (described.get("lastStatus"), described.get("desiredStatus"))
            }
        return [task for task in tasks if task not in stopped]

    @throttle_retry
    def _list_running(self) -> list[str]:
        pages = self._ecs.get_paginator("list_tasks").paginate(
            cluster=self._cluster, serviceName=self._service, desiredStatus="RUNNING"
        )
        return [arn for page in pages for arn in page["taskArns"]]

    @throttle_retry
    def _stop(self, task: str, reason: str) -> None:
        self._ecs.stop_task(cluster=self._cluster, task=task, reason=reason)

    def _describe_all(self, tasks: Sequence[str]) -> list[dict[str, object]]:
        return [
            described
            for start in range(0, len(tasks), DESCRIBE_BATCH)
            for described in self._describe(tasks[start : start + DESCRIBE_BATCH])
        ]

    @throttle_retry
    def _describe(self, tasks: Sequence[str]) -> list[dict[str, object]]:
        response = self._ecs.describe_tasks(cluster=self._cluster, tasks=list(tasks))
        return list(response["tasks"])
