"""kill-tasks on ECS, against moto (stop and describe are faithful there) and botocore's Stubber.

moto never schedules service tasks and ignores ``serviceName`` in ListTasks, so each test's
cluster holds only the service's tasks, started with RunTask under the service's group and
deployment id the way the ECS scheduler would start them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from aws_fault_run import use_dummy_credentials
from botocore.client import BaseClient
from botocore.stub import Stubber
from moto import mock_aws
from moto.moto_api import state_manager

from faults.kill_tasks.aws import EcsTasks
from faults.kill_tasks.core import KillTasksInjector, stop_reason
from faults.kill_tasks.spec import KillTasks

REGION = "eu-west-1"
CLUSTER = "shop"
SERVICE = "orders"
RUN_ID = "20250101T000000Z-orders-task-loss"
REASON = f"gameday run {RUN_ID}: kill-tasks f1-kill-tasks"


@dataclass
class EcsService:
    ecs: BaseClient
    task_arns: list[str]

    def reasons(self) -> dict[str, str]:
        tasks = self.ecs.describe_tasks(cluster=CLUSTER, tasks=self.task_arns)["tasks"]
        return {t["taskArn"]: t.get("stoppedReason", "") for t in tasks if t["lastStatus"] == "STOPPED"}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials only: no test can reach a real account."""
    use_dummy_credentials(monkeypatch, REGION)


@pytest.fixture
def manual_task_states() -> Iterator[None]:
    """moto advances a task one state per DescribeTasks by default; pin it so RUNNING stays RUNNING."""
    state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**9})
    yield
    state_manager.unset_transition("ecs::task")


def _service_with(tasks: int) -> EcsService:
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName=CLUSTER)
    definition = ecs.register_task_definition(
        family=SERVICE, containerDefinitions=[{"name": SERVICE, "image": "shop:latest", "memory": 256}]
    )["taskDefinition"]["taskDefinitionArn"]
    service = ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=definition,
        desiredCount=tasks,
        launchType="FARGATE",
    )["service"]
    arns: list[str] = []
    if tasks:
        started = ecs.run_task(
            cluster=CLUSTER,
            taskDefinition=definition,
            count=tasks,
            launchType="FARGATE",
            group=f"service:{SERVICE}",
            startedBy=service["deployments"][0]["id"],
        )
        arns = [t["taskArn"] for t in started["tasks"]]
    return EcsService(ecs=ecs, task_arns=arns)


@pytest.fixture
def moto_ecs(aws_env: None, manual_task_states: None) -> Iterator[None]:
    with mock_aws():
        yield


def _injector(fault: KillTasks, ecs: BaseClient, effect_timeout_s: float = 5.0) -> KillTasksInjector:
    return KillTasksInjector(
        fault,
        EcsTasks(ecs, CLUSTER, SERVICE),
        fault_id="f1-kill-tasks",
        run_id=RUN_ID,
        rng=random.Random(7),
        effect_timeout_s=effect_timeout_s,
    )


def _fault(**selection: float) -> KillTasks:
    return KillTasks.model_validate(
        {"kind": "kill-tasks", "at": 10, "for": 20, "target": {"service": SERVICE}, **selection}
    )


@pytest.mark.parametrize(
    ("selection", "tasks", "expected"),
    [({"count": 2}, 4, 2), ({"percent": 50}, 5, 2), ({"percent": 100}, 3, 3), ({"count": 9}, 3, 3)],
)
def test_stops_the_selected_tasks_with_the_run_in_the_reason(
    moto_ecs: None, selection: dict[str, float], tasks: int, expected: int
) -> None:
    service = _service_with(tasks)

    outcome = _injector(_fault(**selection), service.ecs).inject()

    assert outcome.landed, outcome.detail
    stopped = service.reasons()
    assert len(outcome.affected) == expected
    assert set(outcome.affected) == set(stopped)
    assert set(outcome.affected) <= set(service.task_arns)
    assert set(stopped.values()) == {REASON}
    assert f"stopped {expected} of {tasks} running task(s) of ECS service orders" in outcome.detail
    still_running = service.ecs.list_tasks(cluster=CLUSTER, serviceName=SERVICE, desiredStatus="RUNNING")
    assert len(still_running["taskArns"]) == tasks - expected


def test_no_running_tasks_does_not_land(moto_ecs: None) -> None:
    service = _service_with(0)

    outcome = _injector(_fault(count=1), service.ecs).inject()

    assert not outcome.landed
    assert outcome.affected == []
    assert outcome.detail == "nothing to stop: ECS service orders in cluster shop has no running tasks"


def test_percent_rounding_to_zero_does_not_land_and_stops_nothing(moto_ecs: None) -> None:
    service = _service_with(4)

    outcome = _injector(_fault(percent=5), service.ecs).inject()

    assert not outcome.landed
    assert "5% of 4 running task(s)" in outcome.detail
    assert "rounds down to 0" in outcome.detail
    assert service.reasons() == {}


def test_a_missing_cluster_does_not_land(moto_ecs: None) -> None:
    ecs = boto3.client("ecs", region_name=REGION)

    outcome = _injector(_fault(count=1), ecs).inject()

    assert not outcome.landed
    assert outcome.detail.startswith("ecs:ListTasks failed: ClusterNotFoundException")


ARN = "arn:aws:ecs:eu-west-1:111122223333:task/shop/0123456789abcdef0123456789abcdef"
LISTING = {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "RUNNING"}


def _stubbed() -> tuple[BaseClient, Stubber]:
    ecs = boto3.client("ecs", region_name=REGION)
    return ecs, Stubber(ecs)


