"""``gameday iam-policy``: the runner's policy allows every AWS call gameday makes, and nothing more.

The AWS suites (moto and Stubber) run the AWS code paths of every fault kind and of the run; every
operation they make is recorded (tests/aws_call_recorder.py). For each kind, the policy generated
for scenarios of that kind must allow every call of the kind's suites, and grant no action that
was never called, except the ones IAM checks without a call of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_call_recorder import AWS_CALLS, SAVE_TO, AwsCallRecorder, RecordedCall
from cfnlint.decode import decode_str

from gameday.cli import main
from gameday.iam.fis_role import fis_role_policy
from gameday.iam.grants import allowed_actions
from gameday.iam.policy import AUTHORIZATION_ONLY, runner_policy
from gameday.iam.runner_template import runner_policies
from gameday.s3reports.location import S3Location
from gameday.scenario import Scenario, load_scenario
from gameday.targets import AwsTarget

pytestmark = pytest.mark.after_aws_suites
TESTS = Path(__file__).resolve().parent

# the suites that run each kind's AWS code, and those of what every run does
SUITES = {
    "kill-tasks": ("test_faults_kill_tasks_aws", "test_faults_registry"),
    "throttle-queue": ("test_faults_queue_aws", "test_rollback"),
    "break-network": ("test_faults_network_aws",),
    "via-fis": ("test_fis_runner",),
    "fis-template": ("test_fis_template_targets", "test_fis_runner"),
}
RUN_SUITES = (
    "test_evidence_aws_sources",
    "test_evidence_aws_xray",
    "test_aws_session_collect",
    "test_guardrails",
    "test_xray_sampling",
    "test_safety_preflight",
    "test_safety_dry_run",
    "test_faults_aws_session",
    "test_s3_reports",
    "test_notify",
)
# IAM's names where the API's differ
_IAM_SERVICE = {"monitoring": "cloudwatch", "tagging": "tag"}
_IAM_ACTION = {
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:HeadBucket": "s3:ListBucket",
    "s3:HeadObject": "s3:GetObject",
}

TARGET = {
    "kind": "aws",
    "region": "eu-west-1",
    "account_allowlist": ["123456789012"],
    "entry_url": "https://shop.example",
    "fis_role_arn": "arn:aws:iam::123456789012:role/gameday-fis",
    "stop_alarms": ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-5xx"],
    "results_topic_arn": "arn:aws:sns:eu-west-1:123456789012:gameday-results",
    "services": {
        name: {"cluster": "shop", "service": name} for name in ("bff", "catalog", "orders", "worker")
    },
    "queues": {
        "orders": {
            "url": "https://sqs.eu-west-1.amazonaws.com/123456789012/orders",
            "consumer": {"ecs": {"cluster": "shop", "service": "worker"}},
        },
        "events": {
            "url": "https://sqs.eu-west-1.amazonaws.com/123456789012/events",
            "consumer": {"lambda": "events-worker", "via": "reserved-concurrency"},
        },
        "mails": {
            "url": "https://sqs.eu-west-1.amazonaws.com/123456789012/mails",
            "consumer": {"lambda": "mailer", "via": "event-source-mapping"},
        },
    },
    "paths": {
        "bff->orders": {"security_group": "sg-0orders", "source_security_group": "sg-0bff", "port": 8080},
        "bff->catalog": {"subnets": ["subnet-0catalog"], "source_cidr": "10.0.1.0/24", "port": 8080},
    },
}
REPORTS = S3Location("shop-gameday-runs", "nightly")
# a template with a target of every type resolved the ways the suite resolves them
TEMPLATE = {
    "description": "every target type",
    "roleArn": "arn:aws:iam::123456789012:role/gameday-fis",
    "stopConditions": [{"source": "none"}],
    "targets": {
        "tasks": {
            "resourceType": "aws:ecs:task",
            "parameters": {"cluster": "shop", "service": "orders"},
            "selectionMode": "COUNT(1)",
        },
        "clusters": {
            "resourceType": "aws:ecs:cluster",
            "resourceArns": ["arn:aws:ecs:eu-west-1:123456789012:cluster/shop"],
            "selectionMode": "ALL",
        },
        "instances": {
            "resourceType": "aws:ec2:instance",
            "resourceTags": {"gameday:allowed": "true"},
            "selectionMode": "ALL",
        },
        "subnets": {
            "resourceType": "aws:ec2:subnet",
            "resourceArns": ["arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0a"],
            "selectionMode": "ALL",
        },
        "functions": {"resourceType": "aws:lambda:function", "selectionMode": "ALL"},
        "roles": {
            "resourceType": "aws:iam:role",
            "resourceArns": ["arn:aws:iam::123456789012:role/app"],
            "selectionMode": "ALL",
        },
    },
    "actions": {
        "stop": {"actionId": "aws:ecs:stop-task", "targets": {"Tasks": "tasks"}},
        "drain": {
            "actionId": "aws:ecs:drain-container-instances",
            "parameters": {"drainagePercentage": "50", "duration": "PT1M"},
            "targets": {"Clusters": "clusters"},
        },
        "instances": {"actionId": "aws:ec2:stop-instances", "targets": {"Instances": "instances"}},
        "cut": {
            "actionId": "aws:network:disrupt-connectivity",
            "parameters": {"duration": "PT1M"},
            "targets": {"Subnets": "subnets"},
        },
        "errors": {
            "actionId": "aws:lambda:invocation-error",
            "parameters": {"duration": "PT1M"},
            "targets": {"Functions": "functions"},
        },
        "throttle": {
            "actionId": "aws:fis:inject-api-throttle-error",
            "parameters": {
                "duration": "PT1M",
                "service": "ec2",
                "percentage": "50",
                "operations": "DescribeInstances",
            },
            "targets": {"Roles": "roles"},
        },
    },
}
FAULTS = {
    "kill-tasks": ["{kind: kill-tasks, at: 5s, for: 10s, target: {service: orders}, count: 1}"],
    "throttle-queue": [
        "{kind: throttle-queue, at: 5s, for: 10s, target: {queue: orders}, mode: delay, delay: 30s}",
        "{kind: throttle-queue, at: 5s, for: 10s, target: {queue: orders}, mode: consumer}",
        "{kind: throttle-queue, at: 5s, for: 10s, target: {queue: events}, mode: consumer}",
        "{kind: throttle-queue, at: 5s, for: 10s, target: {queue: mails}, mode: consumer}",
    ],
    "break-network": [
        "{kind: break-network, at: 5s, for: 10s, target: {path: bff->orders}}",
        "{kind: break-network, at: 5s, for: 10s, target: {path: bff->catalog}, method: nacl}",
    ],
    "via-fis": ["{kind: kill-tasks, at: 5s, for: 60s, target: {service: orders}, count: 1, via: fis}"],
    "fis-template": ["{kind: fis-template, at: 5s, for: 60s, file: template.json}"],
}


def scenario(folder: Path, kinds: Iterable[str]) -> Scenario:
    (folder / "template.json").write_text(json.dumps(TEMPLATE))
    faults = "\n".join(f"  - {fault}" for kind in kinds for fault in FAULTS[kind])
    path = folder / "scenario.yaml"
    path.write_text(
        "name: policy\ndescription: every fault of the kinds\nduration: 90s\n"
        "load: {shape: steady, users: 1}\n"
        f"faults:\n{faults}\n"
        "expect:\n  - {score: availability, min: 0.5}\n"
    )
    return load_scenario(path)


def iam_action(call: RecordedCall) -> str:
    action = f"{_IAM_SERVICE.get(call.service, call.service)}:{call.operation}"
    return _IAM_ACTION.get(action, action)


@pytest.fixture(scope="module")
def recorded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Each suite's calls as IAM actions: from this session, or from a session run for them now."""
    recorder: AwsCallRecorder = request.config.stash[AWS_CALLS]
    suites = {*RUN_SUITES, *(module for modules in SUITES.values() for module in modules)}
    calls = recorder.calls
    if not suites <= recorder.modules_run:
        saved = tmp_path_factory.mktemp("aws-calls") / "calls.json"
        files = [str(TESTS / f"{module}.py") for module in sorted(suites)]
        command = [sys.executable, "-m", "pytest", "-q", "-x", *files]
        done = subprocess.run(
            command, env={**os.environ, SAVE_TO: str(saved)}, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:]
        calls = AwsCallRecorder.load(saved)
    by_module: dict[str, set[str]] = {module: set() for module in suites}
    for call in calls:
        if call.module in by_module:
            by_module[call.module].add(iam_action(call))
    return by_module


