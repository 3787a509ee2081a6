"""``gameday targets from-stack``: the shop template's outputs, read back from CloudFormation, as a target."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_fault_run import client, mocked_account
from deploy_templates import read_template

from gameday.cli import main
from gameday.commands.from_stack import RUNNER_OUTPUTS, SHOP_OUTPUTS
from gameday.targets import AwsTarget

ROOT = Path(__file__).resolve().parent.parent


def template_outputs(name: str) -> set[str]:
    return set(read_template(name)["Outputs"])


# what CloudFormation would answer for a deployed shop (values in the shapes AWS gives them)
DEPLOYED = {
    "EntryUrl": "http://shop-alb-123.eu-west-1.elb.amazonaws.com",
    "LoadBalancer": "app/shop-alb/50dc6c495c0c9188",
    "ClusterName": "shop",
    "OrdersQueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/shop-OrdersQueue-AbC",
    "OrdersQueueName": "shop-OrdersQueue-AbC",
    "ErrorsAlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-ErrorsAlarm-XyZ",
    "OptInTag": "gameday:allowed=true",
    **{
        f"{name}{kind}": value
        for name in ("Bff", "Catalog", "Orders", "Worker")
        for kind, value in (
            ("ServiceName", name.lower()),
            ("SecurityGroup", f"sg-0{name.lower():0<16}"[:20]),
            ("Subnets", f"subnet-0{name.lower()}a0000000000,subnet-0{name.lower()}b0000000000"),
        )
    },
}
RUNNER = {
    "FisRoleArn": "arn:aws:iam::123456789012:role/gameday-runner-FisExperimentRole-1",
    "ResultsTopicArn": "arn:aws:sns:eu-west-1:123456789012:gameday-runner-Results-1",
}


def stack_with_outputs(name: str, outputs: dict[str, str]) -> None:
    """A stack whose outputs are the given values (one queue, since a stack needs a resource)."""
    body = {
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(body))


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with mocked_account(monkeypatch):
        yield


def commented_example() -> dict[str, Any]:
    """The commented ``staging`` target of the repository's targets.yaml, uncommented."""
    lines = (ROOT / "targets.yaml").read_text().splitlines()
    start = lines.index("  # staging:")
    block = []
    for line in lines[start:]:
        if not line.startswith("  #"):
            break
        block.append(line[4:])
    example: dict[str, Any] = yaml.safe_load("\n".join(block))["staging"]
    return example


def shape(value: Any) -> Any:
    """The keys of nested mappings, the first item's shape for lists: what two entries share."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list) and value:
        return [shape(value[0])]
    return type(value).__name__


def test_the_template_has_every_output_the_command_reads() -> None:
    assert set(SHOP_OUTPUTS) <= template_outputs("shop.yaml")
    assert set(RUNNER_OUTPUTS) <= template_outputs("runner.yaml")
    assert set(DEPLOYED) == set(SHOP_OUTPUTS)


def test_the_entry_has_the_commented_examples_shape_and_validates(
    account: None, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_with_outputs("shop", DEPLOYED)
    stack_with_outputs("gameday-runner", RUNNER)

    assert main(["targets", "from-stack", "shop", "--runner-stack", "gameday-runner"]) == 0

    printed = yaml.safe_load(capsys.readouterr().out)
    entry = printed["targets"]["staging"]
    AwsTarget.model_validate(entry)
    example = commented_example()
    del example["profile"]  # the reader's own; written only when --profile is given
    # every path the example shows is one the stack has, with the same fields
    assert shape(entry["paths"]["bff->orders"]) == shape(example["paths"]["bff->orders"])
    entry_shape = shape(entry)
    assert entry_shape == shape(example) | {"paths": entry_shape["paths"]}
    assert entry["account_allowlist"] == ["123456789012"]
    assert entry["queues"]["orders"]["consumer"] == {"ecs": {"cluster": "shop", "service": "worker"}}
    assert entry["paths"]["bff->catalog"]["subnets"] == [
        "subnet-0cataloga0000000000",
        "subnet-0catalogb0000000000",
    ]
    assert entry["results_topic_arn"] == RUNNER["ResultsTopicArn"]


def test_a_missing_stack_or_one_of_another_template_is_one_line(
    account: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["targets", "from-stack", "nope"]) == 2
    assert "stack nope: no such CloudFormation stack in this account and region" in capsys.readouterr().err

    stack_with_outputs("other", {"Something": "else"})
    assert main(["targets", "from-stack", "other"]) == 2
    err = capsys.readouterr().err
    assert "stack other (CREATE_COMPLETE): lacks the outputs EntryUrl, LoadBalancer" in err
    assert "Traceback" not in err
