"""Pre-flight on AWS targets against moto: the account first, then opt-in tags, then blast radius."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_fault_run import use_dummy_credentials
from botocore.client import BaseClient
from moto import mock_aws

from gameday.aws_session import client_hook
from gameday.errors import EnvironmentProblem, InputError
from gameday.run.plan import build_plan
from gameday.safety.preflight import preflight_plan
from gameday.scenario import Scenario
from gameday.targets import AwsTarget

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's account
OPT_IN = [{"key": "gameday:allowed", "value": "true"}]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dummy credentials only: no test can reach a real account."""
    use_dummy_credentials(monkeypatch, REGION)
    with mock_aws():
        yield


@pytest.fixture
def wire() -> Iterator[list[str]]:
    """Every operation that reaches the wire (botocore's before-send), from every client gameday makes."""
    sent: list[str] = []

    def count(client: BaseClient) -> None:
        client.meta.events.register("before-send.*.*", lambda event_name, **_: sent.append(event_name))

    with client_hook(count):
        yield sent


def _target(allow: str = ACCOUNT, **mapping: Any) -> AwsTarget:
    return AwsTarget.model_validate(
        {
            "kind": "aws",
            "region": REGION,
            "account_allowlist": [allow],
            "entry_url": "https://shop",
            **mapping,
        }
    )


def _scenario(*faults: dict[str, Any]) -> Scenario:
    scenario = Scenario.model_validate(
        {
            "name": "safety",
            "description": "pre-flight",
            "duration": 60,
            "load": {"shape": "step", "users": 1, "step_users": 0, "step_every": 10, "max_users": 1},
            "faults": list(faults),
            "expect": [{"score": "availability", "min": 0.5}],
        }
    )
    return scenario


def _preflight(target: AwsTarget, *faults: dict[str, Any]) -> str:
    """Pre-flight for a plan of ``faults`` on ``target``: the plan resolves what they touch."""
    return preflight_plan(target, build_plan(_scenario(*faults), target, "staging", run_id="r1"))


KILL_TWO = {"kind": "kill-tasks", "at": 10, "for": 10, "target": {"service": "orders"}, "count": 2}


def _ecs_service(desired: int = 4, tags: list[dict[str, str]] | None = None) -> None:
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="shop")
    definition = ecs.register_task_definition(
        family="orders", containerDefinitions=[{"name": "orders", "image": "shop", "memory": 256}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="shop",
        serviceName="orders",
        taskDefinition=definition,
        desiredCount=desired,
        tags=OPT_IN if tags is None else tags,
    )


ORDERS: dict[str, Any] = {"services": {"orders": {"cluster": "shop", "service": "orders"}}}


def test_an_account_outside_the_allowlist_is_refused_after_one_sts_call(aws: None, wire: list[str]) -> None:
    _ecs_service()
    wire.clear()

    with pytest.raises(EnvironmentProblem) as refused:
        _preflight(_target(allow="111122223333", **ORDERS), KILL_TWO)

    assert str(refused.value) == (
        f"account {ACCOUNT} is not in the allowlist of target 'staging' (allowed: 111122223333)"
    )
    assert refused.value.exit_code == 2
    assert wire == ["before-send.sts.GetCallerIdentity"]


def test_the_account_is_checked_before_any_other_call(aws: None, wire: list[str]) -> None:
    _ecs_service()
    wire.clear()

    assert _preflight(_target(**ORDERS), KILL_TWO) == ACCOUNT

    assert wire[0] == "before-send.sts.GetCallerIdentity"
    assert set(wire[1:]) == {"before-send.ecs.DescribeServices"}


@pytest.mark.parametrize(
    "tags", [[], [{"key": "gameday:allowed", "value": "false"}], [{"key": "team", "value": "shop"}]]
)
def test_an_ecs_service_without_the_opt_in_tag_is_refused(aws: None, tags: list[dict[str, str]]) -> None:
    _ecs_service(tags=tags)

    with pytest.raises(
        EnvironmentProblem, match="ECS service orders in cluster shop is not opted in"
    ) as refused:
        _preflight(_target(**ORDERS), KILL_TWO)
    assert "needs the tag gameday:allowed=true" in str(refused.value)


def test_a_custom_opt_in_tag_is_honoured(aws: None) -> None:
    _ecs_service(tags=[{"key": "chaos", "value": "yes"}])

    assert _preflight(_target(opt_in_tag="chaos=yes", **ORDERS), KILL_TWO) == ACCOUNT


def test_queues_and_their_consumers_must_be_opted_in(aws: None) -> None:
    _ecs_service()
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="orders", tags={"gameday:allowed": "true"})["QueueUrl"]
    bare = sqs.create_queue(QueueName="bare")["QueueUrl"]
    throttle = {
        "kind": "throttle-queue",
        "at": 10,
        "for": 10,
        "target": {"queue": "orders"},
        "mode": "consumer",
    }
    consumer = {"ecs": {"cluster": "shop", "service": "orders"}}

    assert _preflight(_target(queues={"orders": {"url": url, "consumer": consumer}}), throttle)
    with pytest.raises(EnvironmentProblem, match=f"SQS queue {bare} is not opted in"):
        _preflight(_target(queues={"orders": {"url": bare, "consumer": consumer}}), throttle)


