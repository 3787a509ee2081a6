"""stress-cpu on localcloud: a CPU burner beside each selected task, through the control API.

The tasks are chosen once, when the revert plan is made (every running task, or a count or a
percent of them rounded down, as FIS selects), so the plan names exactly the tasks that will burn.
The harm is observed on this machine: each burner is alive and has used CPU. localcloud counts a
burner's CPU in its task's ``CPUUtilization``, so the run's metrics show the load too. Undoing it
stops the burners of the recorded tasks; a task that stopped meanwhile took its burner with it.
"""

from __future__ import annotations

import random
from typing import Any, Protocol, runtime_checkable

import psutil
from botocore.client import BaseClient

from faults.api_change import ApiChangeInjector
from faults.base import FaultNotLanded
from faults.cpu.spec import StressCpu
from faults.selection import Selection
from gameday.localcloud.api import PlatformState, TaskState
from gameday.localcloud.client import LocalcloudClient, LocalcloudError
from gameday.processes import wait_until

REVERT_ACTION = "localcloud-stop-cpu-stress"
POLL_INTERVAL_S = 0.2
STOP_TIMEOUT_S = 10.0


@runtime_checkable
class StressControlApi(Protocol):
    """The part of ``localcloud.client.LocalcloudClient`` this provider uses."""

    def state(self) -> PlatformState: ...

    def start_stress(
        self, service: str, load_percent: int, tasks: list[str] | None = None
    ) -> dict[str, int]: ...

    def stop_stress(self, service: str, tasks: list[str] | None = None) -> list[str]: ...


class LocalCpuStress:
    """One stress-cpu fault on localcloud, as :class:`faults.api_change.ApiChange` wants it."""

    def __init__(
        self, client: StressControlApi, control_url: str, fault: StressCpu, rng: random.Random | None = None
    ) -> None:
        self._client = client
        self._control_url = control_url
        self._fault = fault
        self._service = fault.target.service
        self._selection = (
            Selection(count=fault.count, percent=fault.percent)
            if fault.count is not None or fault.percent is not None
            else None
        )
        self._rng = rng or random.Random()
        self._chosen: list[str] = []
        self._burners: dict[str, int] = {}

    def describe(self) -> str:
        return (
            f"burn {self._fault.load_percent}% CPU in {self._share()} of the running tasks of "
            f"{self._fault.target.where}"
        )

    def _share(self) -> str:
        return self._selection.label() if self._selection is not None else "all"

    def prepare(self) -> dict[str, Any]:
        tasks = _tasks(self._client, self._service)
        zone = self._fault.target.zone
        running = [task.id for task in tasks if task.status == "RUNNING" and zone in (None, task.zone)]
        self._chosen = (
            sorted(running) if self._selection is None else sorted(self._selection.pick(running, self._rng))
        )
        if not self._chosen:
            why = (
                f"{self._share()} of {len(running)} running task(s) is none"
                if running
                else "has no running tasks"
            )
            raise FaultNotLanded(f"nothing to stress: {self._fault.target.where} {why}")
        stressed = [task.id for task in tasks if task.id in self._chosen and task.stress is not None]
        if stressed:
            raise FaultNotLanded(f"task(s) already under CPU stress: {', '.join(stressed)}")
        return {
            "action": REVERT_ACTION,
            "control_url": self._control_url,
            "service": self._service,
            "tasks": list(self._chosen),
        }

    def apply(self) -> tuple[str, list[str]]:
        try:
            self._burners = self._client.start_stress(self._service, self._fault.load_percent, self._chosen)
        except LocalcloudError as error:
            raise FaultNotLanded(str(error)) from error
        return (
            f"{self._fault.load_percent}% CPU burning in {len(self._chosen)} task(s) of {self._service}: "
            + ", ".join(self._chosen),
            list(self._chosen),
        )

    def not_observed(self) -> str | None:
        idle = [task for task, pid in self._burners.items() if not _burning(pid)]
        return f"no CPU burnt yet by the burner of {', '.join(idle)}" if idle else None


def undo_cpu_stress(plan: dict[str, Any], _context: object = None) -> str:
    """Stop the burners of the recorded tasks and confirm localcloud shows none of them stressed."""
    control_url, service, tasks = str(plan["control_url"]), str(plan["service"]), list(plan["tasks"])
    client = LocalcloudClient(control_url)
    if not client.reachable():
        return f"nothing to undo: no localcloud answers at {control_url}, and its tasks ended with it"
    stopped = client.stop_stress(service, tasks)

    def calm() -> bool:
        return not any(task.stress is not None for task in _tasks(client, service) if task.id in tasks)

    if not wait_until(calm, STOP_TIMEOUT_S, interval_s=POLL_INTERVAL_S):
        raise LocalcloudError(f"service {service} still shows CPU stress after {STOP_TIMEOUT_S:g}s")
    return f"CPU stress stopped in {len(stopped)} task(s) of {service}" + (
        f": {', '.join(stopped)}" if stopped else " (none was still burning)"
    )


def stress_cpu_local(
    fault: StressCpu, client: StressControlApi, control_url: str, *, fault_id: str, rng: random.Random | None
) -> ApiChangeInjector:
    injector = ApiChangeInjector(
        LocalCpuStress(client, control_url, fault, rng), undo_cpu_stress, _no_aws, fault_id=fault_id
    )
    injector.poll_interval_s = POLL_INTERVAL_S
    return injector


def _burning(pid: int) -> bool:
    """The burner runs and has used CPU (psutil checks the pid is the process it names)."""
    try:
        usage = psutil.Process(pid)
        times = usage.cpu_times()
        return usage.status() != psutil.STATUS_ZOMBIE and times.user + times.system > 0
    except psutil.Error:
        return False


def _tasks(client: StressControlApi, service: str) -> list[TaskState]:
    try:
        services = client.state().services
    except LocalcloudError as error:
        raise FaultNotLanded(str(error)) from error
    if service not in services:
        known = ", ".join(sorted(services)) or "none"
        raise FaultNotLanded(f"localcloud runs no service named '{service}' (it runs: {known})")
    return services[service].tasks


def _no_aws(service_name: str) -> BaseClient:
    """The change runs through localcloud's control API: its undo builds no AWS client."""
    raise AssertionError(f"a localcloud CPU stress asked for an AWS {service_name} client")
