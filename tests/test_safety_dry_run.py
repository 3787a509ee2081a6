"""The dry run: every change is printed and none reaches the wire, counted through botocore's hooks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml
from aws_fault_run import use_dummy_credentials
from botocore.client import BaseClient
from moto import mock_aws
from moto.moto_api import state_manager

from gameday.aws_session import aws_client, client_hook
from gameday.cli import main
from gameday.safety.dry_run import intercepting, is_mutating
from gameday.targets import AwsTarget

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's account
TAGGED = {"gameday:allowed": "true"}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dummy credentials only; ECS tasks stay RUNNING until something really stops them."""
    use_dummy_credentials(monkeypatch, REGION)
    state_manager.set_transition(model_name="ecs::task", transition={"progression": "manual", "times": 10**9})
    try:
        with mock_aws():
            yield
    finally:
        state_manager.unset_transition("ecs::task")


@pytest.fixture
def wire() -> Iterator[list[str]]:
    """Operation names that reach the wire (before-send), from every client gameday makes."""
    sent: list[str] = []

    def count(client: BaseClient) -> None:
        client.meta.events.register(
            "before-send.*.*", lambda event_name, **_: sent.append(event_name.rsplit(".", 1)[-1])
        )

    with client_hook(count):
        yield sent


def _orders_tasks(count: int) -> list[str]:
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="shop")
    definition = ecs.register_task_definition(
        family="orders", containerDefinitions=[{"name": "orders", "image": "shop", "memory": 256}]
    )["taskDefinition"]["taskDefinitionArn"]
    service = ecs.create_service(
        cluster="shop",
        serviceName="orders",
        taskDefinition=definition,
        desiredCount=count,
        tags=[{"key": "gameday:allowed", "value": "true"}],
    )["service"]
    started = ecs.run_task(
        cluster="shop",
        taskDefinition=definition,
        count=count,
        launchType="FARGATE",
        group="service:orders",
        startedBy=service["deployments"][0]["id"],
    )
    return [t["taskArn"] for t in started["tasks"]]


def _running() -> list[str]:
    ecs = boto3.client("ecs", region_name=REGION)
    return list(ecs.list_tasks(cluster="shop", desiredStatus="RUNNING")["taskArns"])


def _files(tmp_path: Path) -> tuple[Path, Path]:
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        yaml.safe_dump(
            {
                "targets": {
                    "staging": {
                        "kind": "aws",
                        "region": REGION,
                        "account_allowlist": [ACCOUNT],
                        "entry_url": "https://shop.example.com",
                        "services": {"orders": {"cluster": "shop", "service": "orders"}},
                    }
                }
            }
        )
    )
    scenario = tmp_path / "kill.yaml"
    scenario.write_text(
        """\
name: kill-two
description: Two orders tasks stop.
duration: 60s
load: {shape: step, users: 1, step_users: 0, step_every: 10s, max_users: 1}
faults:
  - {kind: kill-tasks, at: 10s, for: 20s, target: {service: orders}, count: 2}
expect:
  - {score: availability, min: 0.9}
"""
    )
    return scenario, targets


