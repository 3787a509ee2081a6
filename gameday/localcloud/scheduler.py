"""The service scheduler: keeps the desired number of healthy tasks running, like an ECS service.

Each task is watched by one coroutine that waits for its process to exit while health checks run
beside it. Whatever ends a task (its own crash, a failed health check, a user's stop call), the
exit is recorded in one place and a replacement is launched ``start_delay`` later.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any

from gameday.localcloud.api import ServiceScaling, ServiceState
from gameday.localcloud.environment import task_environment
from gameday.localcloud.events import EventLog
from gameday.localcloud.health import HealthProbe
from gameday.localcloud.ports import free_port
from gameday.localcloud.stack import Service
from gameday.localcloud.tasks import StopCode, Task, TaskStatus, new_task_id, spawn_task, terminate
from gameday.localcloud.zones import Zones

PENDING_POLL_S = 0.2  # a new task is probed this often until it first passes, so start-up is quick
STOPPED_TASKS_SHOWN = 10


class ServiceScheduler:
    """Runs the tasks of one service; ``start_failure`` explains why tasks do not come up, if they don't."""

    def __init__(
        self, name: str, service: Service, probe: HealthProbe, events: EventLog, zones: Zones
    ) -> None:
        self.name = name
        self.service = service
        self.zones = service.zones or zones.names  # where its tasks may be placed; ties go to the first
        self.desired = service.replicas
        self.tasks: list[Task] = []  # every task not yet STOPPED
        self.start_failure: str | None = None
        self._recently_stopped: deque[Task] = deque(maxlen=STOPPED_TASKS_SHOWN)
        self._shared_env: dict[str, str] = {}
        self._probe = probe
        self._events = events
        self._zones = zones
        self._placing: list[str] = []  # the zones of tasks being launched, not yet in ``tasks``
        self._closing = False
        self._timers: list[asyncio.TimerHandle] = []
        self._launches: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[None]] = set()

    # --- views ---------------------------------------------------------------------------------

    @property
    def running(self) -> int:
        return sum(task.status is TaskStatus.RUNNING for task in self.tasks)

    @property
    def ready(self) -> bool:
        healthy = self.healthy_tasks()
        return self.running == self.desired and len(healthy) == self.desired

    def healthy_tasks(self) -> list[Task]:
        """The tasks traffic may go to."""
        return [task for task in self.tasks if task.healthy and not task.stopping]

    def find(self, task_id: str) -> Task | None:
        return next((task for task in self.tasks if task.id == task_id), None)

    def snapshot(self, scaling: ServiceScaling | None) -> ServiceState:
        """The service as GET /state shows it; ``scaling`` is the autoscaler's word on it."""
        return ServiceState(
            desired=self.desired,
            running=self.running,
            healthy=len(self.healthy_tasks()),
            start_delay_s=self.service.start_delay,
            tasks=[task.snapshot() for task in [*self.tasks, *self._recently_stopped]],
            scaling=scaling,
        )

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, shared_env: dict[str, str]) -> None:
        """Launch the desired tasks; ``shared_env`` is the wiring every task of the service gets."""
        self._shared_env = shared_env
        for _ in range(self.desired):
            await self._launch()

    async def stop_task(self, task_id: str, reason: str) -> Task | None:
        """Stop a task for a user (UserInitiated); returns once its process is gone, None if unknown."""
        task = self.find(task_id)
        if task is None or task.stopping:
            return None
        self._request_stop(task, StopCode.USER, reason)
        await task.exited.wait()
        return task

    async def set_desired(self, count: int) -> int:
        """Change the desired count like UpdateService; returns the previous count.

        More tasks are launched at once; surplus tasks (the newest first, as ECS prefers to keep
        long-running ones) are stopped by the scheduler and not replaced.
        """
        previous, self.desired = self.desired, count
        active = [task for task in self.tasks if not task.stopping]
        for task in sorted(active, key=lambda task: task.started_monotonic)[count:]:
            self._request_stop(task, StopCode.SCHEDULER, f"Service desired count changed to {count}")
        for _ in range(count - len(active) - len(self._launches)):
            self._replace_one()
        return previous

    async def close(self) -> None:
        """Stop every task and launch no more."""
        self._closing = True
        for timer in self._timers:
            timer.cancel()
        await asyncio.gather(*self._launches)
        for task in self.tasks:
            self._request_stop(task, StopCode.SCHEDULER, "localcloud is shutting down")
        await asyncio.gather(*(task.exited.wait() for task in list(self.tasks)))

    # --- launching -----------------------------------------------------------------------------

    async def _launch(self) -> None:
        task_id, port = new_task_id(self.name), free_port()
        env = task_environment(self._shared_env, self.service, name=self.name, task_id=task_id, port=port)
        live = [task.zone for task in self.tasks if not task.stopping]
        zone = self._zones.place(self.zones, [*live, *self._placing])
        self._placing.append(zone)  # launches run side by side: the next one counts this task too
        try:
            task = await spawn_task(self.name, self.service.argv, env, task_id, port, zone)
        except OSError as error:
            self.start_failure = f"cannot run '{self.service.command[0]}': {error.strerror or error}"
            self._replace_later()
            return
        finally:
            self._placing.remove(zone)
        self.tasks.append(task)
        self._events.record(self.name, task.id, "started", task.zone)
        self._in_background(self._supervise(task))

    def _replace_later(self) -> None:
        loop = asyncio.get_running_loop()
        self._timers = [timer for timer in self._timers if timer.when() > loop.time()]
        self._timers.append(loop.call_later(self.service.start_delay, self._replace_one))

    def _replace_one(self) -> None:
        if self._closing or len(self.tasks) + len(self._launches) >= self.desired:
            return
        launch = asyncio.get_running_loop().create_task(self._launch())
        self._launches.add(launch)
        launch.add_done_callback(self._launches.discard)

    # --- watching ------------------------------------------------------------------------------

    async def _supervise(self, task: Task) -> None:
        health = asyncio.get_running_loop().create_task(self._watch_health(task))
        exit_code = await task.process.wait()
        health.cancel()
        await task.output_flushed()
        self._record_exit(task, exit_code)
        task.exited.set()
        if not self._closing:
            self._replace_later()

    async def _watch_health(self, task: Task) -> None:
        check = self.service.health_check
        deadline = task.started_monotonic + self.service.start_timeout
        while not await self._passes(task):
            if task.stopping:
                return
            if time.monotonic() >= deadline:
                timeout = self.service.start_timeout
                reason = f"Task did not pass its health check ({check.path}) within {timeout:g}s"
                self._request_stop(task, StopCode.SCHEDULER, reason)
                return
            await asyncio.sleep(min(check.interval, PENDING_POLL_S))
        if task.stopping:
            return
        task.status, task.healthy, self.start_failure = TaskStatus.RUNNING, True, None
        self._events.record(self.name, task.id, "healthy", task.zone)
        failures = 0
        while failures < check.unhealthy_threshold:
            await asyncio.sleep(check.interval)
            if task.stopping:
                return
            failures = 0 if await self._passes(task) else failures + 1
        task.healthy = False
        self._events.record(
            self.name, task.id, "unhealthy", task.zone, reason=f"{failures} health checks failed in a row"
        )
        self._request_stop(task, StopCode.SCHEDULER, "Task failed ELB health checks")

    async def _passes(self, task: Task) -> bool:
        """One health check; it crosses the task's zone, so a fault on the zone harms it too."""
        return await self._probe.passes(task.port, self.service.health_check, self._zones[task.zone].fault)

    def _request_stop(self, task: Task, code: StopCode, reason: str) -> None:
        if task.stopping:
            return
        task.stop_code, task.stop_reason, task.healthy = code, reason, False
        self._in_background(terminate(task))

    def _record_exit(self, task: Task, exit_code: int) -> None:
        never_healthy = task.status is TaskStatus.PENDING
        task.exit_code, task.status, task.healthy = exit_code, TaskStatus.STOPPED, False
        self.tasks.remove(task)
        self._recently_stopped.append(task)
        how = f"was killed by signal {-exit_code}" if exit_code < 0 else f"exited with code {exit_code}"
        code = task.stop_code or StopCode.EXITED
        reason = task.stop_reason or f"Essential container in task {how}"
        self._events.record(self.name, task.id, "stopped", task.zone, code.value, reason)
        if never_healthy and code is not StopCode.USER and not self._closing:
            why = (
                reason if code is StopCode.SCHEDULER else f"its task {how} before it passed its health check"
            )
            last = f" (last output: {task.last_output[-1]})" if task.last_output else ""
            self.start_failure = f"{why}{last}"

    def _in_background(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine the scheduler does not await, keeping a reference so it is not collected."""
        background = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(background)
        background.add_done_callback(self._background.discard)