def calls_of(recorded: dict[str, set[str]], modules: Iterable[str]) -> set[str]:
    return {action for module in modules for action in recorded[module]}


@pytest.mark.parametrize("kind", sorted(SUITES))
def test_the_policy_for_a_kind_allows_every_call_of_its_suites_and_nothing_never_called(
    kind: str, recorded: dict[str, set[str]], tmp_path: Path
) -> None:
    target = AwsTarget.model_validate(TARGET)
    policy = allowed_actions(runner_policy([scenario(tmp_path, [kind])], target, REPORTS))

    not_allowed = calls_of(recorded, SUITES[kind]) - policy
    never_called = policy - calls_of(recorded, [*SUITES[kind], *RUN_SUITES]) - AUTHORIZATION_ONLY

    assert not not_allowed, f"called by the {kind} suites but not allowed: {sorted(not_allowed)}"
    assert not never_called, f"allowed for {kind} but never called: {sorted(never_called)}"


def test_every_call_of_the_run_suites_is_allowed_for_all_kinds_together(
    recorded: dict[str, set[str]], tmp_path: Path
) -> None:
    target = AwsTarget.model_validate(TARGET)
    policy = allowed_actions(runner_policy([scenario(tmp_path, SUITES)], target, REPORTS))

    assert not (calls_of(recorded, RUN_SUITES) - policy)
    assert not (policy - calls_of(recorded, recorded) - AUTHORIZATION_ONLY)
    # and the runner template's, for the catalogue on the shop stack
    catalogue = allowed_actions(runner_policies()[0])
    assert not (catalogue - calls_of(recorded, recorded) - AUTHORIZATION_ONLY)


