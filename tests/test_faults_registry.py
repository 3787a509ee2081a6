"""The registry picks a provider by the target, never by the scenario."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator

import boto3
import pytest
from localcloud_apps.stacks import service_with, state_with
from moto import mock_aws
from moto.moto_api import state_manager

from faults.kill_tasks.spec import KillTasks
from faults.registry import build_injector
from gameday.errors import InputError
from gameday.localcloud.api import PlatformState, TaskStopped
from gameday.targets import AwsTarget, EcsService, LocalTarget

FAULT = KillTasks.model_validate(
    {"kind": "kill-tasks", "at": 10, "for": 20, "target": {"service": "orders"}, "count": 1}
)
AWS = AwsTarget(
    kind="aws",
    region="eu-west-1",
    account_allowlist=["123456789012"],
    entry_url="https://shop.example.com",
    services={"orders": EcsService(cluster="shop", service="orders")},
)


class EmptyLocalcloud:
    """A localcloud whose orders service has no task running."""

    def state(self) -> PlatformState:
        return state_with({"orders": service_with([], desired=1)})

    def stop_task(self, service: str, task_id: str, reason: str) -> TaskStopped:
        raise AssertionError("nothing should be stopped")


@pytest.fixture
def moto_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**9})
    with mock_aws():
        yield
    state_manager.unset_transition("ecs::task")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_local_target_gets_the_localcloud_provider() -> None:
    injector = build_injector(
        FAULT, LocalTarget(kind="localcloud"), fault_id="f1", run_id="r1", localcloud_client=EmptyLocalcloud()
    )

    outcome = injector.inject()

    assert injector.fault_id == "f1"
    assert injector.describe() == "stop 1 of the running tasks of service orders"
    assert injector.revert_plan()["platform"] == "localcloud service orders"
    assert outcome.detail == "nothing to stop: localcloud service orders has no running tasks"


def test_without_a_client_the_targets_control_url_is_used() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    injector = build_injector(
        FAULT, LocalTarget(kind="localcloud", control_url=url), fault_id="f1", run_id="r1"
    )

    outcome = injector.inject()

    assert not outcome.landed
    assert outcome.detail.startswith(f"localcloud is not reachable at {url}")


def test_an_aws_target_gets_the_ecs_provider_with_a_client_of_its_own(moto_aws: None) -> None:
    ecs = boto3.client("ecs", region_name="eu-west-1")
    ecs.create_cluster(clusterName="shop")
    definition = ecs.register_task_definition(
        family="orders", containerDefinitions=[{"name": "orders", "image": "shop", "memory": 256}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.run_task(
        cluster="shop", taskDefinition=definition, count=2, launchType="FARGATE", group="service:orders"
    )
    injector = build_injector(FAULT, AWS, fault_id="f1", run_id="r1", rng=random.Random(1))

    outcome = injector.inject()

    assert outcome.landed, outcome.detail
    assert injector.revert_plan()["platform"] == "ECS service orders in cluster shop"
    assert len(ecs.list_tasks(cluster="shop", desiredStatus="STOPPED")["taskArns"]) == 1


def test_a_service_the_aws_target_does_not_map_is_a_user_error() -> None:
    unmapped = AWS.model_copy(update={"services": {"catalog": EcsService(cluster="shop", service="catalog")}})

    with pytest.raises(InputError, match=r"the AWS target maps no service 'orders' \(it maps: catalog\)"):
        build_injector(FAULT, unmapped, fault_id="f1", run_id="r1")