def test_access_denied_on_stop_does_not_land(aws_env: None) -> None:
    ecs, stub = _stubbed()
    stub.add_response("list_tasks", {"taskArns": [ARN]}, LISTING)
    stub.add_client_error(
        "stop_task",
        service_error_code="AccessDeniedException",
        service_message="User: arn:aws:sts::111122223333:assumed-role/gameday is not authorized to perform: "
        "ecs:StopTask",
        http_status_code=400,
        expected_params={"cluster": CLUSTER, "task": ARN, "reason": REASON},
    )
    with stub:
        outcome = _injector(_fault(count=1), ecs).inject()
    stub.assert_no_pending_responses()

    assert not outcome.landed
    assert outcome.detail == (
        "ecs:StopTask failed: AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/gameday "
        "is not authorized to perform: ecs:StopTask"
    )
    assert outcome.affected == []


def test_access_denied_on_listing_does_not_land(aws_env: None) -> None:
    ecs, stub = _stubbed()
    stub.add_client_error("list_tasks", service_error_code="AccessDeniedException", http_status_code=400)
    with stub:
        outcome = _injector(_fault(count=1), ecs).inject()

    assert not outcome.landed
    assert outcome.detail == "ecs:ListTasks failed: AccessDeniedException"


def test_a_stop_that_ecs_never_shows_does_not_land(aws_env: None) -> None:
    ecs, stub = _stubbed()
    stub.add_response("list_tasks", {"taskArns": [ARN]}, LISTING)
    stub.add_response("stop_task", {"task": {"taskArn": ARN}})
    stub.add_response(
        "describe_tasks", {"tasks": [{"taskArn": ARN, "lastStatus": "RUNNING", "desiredStatus": "RUNNING"}]}
    )
    with stub:
        outcome = _injector(_fault(count=1), ecs, effect_timeout_s=0).inject()

    assert not outcome.landed
    assert outcome.detail == (
        f"1 of 1 task(s) asked to stop not shown as stopped by ECS service orders in cluster shop after 0s: "
        f"{ARN}"
    )
    assert outcome.affected == [ARN]


def test_desired_status_stopped_is_enough_evidence(aws_env: None) -> None:
    """Right after StopTask, ECS shows desiredStatus STOPPED while lastStatus is still RUNNING."""
    ecs, stub = _stubbed()
    stub.add_response("list_tasks", {"taskArns": [ARN]}, LISTING)
    stub.add_response("stop_task", {"task": {"taskArn": ARN}})
    stub.add_response(
        "describe_tasks", {"tasks": [{"taskArn": ARN, "lastStatus": "RUNNING", "desiredStatus": "STOPPED"}]}
    )
    with stub:
        outcome = _injector(_fault(count=1), ecs).inject()

    assert outcome.landed, outcome.detail
    assert outcome.affected == [ARN]


def test_listing_follows_pagination(aws_env: None) -> None:
    ecs, stub = _stubbed()
    second = ARN.replace("0123", "4567")
    stub.add_response("list_tasks", {"taskArns": [ARN], "nextToken": "page-2"}, LISTING)
    stub.add_response("list_tasks", {"taskArns": [second]}, {**LISTING, "nextToken": "page-2"})
    with stub:
        assert EcsTasks(ecs, CLUSTER, SERVICE).running() == [ARN, second]


def test_nothing_to_revert_but_the_plan_says_so(moto_ecs: None) -> None:
    service = _service_with(2)
    injector = _injector(_fault(count=1), service.ecs)

    plan = injector.revert_plan()
    injector.inject()
    injector.revert()
    injector.revert()

    assert plan["action"] == "none"
    assert plan["platform"] == "ECS service orders in cluster shop"
    assert injector.describe() == "stop 1 of the running tasks of service orders"
    assert len(service.ecs.list_tasks(cluster=CLUSTER, desiredStatus="RUNNING")["taskArns"]) == 1


def test_the_stop_reason_fits_ecs_limit() -> None:
    reason = stop_reason("r" * 300, "f1-kill-tasks")

    assert len(reason) == 255
    assert reason.startswith("gameday run rrr")


def test_a_zone_takes_its_share_of_the_tasks_describetasks_places_in_it(aws_env: None) -> None:
    """ListTasks cannot filter on a zone: the tasks are described and only those in it are candidates."""
    ecs, stub = _stubbed()
    in_a, in_b = ARN, ARN.replace("0123", "4567")
    stub.add_response("list_tasks", {"taskArns": [in_a, in_b]}, LISTING)
    stub.add_response(
        "describe_tasks",
        {
            "tasks": [
                {"taskArn": in_a, "availabilityZone": "eu-west-1a"},
                {"taskArn": in_b, "availabilityZone": "eu-west-1b"},
            ]
        },
        {"cluster": CLUSTER, "tasks": [in_a, in_b]},
    )
    stub.add_response(
        "stop_task", {"task": {"taskArn": in_a}}, {"cluster": CLUSTER, "task": in_a, "reason": REASON}
    )
    stub.add_response("describe_tasks", {"tasks": [{"taskArn": in_a, "lastStatus": "STOPPED"}]})
    fault = KillTasks.model_validate(
        {
            "kind": "kill-tasks",
            "at": 10,
            "for": 20,
            "target": {"service": SERVICE, "zone": "eu-west-1a"},
            "percent": 100,
        }
    )
    injector = KillTasksInjector(
        fault, EcsTasks(ecs, CLUSTER, SERVICE, "eu-west-1a"), fault_id="f1-kill-tasks", run_id=RUN_ID
    )
    with stub:
        outcome = injector.inject()
    stub.assert_no_pending_responses()

    assert outcome.landed, outcome.detail
    assert outcome.affected == [in_a]
    assert injector.describe() == "stop 100% of the running tasks of service orders in eu-west-1a"
    assert "of ECS service orders in cluster shop in eu-west-1a" in outcome.detail
