"""kill-tasks on localcloud, against a fake control API whose tasks are real processes.

The fake answers ``state()`` and ``stop_task()`` the way localcloud's control API does; each of
its tasks is a real ``sleep`` process so the effect check's "process gone" test is real too.
End-to-end against a real localcloud lives with the integration tests.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator

import pytest
from localcloud_apps.stacks import service_with, state_with

from faults.base import FaultNotLanded
from faults.kill_tasks.core import KillTasksInjector, stop_reason
from faults.kill_tasks.local import LocalcloudTasks
from faults.kill_tasks.spec import KillTasks
from gameday.localcloud.api import PlatformState, StopCode, TaskState, TaskStatus, TaskStopped
from gameday.localcloud.client import LocalcloudError
from gameday.processes import pid_alive, terminate

SERVICE = "orders"
ZONES = ("us-east-1a", "us-east-1b")  # the fake's tasks alternate between them


class FakeLocalcloud:
    """``kills=False`` models a stop that is acknowledged but never takes effect."""

    def __init__(self, tasks: int, *, kills: bool = True, marks_stopped: bool = True) -> None:
        self.kills = kills
        self.marks_stopped = marks_stopped
        self.processes = {
            f"{SERVICE}-{n:06x}": subprocess.Popen(["sleep", "60"], start_new_session=True)
            for n in range(tasks)
        }
        self.status = dict.fromkeys(self.processes, TaskStatus.RUNNING)
        self.stops: list[tuple[str, str, str]] = []

    def state(self) -> PlatformState:
        tasks = [
            TaskState(
                id=task,
                pid=p.pid,
                port=0,
                status=self.status[task],
                healthy=True,
                started_at=0.0,
                stress=None,
                zone=ZONES[number % len(ZONES)],
            )
            for number, (task, p) in enumerate(self.processes.items())
        ]
        return state_with({SERVICE: service_with(tasks), "catalog": service_with([])})

    def stop_task(self, service: str, task_id: str, reason: str) -> TaskStopped:
        if service != SERVICE or self.status.get(task_id) != "RUNNING":
            raise LocalcloudError(
                f"localcloud: POST /services/{service}/tasks/{task_id}/stop: "
                f"service '{service}' has no running task '{task_id}'",
                404,
            )
        self.stops.append((service, task_id, reason))
        if self.marks_stopped:
            self.status[task_id] = TaskStatus.STOPPED
        if self.kills:
            terminate(self.processes[task_id], grace_s=2.0)
        return TaskStopped(task_id=task_id, stop_code=StopCode.USER)

    def close(self) -> None:
        for process in self.processes.values():
            terminate(process, grace_s=2.0)


@pytest.fixture
def fakes() -> Iterator[list[FakeLocalcloud]]:
    """Every fake made in a test; their processes are stopped by pid at the end."""
    made: list[FakeLocalcloud] = []
    yield made
    for fake in made:
        fake.close()


def _localcloud(fakes: list[FakeLocalcloud], tasks: int, **behaviour: bool) -> FakeLocalcloud:
    fake = FakeLocalcloud(tasks, **behaviour)
    fakes.append(fake)
    return fake


def _fault(service: str = SERVICE, **selection: float) -> KillTasks:
    return KillTasks.model_validate(
        {"kind": "kill-tasks", "at": 10, "for": 20, "target": {"service": service}, **selection}
    )


def _injector(fault: KillTasks, client: FakeLocalcloud, effect_timeout_s: float = 5.0) -> KillTasksInjector:
    return KillTasksInjector(
        fault,
        LocalcloudTasks(client, fault.target.service, fault.target.zone),
        fault_id="f1-kill-tasks",
        run_id="run-1",
        rng=random.Random(3),
        effect_timeout_s=effect_timeout_s,
    )


def test_stops_half_of_the_tasks_and_sees_their_processes_gone(fakes: list[FakeLocalcloud]) -> None:
    localcloud = _localcloud(fakes, 4)

    outcome = _injector(_fault(percent=50), localcloud).inject()

    assert outcome.landed, outcome.detail
    assert len(outcome.affected) == 2
    assert [(s, t) for s, t, _ in localcloud.stops] == [(SERVICE, t) for t in outcome.affected]
    assert {reason for *_, reason in localcloud.stops} == {stop_reason("run-1", "f1-kill-tasks")}
    assert all(not pid_alive(localcloud.processes[t].pid) for t in outcome.affected)
    survivors = set(localcloud.processes) - set(outcome.affected)
    assert all(pid_alive(localcloud.processes[t].pid) for t in survivors)
    assert outcome.detail.startswith("stopped 2 of 4 running task(s) of localcloud service orders: ")


def test_the_same_seed_picks_the_same_tasks(fakes: list[FakeLocalcloud]) -> None:
    first = _injector(_fault(count=2), _localcloud(fakes, 5)).inject()
    again = _injector(_fault(count=2), _localcloud(fakes, 5)).inject()

    assert first.affected == again.affected


def test_only_running_tasks_are_candidates(fakes: list[FakeLocalcloud]) -> None:
    localcloud = _localcloud(fakes, 3)
    already = next(iter(localcloud.processes))
    localcloud.stop_task(SERVICE, already, "before the run")

    outcome = _injector(_fault(count=3), localcloud).inject()

    assert outcome.landed, outcome.detail
    assert sorted(outcome.affected) == sorted(set(localcloud.processes) - {already})


def test_no_running_tasks_does_not_land(fakes: list[FakeLocalcloud]) -> None:
    outcome = _injector(_fault(count=1), _localcloud(fakes, 0)).inject()

    assert not outcome.landed
    assert outcome.detail == "nothing to stop: localcloud service orders has no running tasks"


def test_percent_rounding_to_zero_does_not_land(fakes: list[FakeLocalcloud]) -> None:
    localcloud = _localcloud(fakes, 4)

    outcome = _injector(_fault(percent=20), localcloud).inject()

    assert not outcome.landed
    assert (
        outcome.detail
        == "nothing to stop: 20% of 4 running task(s) of localcloud service orders rounds down to 0"
    )
    assert localcloud.stops == []


def test_an_unknown_service_does_not_land(fakes: list[FakeLocalcloud]) -> None:
    outcome = _injector(_fault(service="payments", count=1), _localcloud(fakes, 1)).inject()

    assert not outcome.landed
    assert outcome.detail == "localcloud runs no service named 'payments' (it runs: catalog, orders)"


def test_a_process_that_survives_the_stop_means_it_did_not_land(fakes: list[FakeLocalcloud]) -> None:
    localcloud = _localcloud(fakes, 2, kills=False)

    outcome = _injector(_fault(count=1), localcloud, effect_timeout_s=0.3).inject()

    assert not outcome.landed
    (task,) = outcome.affected
    assert outcome.detail.startswith(
        "1 of 1 task(s) asked to stop not shown as stopped by localcloud service orders after 0.3s: "
    )
    assert pid_alive(localcloud.processes[task].pid)


def test_a_task_still_listed_as_running_means_it_did_not_land(fakes: list[FakeLocalcloud]) -> None:
    localcloud = _localcloud(fakes, 1, marks_stopped=False)

    outcome = _injector(_fault(count=1), localcloud, effect_timeout_s=0.3).inject()

    assert not outcome.landed
    assert "not shown as stopped" in outcome.detail


def test_a_refused_stop_does_not_land(fakes: list[FakeLocalcloud]) -> None:
    platform = LocalcloudTasks(_localcloud(fakes, 2), SERVICE)

    with pytest.raises(FaultNotLanded, match="has no running task 'orders-ffffff'"):
        platform.stop("orders-ffffff", "reason")


class VanishingLocalcloud(FakeLocalcloud):
    """Goes away after the first stop, as when the supervisor dies mid-fault."""

    def stop_task(self, service: str, task_id: str, reason: str) -> TaskStopped:
        if self.stops:
            raise LocalcloudError("localcloud is not reachable at http://127.0.0.1:4580 (Connection refused)")
        return super().stop_task(service, task_id, reason)


def test_a_stop_failing_halfway_reports_what_was_stopped(fakes: list[FakeLocalcloud]) -> None:
    localcloud = VanishingLocalcloud(3)
    fakes.append(localcloud)

    outcome = _injector(_fault(count=2), localcloud).inject()

    assert not outcome.landed
    assert outcome.affected == [localcloud.stops[0][1]]
    assert outcome.detail == (
        "localcloud is not reachable at http://127.0.0.1:4580 (Connection refused); "
        "stop already requested for 1 task(s)"
    )


def test_a_zone_stops_only_the_tasks_placed_in_it(fakes: list[FakeLocalcloud]) -> None:
    localcloud = _localcloud(fakes, 4)
    fault = KillTasks.model_validate(
        {
            "kind": "kill-tasks",
            "at": 10,
            "for": 20,
            "target": {"service": SERVICE, "zone": "us-east-1b"},
            "percent": 100,
        }
    )

    outcome = _injector(fault, localcloud).inject()

    in_b = [task.id for task in localcloud.state().services[SERVICE].tasks if task.zone == "us-east-1b"]
    assert outcome.landed, outcome.detail
    assert sorted(outcome.affected) == sorted(in_b) and len(in_b) == 2
    assert outcome.detail.startswith(
        "stopped 2 of 2 running task(s) of localcloud service orders in us-east-1b"
    )
