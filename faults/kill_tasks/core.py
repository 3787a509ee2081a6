"""The kill-tasks flow, the same on every backend: list running tasks, pick, stop, confirm.

Confirmation is the point: a stop call that returned 200 is not evidence. The injector polls the
platform until every stopped task is *observed* stopped, within a bounded wait, and only then
reports the fault as landed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Protocol

from faults.base import FaultNotLanded, InjectOutcome
from faults.kill_tasks.spec import KillTasks
from faults.selection import Selection
from gameday.processes import wait_until

MAX_REASON_CHARS = 255  # ECS StopTask reason limit; localcloud records the same text
DEFAULT_EFFECT_TIMEOUT_S = 30.0


class TaskPlatform(Protocol):
    """What kill-tasks needs from a backend. Methods raise :class:`FaultNotLanded` on refusal."""

    @property
    def where(self) -> str:
        """The service as named on the platform, for details and the ledger."""
        ...

    @property
    def poll_interval_s(self) -> float: ...

    def running(self) -> list[str]:
        """Ids of the service's tasks that are running now."""
        ...

    def stop(self, task: str, reason: str) -> None: ...

    def not_yet_stopped(self, tasks: Sequence[str]) -> list[str]:
        """The effect check: which of ``tasks`` the platform does not yet show as stopped."""
        ...


def stop_reason(run_id: str, fault_id: str) -> str:
    """The reason recorded with each stop, so a task's history names the run that killed it."""
    return f"gameday run {run_id}: kill-tasks {fault_id}"[:MAX_REASON_CHARS]


class KillTasksInjector:
    """One kill-tasks fault entry on one platform. There is nothing to revert: the scheduler replaces."""

    def __init__(
        self,
        fault: KillTasks,
        platform: TaskPlatform,
        *,
        fault_id: str,
        run_id: str,
        rng: random.Random | None = None,
        effect_timeout_s: float = DEFAULT_EFFECT_TIMEOUT_S,
    ) -> None:
        self.fault_id = fault_id
        self._service = fault.target.service
        self._where = fault.target.where
        self._selection = Selection(count=fault.count, percent=fault.percent)
        self._platform = platform
        self._reason = stop_reason(run_id, fault_id)
        self._rng = rng or random.Random()
        self._effect_timeout_s = effect_timeout_s

    def describe(self) -> str:
        return f"stop {self._selection.label()} of the running tasks of {self._where}"

    def revert_plan(self) -> dict[str, Any]:
        return {
            "action": "none",
            "why": "stopped tasks are replaced by the service scheduler; there is nothing to undo",
            "service": self._service,
            "platform": self._platform.where,
        }

    def revert(self) -> None:
        """Nothing to undo; the ledger still records the revert so rollback sees the fault closed."""

    def inject(self) -> InjectOutcome:
        stopped: list[str] = []
        try:
            return self._stop_and_confirm(stopped)
        except FaultNotLanded as problem:
            done = f"; stop already requested for {len(stopped)} task(s)" if stopped else ""
            return InjectOutcome(landed=False, detail=f"{problem.reason}{done}", affected=stopped)

    def _stop_and_confirm(self, stopped: list[str]) -> InjectOutcome:
        running = self._platform.running()
        chosen = self._selection.pick(running, self._rng)
        if not chosen:
            return InjectOutcome(landed=False, detail=self._why_nothing_chosen(len(running)))
        for task in chosen:
            self._platform.stop(task, self._reason)
            stopped.append(task)
        pending = list(stopped)

        def all_stopped() -> bool:
            pending[:] = self._platform.not_yet_stopped(stopped)
            return not pending

        if not wait_until(all_stopped, self._effect_timeout_s, interval_s=self._platform.poll_interval_s):
            return InjectOutcome(
                landed=False,
                detail=f"{len(pending)} of {len(stopped)} task(s) asked to stop not shown as stopped by "
                f"{self._platform.where} after {self._effect_timeout_s:g}s: {', '.join(pending)}",
                affected=stopped,
            )
        return InjectOutcome(
            landed=True,
            detail=f"stopped {len(stopped)} of {len(running)} running task(s) of {self._platform.where}: "
            + ", ".join(stopped),
            affected=stopped,
        )

    def _why_nothing_chosen(self, running: int) -> str:
        if running == 0:
            return f"nothing to stop: {self._platform.where} has no running tasks"
        return (
            f"nothing to stop: {self._selection.label()} of {running} running task(s) of "
            f"{self._platform.where} rounds down to 0"
        )