def _network(tagged_group: bool, tagged_subnet: bool) -> dict[str, Any]:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="orders", Description="orders", VpcId=vpc)["GroupId"]
    opt_in = [{"Key": "gameday:allowed", "Value": "true"}]
    if tagged_group:
        ec2.create_tags(Resources=[group], Tags=opt_in)
    if tagged_subnet:
        ec2.create_tags(Resources=[subnet], Tags=opt_in)
    return {"paths": {"bff->orders": {"security_group": group, "port": 8080, "subnets": [subnet]}}}


BREAK = {"kind": "break-network", "at": 10, "for": 10, "target": {"path": "bff->orders"}}


def test_security_groups_and_subnets_of_a_path_must_be_opted_in(aws: None) -> None:
    assert _preflight(_target(**_network(True, True)), BREAK) == ACCOUNT
    with pytest.raises(EnvironmentProblem, match=r"security group sg-\w+ is not opted in"):
        _preflight(_target(**_network(False, True)), BREAK)
    with pytest.raises(EnvironmentProblem, match=r"subnet subnet-\w+ is not opted in"):
        _preflight(_target(**_network(True, False)), BREAK)


def _function(name: str, tags: dict[str, str]) -> None:
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": code.getvalue()},
        Tags=tags,
    )


def test_a_lambda_function_must_be_opted_in(aws: None) -> None:
    _function("payments", {"gameday:allowed": "true"})
    _function("ledger", {})
    latency = {"kind": "add-latency", "at": 10, "for": 10, "target": {"path": "orders->payments"}}

    assert _preflight(_target(paths={"orders->payments": {"lambda": "payments"}}), latency)
    with pytest.raises(EnvironmentProblem, match="Lambda function ledger is not opted in"):
        _preflight(_target(paths={"orders->payments": {"lambda": "ledger"}}), latency)


def test_unmapped_resources_are_the_targets_files_fault(aws: None) -> None:
    with pytest.raises(InputError, match="the AWS target maps no service 'orders'"):
        _preflight(_target(), KILL_TWO)


def test_a_missing_resource_is_one_clear_line(aws: None) -> None:
    with pytest.raises(
        EnvironmentProblem, match="cannot check ECS service orders in cluster shop before the run"
    ):
        _preflight(_target(**ORDERS), KILL_TWO)


@pytest.mark.parametrize(
    ("selection", "desired", "allowed"),
    [
        ({"count": 2}, 4, True),
        ({"count": 3}, 4, False),
        ({"percent": 50}, 4, True),
        ({"percent": 60}, 10, False),
    ],
)
def test_blast_radius(aws: None, selection: dict[str, float], desired: int, allowed: bool) -> None:
    _ecs_service(desired=desired)
    fault = {**KILL_TWO, "count": None, **selection}
    target = _target(blast_radius_percent=50, **ORDERS)

    if allowed:
        assert _preflight(target, fault) == ACCOUNT
        return
    with pytest.raises(EnvironmentProblem, match="above the target's blast_radius_percent of 50") as refused:
        _preflight(target, fault)
    assert "kill-tasks on ECS service orders in cluster shop would take" in str(refused.value)


def test_task_shares() -> None:
    scenario = _scenario(
        KILL_TWO,
        {"kind": "stress-cpu", "at": 10, "for": 10, "target": {"service": "orders"}},
        {"kind": "stress-cpu", "at": 10, "for": 10, "target": {"service": "orders"}, "count": 1},
        BREAK,
    )
    shares = [fault.task_share_percent(4) for fault in scenario.faults]
    assert shares == [50.0, 100.0, 25.0, None]
    assert scenario.faults[0].task_share_percent(0) == 0.0
