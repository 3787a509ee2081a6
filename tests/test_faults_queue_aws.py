"""throttle-queue on AWS, against moto (SQS attributes, ECS desired count, Lambda concurrency and
event source mappings are faithful there) and botocore's Stubber for refusals."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from aws_fault_run import REGION, aws_target, client, killed_run, mocked_account
from botocore.stub import Stubber

from faults.api_change import ApiChangeInjector
from faults.queue.aws import UNDO, throttle_queue_aws
from faults.queue.spec import ThrottleQueue
from faults.registry import build_injector
from faults.revert import REVERTERS
from gameday.cli import main
from gameday.commands.rollback import rollback
from gameday.errors import InputError
from gameday.ledger import Ledger
from gameday.targets import AwsTarget

FUNCTION = "orders-worker"


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with mocked_account(monkeypatch):
        yield


def target(queue: dict[str, Any]) -> AwsTarget:
    return aws_target(queues={"orders": queue})


def fault(mode: str, **params: Any) -> ThrottleQueue:
    return ThrottleQueue.model_validate(
        {"kind": "throttle-queue", "at": 0, "for": 30, "target": {"queue": "orders"}, "mode": mode, **params}
    )


def injector(fault_: ThrottleQueue, queue: dict[str, Any]) -> ApiChangeInjector:
    built = throttle_queue_aws(fault_, target(queue), client, fault_id="f1-throttle-queue")
    built.poll_interval_s = 0.01
    return built


def sqs_queue(delay: str = "5") -> str:
    url: str = client("sqs").create_queue(QueueName="orders", Attributes={"DelaySeconds": delay})["QueueUrl"]
    return url


def delay_of(url: str) -> str:
    return str(
        client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"][
            "DelaySeconds"
        ]
    )


def test_delay_sets_delay_seconds_and_revert_puts_back_the_exact_prior_value(moto: None) -> None:
    url = sqs_queue(delay="5")
    built = injector(fault("delay", delay=45), {"url": url})
    plan = built.revert_plan()
    assert plan == {"action": "aws-sqs-attributes", "queue_url": url, "attributes": {"DelaySeconds": "5"}}
    outcome = built.inject()
    assert outcome.landed, outcome.detail
    assert outcome.detail == f"DelaySeconds of SQS queue {url} from 5 to 45"
    assert delay_of(url) == "45"
    built.revert()
    built.revert()  # idempotent
    assert delay_of(url) == "5"


def ecs_service(desired: int) -> None:
    ecs = client("ecs")
    ecs.create_cluster(clusterName="shop")
    definition = ecs.register_task_definition(
        family="worker", containerDefinitions=[{"name": "worker", "image": "shop:latest", "memory": 256}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="shop", serviceName="worker", taskDefinition=definition, desiredCount=desired)


def desired_count() -> int:
    return int(
        client("ecs").describe_services(cluster="shop", services=["worker"])["services"][0]["desiredCount"]
    )


def test_consumer_on_ecs_turns_the_desired_count_down_and_back(moto: None) -> None:
    url = sqs_queue()
    ecs_service(desired=3)
    queue = {"url": url, "consumer": {"ecs": {"cluster": "shop", "service": "worker"}}}
    built = injector(fault("consumer", consumers=1), queue)
    assert built.revert_plan() == {
        "action": "aws-ecs-desired-count",
        "cluster": "shop",
        "service": "worker",
        "desired_count": 3,
        "scalable_target": None,  # moto knows the service has no scalable target
    }
    outcome = built.inject()
    assert outcome.landed, outcome.detail
    assert "from 3 to 1" in outcome.detail
    assert desired_count() == 1
    built.revert()
    built.revert()
    assert desired_count() == 3


# moto keeps a scalable target's SuspendedState as given and shows none for a target that never
# had one, where Application Auto Scaling shows all three flags false; Stubber replays AWS's shapes.
RESOURCE = "service/shop/worker"
SCALABLE = {
    "ServiceNamespace": "ecs",
    "ResourceId": RESOURCE,
    "ScalableDimension": "ecs:service:DesiredCount",
}
PRIOR = {
    "DynamicScalingInSuspended": False,
    "DynamicScalingOutSuspended": False,
    "ScheduledScalingSuspended": True,
}


def scalable_target(state: dict[str, bool]) -> dict[str, Any]:
    return {
        "ScalableTargets": [
            {
                **SCALABLE,
                "MinCapacity": 1,
                "MaxCapacity": 4,
                "RoleARN": "arn:aws:iam::123456789012:role/s",
                "CreationTime": 0,
                "SuspendedState": state,
            }
        ]
    }


def test_an_ecs_consumer_that_scales_is_suspended_and_gets_its_exact_prior_state_back(moto: None) -> None:
    url = sqs_queue()
    ecs_service(desired=3)
    scaling = client("application-autoscaling")
    clients = {"application-autoscaling": scaling}
    queue = {
        "url": url,
        "consumer": {
            "ecs": {"cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/shop", "service": "worker"}
        },
    }
    held = {**PRIOR, "DynamicScalingInSuspended": True, "DynamicScalingOutSuspended": True}
    with Stubber(scaling) as stub:
        stub.add_response(
            "describe_scalable_targets",
            scalable_target(PRIOR),
            {**{k: v for k, v in SCALABLE.items() if k != "ResourceId"}, "ResourceIds": [RESOURCE]},
        )
        stub.add_response("register_scalable_target", {}, {**SCALABLE, "SuspendedState": held})
        stub.add_response("register_scalable_target", {}, {**SCALABLE, "SuspendedState": PRIOR})
        stub.add_response("register_scalable_target", {}, {**SCALABLE, "SuspendedState": PRIOR})
        built = throttle_queue_aws(
            fault("consumer", consumers=0),
            target(queue),
            lambda name: clients.get(name) or client(name),
            fault_id="f1-throttle-queue",
        )
        built.poll_interval_s = 0.01
        plan = built.revert_plan()
        assert plan["scalable_target"] == {"resource_id": RESOURCE, "suspended_state": PRIOR}
        outcome = built.inject()
        assert outcome.landed, outcome.detail
        assert outcome.detail.endswith(f"from 3 to 0 (dynamic scaling of {RESOURCE} suspended)")
        assert desired_count() == 0
        built.revert()
        built.revert()  # idempotent: the same prior count and state again
        stub.assert_no_pending_responses()
    assert desired_count() == 3


def test_the_undo_from_the_ledger_plan_puts_back_count_then_suspended_state(moto: None) -> None:
    ecs_service(desired=1)
    scaling = client("application-autoscaling")
    plan = {
        "action": "aws-ecs-desired-count",
        "cluster": "shop",
        "service": "worker",
        "desired_count": 2,
        "scalable_target": {"resource_id": RESOURCE, "suspended_state": PRIOR},
    }
    with Stubber(scaling) as stub:
        stub.add_response("register_scalable_target", {}, {**SCALABLE, "SuspendedState": PRIOR})
        undo = UNDO["aws-ecs-desired-count"]  # what `gameday rollback` runs for this plan
        assert "aws-ecs-desired-count" in REVERTERS  # rollback reaches the same undo
        done = undo(plan, lambda name: scaling if name == "application-autoscaling" else client(name))
        stub.assert_no_pending_responses()
    assert desired_count() == 2
    assert done.endswith(
        f"back to desired count 2; scalable target {RESOURCE} back to ScheduledScalingSuspended"
    )


def test_an_ecs_consumer_without_a_scalable_target_is_not_registered_as_one(moto: None) -> None:
    url = sqs_queue()
    ecs_service(desired=2)
    scaling = client("application-autoscaling")
    queue = {"url": url, "consumer": {"ecs": {"cluster": "shop", "service": "worker"}}}
    with Stubber(scaling) as stub:  # any RegisterScalableTarget would find no response and raise
        stub.add_response("describe_scalable_targets", {"ScalableTargets": []})
        built = throttle_queue_aws(
            fault("consumer"),
            target(queue),
            lambda name: scaling if name == "application-autoscaling" else client(name),
            fault_id="f1",
        )
        built.poll_interval_s = 0.01
        assert built.revert_plan()["scalable_target"] is None
        assert built.inject().landed
        built.revert()
        stub.assert_no_pending_responses()
    assert desired_count() == 2


def lambda_function() -> None:
    role = client("iam").create_role(
        RoleName="worker",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", "def handle(event, context):\n    return None\n")
    client("lambda").create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": archive.getvalue()},
    )


def reserved() -> int | None:
    value = (
        client("lambda").get_function_concurrency(FunctionName=FUNCTION).get("ReservedConcurrentExecutions")
    )
    return None if value is None else int(value)


@pytest.mark.parametrize("prior", [None, 7])
def test_consumer_on_lambda_reserved_concurrency_restores_the_prior_setting(
    moto: None, prior: int | None
) -> None:
    url = sqs_queue()
    lambda_function()
    if prior is not None:
        client("lambda").put_function_concurrency(FunctionName=FUNCTION, ReservedConcurrentExecutions=prior)
    queue = {"url": url, "consumer": {"lambda": FUNCTION, "via": "reserved-concurrency"}}
    built = injector(fault("consumer"), queue)
    assert built.revert_plan()["reserved"] == prior
    outcome = built.inject()
    assert outcome.landed, outcome.detail
    assert reserved() == 0
    built.revert()
    built.revert()
    assert reserved() == prior


def test_consumer_on_event_source_mappings_disables_and_re_enables_exactly_the_enabled_ones(
    moto: None,
) -> None:
    url = sqs_queue()
    lambda_function()
    lam = client("lambda")
    arn = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    enabled = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=FUNCTION)["UUID"]
    queue = {"url": url, "consumer": {"lambda": FUNCTION, "via": "event-source-mapping"}}
    built = injector(fault("consumer"), queue)
    assert built.revert_plan() == {"action": "aws-lambda-enable-mappings", "uuids": [enabled]}
    outcome = built.inject()
    assert outcome.landed, outcome.detail
    assert outcome.affected == [enabled]
    assert lam.get_event_source_mapping(UUID=enabled)["State"] in {"Disabled", "Disabling"}
    built.revert()
    built.revert()
    assert lam.get_event_source_mapping(UUID=enabled)["State"] in {"Enabled", "Enabling"}


def test_paused_mappings_already_paused_do_not_land_and_change_nothing(moto: None) -> None:
    url = sqs_queue()
    lambda_function()
    lam = client("lambda")
    arn = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=FUNCTION, Enabled=False)["UUID"]
    built = injector(
        fault("consumer"), {"url": url, "consumer": {"lambda": FUNCTION, "via": "event-source-mapping"}}
    )
    assert built.revert_plan()["action"] == "none"
    outcome = built.inject()
    assert not outcome.landed
    assert "already paused?" in outcome.detail
    built.revert()
    assert lam.get_event_source_mapping(UUID=uuid)["State"] in {"Disabled", "Disabling"}


def test_access_denied_is_a_fault_that_did_not_land() -> None:
    sqs = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    url = f"https://sqs.{REGION}.amazonaws.com/123456789012/orders"
    with Stubber(sqs) as stub:
        stub.add_response("get_queue_attributes", {"Attributes": {"DelaySeconds": "0"}})
        stub.add_client_error(
            "set_queue_attributes", "AccessDenied", "not allowed to SetQueueAttributes", 403
        )
        built = throttle_queue_aws(
            fault("delay", delay=30), target({"url": url}), lambda _: sqs, fault_id="f1"
        )
        outcome = built.inject()
    assert not outcome.landed
    assert outcome.detail == "sqs:SetQueueAttributes failed: AccessDenied: not allowed to SetQueueAttributes"


def test_refused_read_plans_nothing_to_undo() -> None:
    sqs = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    url = f"https://sqs.{REGION}.amazonaws.com/123456789012/orders"
    with Stubber(sqs) as stub:
        stub.add_client_error("get_queue_attributes", "AccessDenied", "no", 403)
        built = throttle_queue_aws(
            fault("delay", delay=30), target({"url": url}), lambda _: sqs, fault_id="f1"
        )
        plan = built.revert_plan()
        outcome = built.inject()
    assert plan == {
        "action": "none",
        "why": "nothing was changed: sqs:GetQueueAttributes failed: AccessDenied: no",
    }
    assert not outcome.landed


@pytest.mark.parametrize(
    ("fault_", "queue", "message"),
    [
        (
            fault("reject-sends", share=0.5),
            {"url": "u"},
            "throttle-queue mode reject-sends is localcloud-only",
        ),
        (fault("consumer"), {"url": "u"}, "queue 'orders' maps no consumer"),
        (fault("consumer"), {"url": "u", "consumer": {"via": "reserved-concurrency"}}, "needs lambda"),
        (fault("consumer"), {"url": "u", "consumer": {"lambda": "f"}}, "needs ecs"),
        (
            fault("consumer", consumers=2),
            {"url": "u", "consumer": {"lambda": "f", "via": "event-source-mapping"}},
            "can only be paused",
        ),
    ],
)
def test_targets_file_gaps_are_input_errors_before_the_run(
    fault_: ThrottleQueue, queue: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        throttle_queue_aws(fault_, target(queue), partial(boto3.client, region_name=REGION), fault_id="f1")


def test_unmapped_queue_is_an_input_error() -> None:
    aws = AwsTarget.model_validate(
        {"kind": "aws", "region": REGION, "account_allowlist": ["1"], "entry_url": "https://x"}
    )
    with pytest.raises(InputError, match="maps no queue 'orders'"):
        throttle_queue_aws(fault("delay", delay=5), aws, client, fault_id="f1")


def test_rollback_from_the_ledger_puts_the_queue_back(moto: None, tmp_path: Path) -> None:
    """A run killed after inject: the ledger's plan and the targets file are all rollback needs."""
    url = sqs_queue(delay="5")
    mapped = target({"url": url})
    run_dir = killed_run(
        tmp_path, mapped, injector(fault("delay", delay=60), {"url": url}), "throttle-queue", "queue:orders"
    )
    assert delay_of(url) == "60"

    assert main(["rollback", str(run_dir), "--targets", str(tmp_path / "targets.yaml")]) == 0
    assert delay_of(url) == "5"
    assert Ledger(run_dir / "ledger.jsonl").unreverted() == []
    assert rollback(run_dir, tmp_path, tmp_path / "targets.yaml") == 0  # nothing left the second time