def test_the_fis_role_gets_what_the_templates_actions_need(tmp_path: Path) -> None:
    policy = fis_role_policy(
        [scenario(tmp_path, ["fis-template", "via-fis"])], AwsTarget.model_validate(TARGET)
    )

    actions = allowed_actions(policy)
    assert {
        "ecs:StopTask",
        "ec2:StopInstances",
        "fis:InjectApiThrottleError",
        "lambda:GetFunction",
    } <= actions
    assert {"ec2:CreateNetworkAclEntry", "ecs:UpdateContainerInstancesState"} <= actions
    made_by_fis = [s for s in policy["Statement"] if "ec2:DeleteNetworkAcl" in s["Action"]]
    assert made_by_fis[0]["Condition"] == {"StringEquals": {"ec2:ResourceTag/managedByFIS": "true"}}


def test_the_command_prints_a_policy_document_and_refuses_what_it_cannot_scope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": {"staging": TARGET, "local": {"kind": "localcloud"}}}))

    assert main(["iam-policy", "orders-task-loss", "--target", "staging", "--targets", str(targets)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["Version"] == "2012-10-17"
    stop = next(s for s in document["Statement"] if "ecs:StopTask" in s["Action"])
    assert stop["Resource"] == "arn:aws:ecs:eu-west-1:123456789012:task/shop/*"
    assert all(s["Sid"].isalnum() for s in document["Statement"])

    assert main(["iam-policy", "orders-task-loss", "--target", "local", "--targets", str(targets)]) == 2
    assert "target 'local' is not an AWS target" in capsys.readouterr().err
    assert main(["iam-policy", "no-such-scenario", "--target", "staging", "--targets", str(targets)]) == 2


def test_the_runner_template_carries_the_policies_generated_for_the_catalogue() -> None:
    """`make deploy-policies` writes them; a change to what gameday calls must be carried there."""
    template, problems = decode_str((TESTS.parent / "deploy" / "runner.yaml").read_text())
    assert not problems
    task, fis, left_out = runner_policies()

    def document(role: str) -> Any:
        (policy,) = template["Resources"][role]["Properties"]["Policies"]
        return json.loads(json.dumps(policy["PolicyDocument"]))

    assert document("TaskRole") == task, "deploy/runner.yaml is stale: run `make deploy-policies`"
    assert document("FisExperimentRole") == fis, "deploy/runner.yaml is stale: run `make deploy-policies`"
    assert {name.split(" ")[0] for name in left_out} == {
        "az-impairment",
        "catalog-cpu-stress",
        "catalog-errors",
        "catalog-latency",
        "ci-catalog-retries",
    }
    stop = next(s for s in task["Statement"] if "ecs:StopTask" in s["Action"])
    assert stop["Resource"] == {
        "Fn::Sub": [
            "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task/${ShopClusterName}/*",
            {"ShopClusterName": {"Fn::ImportValue": {"Fn::Sub": "${ShopStackName}-ClusterName"}}},
        ]
    }