def test_a_dry_run_prints_every_stop_and_sends_none(
    aws: None, wire: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = _orders_tasks(4)
    scenario, targets = _files(tmp_path)
    reports = tmp_path / "reports"

    exit_code = main(["run", str(scenario), "--target", "staging", "--targets", str(targets), "--dry-run"])

    assert exit_code == 0, capsys.readouterr().err
    assert [op for op in wire if is_mutating(op)] == []
    assert wire[0] == "GetCallerIdentity"
    assert "ListTasks" in wire
    out = capsys.readouterr().out
    assert f"dry run of kill-two on target 'staging' (AWS account {ACCOUNT})" in out
    assert "f1-kill-tasks at 10s for 20s: stop 2 of the running tasks of service orders" in out
    assert "\n  touches: ECS service orders in cluster shop: opted in\n" in out
    stops = [line for line in out.splitlines() if line.startswith("  inject: ecs:StopTask ")]
    assert len(stops) == 2
    assert all('"cluster": "shop"' in line and "gameday run dry-run: kill-tasks" in line for line in stops)
    assert {line.split('"task": "')[1].split('"')[0] for line in stops} <= set(tasks)
    assert "  revert: no change" in out
    assert "rehearsal ended: ecs:DescribeTasks failed: DryRunHalt: dry run: ecs:DescribeTasks not sent" in out
    assert sorted(_running()) == sorted(tasks)  # nothing stopped
    assert not reports.exists()  # a dry run leaves no run folder
    # the run's X-Ray sampling rule comes first, and is a change like a fault's
    sampling = out.index("xray-sampling: X-Ray keeps every request of orders (sampling rules gameday-")
    assert sampling < out.index("f1-kill-tasks at 10s")
    assert '  inject: xray:CreateSamplingRule {"SamplingRule": {' in out
    assert '  revert: xray:DeleteSamplingRule {"RuleName": "gameday-' in out


def test_any_change_through_any_client_is_recorded_not_sent(aws: None, wire: list[str]) -> None:
    """The mechanism is generic: SQS attributes and security-group rules, as other providers change them."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="orders", tags=TAGGED)["QueueUrl"]
    ec2 = boto3.client("ec2", region_name=REGION)
    group = ec2.create_security_group(GroupName="orders", Description="orders")["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])
    target = AwsTarget(kind="aws", region=REGION, account_allowlist=[ACCOUNT], entry_url="https://shop")
    wire.clear()

    with intercepting() as interceptor:
        interceptor.rehearse("f1", "inject")
        hooked_sqs, hooked_ec2 = aws_client(target, "sqs"), aws_client(target, "ec2")
        hooked_sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
        hooked_sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "30"})
        hooked_ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[rule])
        interceptor.rehearse("f1", "revert")
        hooked_sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0"})

    assert wire == ["GetQueueAttributes"]
    assert [(c.phase, f"{c.service}:{c.operation}") for c in interceptor.calls] == [
        ("inject", "sqs:SetQueueAttributes"),
        ("inject", "ec2:RevokeSecurityGroupIngress"),
        ("revert", "sqs:SetQueueAttributes"),
    ]
    assert interceptor.calls[0].params == {"QueueUrl": url, "Attributes": {"DelaySeconds": "30"}}
    assert str(interceptor.calls[1]).startswith(f'ec2:RevokeSecurityGroupIngress {{"GroupId": "{group}"')
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"]
    assert attributes == {"DelaySeconds": "0"}
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert [r["FromPort"] for r in rules] == [8080]


def test_a_read_after_a_change_is_refused_so_confirmation_never_waits(aws: None) -> None:
    target = AwsTarget(kind="aws", region=REGION, account_allowlist=[ACCOUNT], entry_url="https://shop")
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="orders")["QueueUrl"]
    with intercepting() as interceptor:
        interceptor.rehearse("f1", "inject")
        sqs = aws_client(target, "sqs")
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "30"})
        with pytest.raises(Exception, match="dry run: sqs:GetQueueAttributes not sent"):
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
        interceptor.rehearse("f1", "revert")  # a new step reads again
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])


def test_the_skeleton_answer_carries_the_ids_a_provider_reads() -> None:
    with intercepting() as interceptor:
        interceptor.rehearse("f1", "inject")
        target = AwsTarget(kind="aws", region=REGION, account_allowlist=[ACCOUNT], entry_url="https://shop")
        fis = aws_client(target, "fis")
        started = fis.start_experiment(experimentTemplateId="EXT123", clientToken="t")
    assert started["experiment"]["id"] == "id"
    assert [c.operation for c in interceptor.calls] == ["StartExperiment"]


@pytest.mark.parametrize(
    ("operation", "mutating"),
    [
        ("DescribeServices", False),
        ("ListTasks", False),
        ("GetQueueAttributes", False),
        ("StopTask", True),
        ("PutFunctionConcurrency", True),
        ("CreateExperimentTemplate", True),
        ("TagResource", True),
    ],
)
def test_what_counts_as_a_change(operation: str, mutating: bool) -> None:
    assert is_mutating(operation) is mutating


def test_a_local_dry_run_lists_the_faults_and_contacts_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, _ = _files(tmp_path)
    targets = tmp_path / "local.yaml"
    targets.write_text(
        yaml.safe_dump({"targets": {"local": {"kind": "localcloud", "control_url": "http://127.0.0.1:9"}}})
    )

    assert main(["run", str(scenario), "--targets", str(targets), "--dry-run"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("dry run of kill-two on target 'local' (localcloud)")
    assert out[1] == "f1-kill-tasks at 10s for 20s: stop 2 of the running tasks of service orders"


def test_a_dry_run_of_queue_and_network_faults_lists_their_changes_and_makes_none(
    aws: None, wire: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="orders", tags=TAGGED)["QueueUrl"]
    ec2 = boto3.client("ec2", region_name=REGION)
    group = ec2.create_security_group(GroupName="orders", Description="orders")["GroupId"]
    ec2.create_tags(Resources=[group], Tags=[{"Key": "gameday:allowed", "Value": "true"}])
    rule = {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.0.1.0/24"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])
    targets = tmp_path / "targets.yaml"
    path = {"security_group": group, "source_cidr": "10.0.1.0/24", "port": 8080}
    staging = {
        "kind": "aws",
        "region": REGION,
        "account_allowlist": [ACCOUNT],
        "entry_url": "https://shop.example.com",
        "queues": {"orders": {"url": url}},
        "paths": {"bff->orders": path},
    }
    targets.write_text(yaml.safe_dump({"targets": {"staging": staging}}))
    scenario = tmp_path / "slow-and-cut.yaml"
    scenario.write_text(
        """\
name: slow-and-cut
description: Orders messages wait, then bff cannot reach orders.
duration: 60s
load: {shape: step, users: 1, step_users: 0, step_every: 10s, max_users: 1}
faults:
  - {kind: throttle-queue, at: 10s, for: 20s, target: {queue: orders}, mode: delay, delay: 30s}
  - {kind: break-network, at: 15s, for: 10s, target: {path: bff->orders}}
expect:
  - {score: availability, min: 0.9}
"""
    )
    wire.clear()

    exit_code = main(["run", str(scenario), "--target", "staging", "--targets", str(targets), "--dry-run"])

    out = capsys.readouterr().out
    assert exit_code == 0, out
    assert [op for op in wire if is_mutating(op)] == []
    changes = [line.split(" {")[0] for line in out.splitlines() if line.startswith("  ") and "{" in line]
    assert changes == [
        "  inject: xray:CreateSamplingRule",  # the run's sampling rule: every service, as none is mapped
        "  revert: xray:DeleteSamplingRule",
        "  inject: sqs:SetQueueAttributes",
        "  revert: sqs:SetQueueAttributes",
        "  inject: ec2:RevokeSecurityGroupIngress",
        "  revert: ec2:AuthorizeSecurityGroupIngress",
    ]
    assert '"DelaySeconds": "30"' in out
    delay = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"]
    assert delay == {"DelaySeconds": "0"}
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert [r["FromPort"] for r in rules] == [8080]