def test_the_registry_serves_throttle_queue_via_api_on_aws(moto: None) -> None:
    url = sqs_queue(delay="0")
    built = build_injector(fault("delay", delay=10), target({"url": url}), fault_id="f1", run_id="r1")
    assert built.describe() == f"set DelaySeconds of SQS queue {url} to 10"
    assert built.revert_plan()["attributes"] == {"DelaySeconds": "0"}


@pytest.mark.parametrize(
    ("targets_yaml", "message"),
    [
        (None, "no targets file, so no target named 'shop-aws'"),
        ({"targets": {"shop-aws": {"kind": "localcloud"}}}, "is not an AWS target"),
    ],
)
def test_rollback_without_the_runs_aws_target_keeps_the_fault_open(
    moto: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], targets_yaml: Any, message: str
) -> None:
    url = sqs_queue(delay="5")
    mapped = target({"url": url})
    run_dir = killed_run(
        tmp_path, mapped, injector(fault("delay", delay=60), {"url": url}), "throttle-queue", "q"
    )
    targets = tmp_path / "targets.yaml"
    if targets_yaml is None:
        targets.unlink()
    else:
        targets.write_text(yaml.safe_dump(targets_yaml))

    assert rollback(run_dir, tmp_path, targets) == 3
    assert message in capsys.readouterr().err
    assert [f.fault_id for f in Ledger(run_dir / "ledger.jsonl").unreverted()] == ["f1-throttle-queue"]
    assert delay_of(url) == "60"
