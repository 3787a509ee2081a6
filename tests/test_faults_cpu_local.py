"""stress-cpu on a real localcloud (echo tasks): burners really burn in the chosen tasks, the
selection rounds down as FIS does, and the revert — the run's own and the ledger's — stops them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from localcloud_apps.stacks import echo_service, local_target, write_stack
from pydantic import TypeAdapter

from faults.base import Injector
from faults.catalogue import FaultSpec
from faults.kind import RevertContext
from faults.registry import build_injector
from faults.revert import execute_revert_plan
from gameday.localcloud.api import TaskState
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import pid_alive, wait_until
from gameday.targets import LocalTarget

SERVICE = "api"
CONTEXT = RevertContext(run_id="run-1", fault_id="f1", target_name="local")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningLocalcloud, LocalTarget]]:
    directory = tmp_path_factory.mktemp("cpu-faults")
    stack = write_stack(directory, {SERVICE: echo_service(3)}, entry=SERVICE)
    with local_target(stack) as running:
        yield running


@pytest.fixture
def calm(cloud: tuple[RunningLocalcloud, LocalTarget]) -> Iterator[tuple[RunningLocalcloud, LocalTarget]]:
    """Each test must leave no task under stress."""
    yield cloud
    assert not any(task.stress for task in _tasks(cloud[0]))


def _tasks(running: RunningLocalcloud) -> list[TaskState]:
    return [task for task in running.client.state().services[SERVICE].tasks if task.status == "RUNNING"]


def _injector(target: LocalTarget, **fault: Any) -> Injector:
    entry = {"kind": "stress-cpu", "at": "1s", "for": "5s", "target": {"service": SERVICE}, **fault}
    spec: FaultSpec = TypeAdapter(FaultSpec).validate_python(entry)
    return build_injector(spec, target, fault_id="f1", run_id="run-1", rng=random.Random(7))


def test_every_running_task_burns_until_reverted(calm: tuple[RunningLocalcloud, LocalTarget]) -> None:
    running, target = calm
    injector = _injector(target, load_percent=50)
    ids = sorted(task.id for task in _tasks(running))

    plan = injector.revert_plan()
    outcome = injector.inject()

    assert plan == {
        "action": "localcloud-stop-cpu-stress",
        "control_url": target.control_url,
        "service": SERVICE,
        "tasks": ids,
    }
    assert outcome.landed, outcome.detail
    assert outcome.affected == ids
    burners = [task.stress.pid for task in _tasks(running) if task.stress is not None]
    assert len(burners) == 3 and all(pid_alive(pid) for pid in burners)
    injector.revert()
    injector.revert()  # idempotent
    assert wait_until(lambda: not any(pid_alive(pid) for pid in burners), 5)


Cloud = tuple[RunningLocalcloud, LocalTarget]


def test_a_count_picks_that_many_and_the_ledger_plan_stops_them(calm: Cloud) -> None:
    running, target = calm
    injector = _injector(target, count=2)
    plan = injector.revert_plan()

    outcome = injector.inject()

    assert outcome.landed, outcome.detail
    stressed = sorted(task.id for task in _tasks(running) if task.stress)
    assert stressed == sorted(plan["tasks"]) == sorted(outcome.affected)
    assert len(stressed) == 2
    stopped = execute_revert_plan(plan, CONTEXT)
    assert stopped == f"CPU stress stopped in 2 task(s) of {SERVICE}: " + ", ".join(stressed)
    assert execute_revert_plan(plan, CONTEXT).endswith("(none was still burning)")


def test_a_percent_that_rounds_down_to_no_task_does_not_land(calm: Cloud) -> None:
    _running, target = calm
    injector = _injector(target, percent=30)  # 30 % of 3 tasks is 0.9: none
    assert injector.revert_plan()["action"] == "none"
    outcome = injector.inject()
    assert not outcome.landed
    assert outcome.detail == f"nothing to stress: service {SERVICE} 30% of 3 running task(s) is none"


def test_tasks_already_under_stress_are_not_touched(calm: tuple[RunningLocalcloud, LocalTarget]) -> None:
    running, target = calm
    first = sorted(task.id for task in _tasks(running))[0]
    running.client.start_stress(SERVICE, 10, [first])
    try:
        outcome = _injector(target).inject()
        assert not outcome.landed
        assert outcome.detail == f"task(s) already under CPU stress: {first}"
    finally:
        running.client.stop_stress(SERVICE)


def test_an_unreachable_localcloud_does_not_land(tmp_path: Path) -> None:
    target = LocalTarget(kind="localcloud", stack=tmp_path / "unused.yaml", control_url="http://127.0.0.1:9")
    outcome = _injector(target).inject()
    assert not outcome.landed
    assert "not reachable" in outcome.detail
    plan: dict[str, Any] = {"action": "localcloud-stop-cpu-stress", "control_url": target.control_url}
    plan.update(service=SERVICE, tasks=[])
    assert execute_revert_plan(plan, CONTEXT).startswith("nothing to undo: no localcloud answers")


def test_an_unknown_service_does_not_land(calm: tuple[RunningLocalcloud, LocalTarget]) -> None:
    _running, target = calm
    entry = {"kind": "stress-cpu", "at": "1s", "for": "5s", "target": {"service": "nope"}}
    spec: FaultSpec = TypeAdapter(FaultSpec).validate_python(entry)
    outcome = build_injector(spec, target, fault_id="f1", run_id="run-1").inject()
    assert not outcome.landed
    assert outcome.detail == f"localcloud runs no service named 'nope' (it runs: {SERVICE})"
