"""kill-tasks on localcloud: the control API's ``GET /state`` and ``POST …/stop``.

Stopping on localcloud is SIGTERM to the task's process group, SIGKILL after a short grace. The
effect check asks for both signs of a dead task: the control API no longer shows it as live, and
its process is gone from this machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from faults.base import FaultNotLanded
from gameday.localcloud.api import PlatformState, TaskState, TaskStopped
from gameday.localcloud.client import LocalcloudError
from gameday.processes import pid_alive


class LocalcloudApi(Protocol):
    """The part of ``localcloud.client.LocalcloudClient`` this provider uses."""

    def state(self) -> PlatformState: ...

    def stop_task(self, service: str, task_id: str, reason: str) -> TaskStopped: ...


class LocalcloudTasks:
    """One localcloud service's tasks, as :class:`faults.kill_tasks.core.TaskPlatform` wants them."""

    poll_interval_s = 0.2

    def __init__(self, client: LocalcloudApi, service: str, zone: str | None = None) -> None:
        self._client = client
        self._service = service
        self._zone = zone  # only the tasks placed in this Availability Zone
        self._pids: dict[str, int] = {}  # task id → pid, remembered from the listing

    @property
    def where(self) -> str:
        return f"localcloud service {self._service}" + (f" in {self._zone}" if self._zone else "")

    def running(self) -> list[str]:
        tasks = self._tasks()
        running = [
            task for task in tasks.values() if task.status == "RUNNING" and self._zone in (None, task.zone)
        ]
        self._pids.update({task.id: task.pid for task in running})
        return [task.id for task in running]

    def stop(self, task: str, reason: str) -> None:
        try:
            self._client.stop_task(self._service, task, reason)
        except LocalcloudError as error:
            raise FaultNotLanded(str(error)) from error

    def not_yet_stopped(self, tasks: Sequence[str]) -> list[str]:
        live = self._tasks()
        return [task for task in tasks if self._is_live(live.get(task), self._pids.get(task))]

    @staticmethod
    def _is_live(listed: TaskState | None, pid: int | None) -> bool:
        """A task is stopped once it is STOPPED or gone from the state *and* its process has exited."""
        if listed is not None and listed.status != "STOPPED":
            return True
        return pid is not None and pid_alive(pid)

    def _tasks(self) -> dict[str, TaskState]:
        try:
            services = self._client.state().services
        except LocalcloudError as error:
            raise FaultNotLanded(str(error)) from error
        if self._service not in services:
            known = ", ".join(sorted(services)) or "none"
            raise FaultNotLanded(f"localcloud runs no service named '{self._service}' (it runs: {known})")
        return {task.id: task for task in services[self._service].tasks}
