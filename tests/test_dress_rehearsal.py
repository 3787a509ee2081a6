"""The dress rehearsal: a dry run of the catalogue against the shop as deploy/shop.yaml builds it.

The shop's resources are created in moto by CloudFormation from the template itself. What moto's
CloudFormation cannot host (Cloud Map, Application Auto Scaling, CloudWatch alarms, ECS service
tags, the ALB's CloudWatch name) is left out or supplied from the same template's definitions, and
named here. The target is the one ``gameday targets from-stack`` prints for that stack, and every
scenario that can run on it rehearses: the account must be exactly as it was afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_fault_run import REGION, client, mocked_account
from cfnlint.decode import decode_str
from deploy_templates import DEPLOY
from moto.cloudformation.parsing import get_model_map

from gameday.cli import main
from gameday.commands.from_stack import target_entry

ROOT = Path(__file__).resolve().parent.parent
NOT_IN_MOTO = {  # resource types moto's CloudFormation does not create, and what stands in for them
    "AWS::ServiceDiscovery::PrivateDnsNamespace": "not read by a dry run",
    "AWS::ServiceDiscovery::Service": "not read by a dry run",
    "AWS::ApplicationAutoScaling::ScalableTarget": "not read by a dry run",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "not read by a dry run",
    "AWS::CloudWatch::Alarm": "created with PutMetricAlarm from the template's own properties",
}
# What each catalogue scenario's dry run must show on the shop's resources: a change it would make,
# or the one line that refuses it before anything starts (localcloud-sized faults AWS cannot run).
REHEARSED = {
    "bff-load-surge": "inject: sqs:SetQueueAttributes",
    "bff-orders-blackhole": "inject: ec2:RevokeSecurityGroupIngress",
    "ci-catalog-breaker": "inject: ec2:RevokeSecurityGroupIngress",
    "ci-orders-kill-one": "inject: ecs:StopTask",
    "orders-queue-backlog": "inject: ecs:UpdateService",
    "orders-task-loss": "inject: ecs:StopTask",
}
REFUSED = {
    "az-impairment": "impair-zone us-east-1a: none of the mapped services runs a task in us-east-1a",
    "catalog-cpu-stress": "FIS actions last from 1 minute to 12 hours; 'for' is 25s",
    "catalog-errors": "FIS fails requests only inside Lambda functions; map a lambda for path",
    "catalog-latency": "FIS actions last from 1 minute to 12 hours; 'for' is 25s",
    "ci-catalog-retries": "FIS fails requests only inside Lambda functions; map a lambda for path",
}
# moto has no FIS: these resolve their targets through FIS and tag:GetResources
NOT_REHEARSED = {"az-impairment-fis", "orders-fis-template"}


def moto_template() -> tuple[dict[str, Any], dict[str, Any]]:
    """The shop template as moto can create it, and the resources left out (by logical id)."""
    template, problems = decode_str((DEPLOY / "shop.yaml").read_text())
    assert not problems
    supported = get_model_map()
    left_out = {name: res for name, res in template["Resources"].items() if res["Type"] not in supported}
    assert {res["Type"] for res in left_out.values()} <= set(NOT_IN_MOTO)

    def mentions_left_out(value: Any) -> bool:
        text = json.dumps(value, default=str)
        return any(f'"{name}"' in text or f'"{name}.' in text for name in left_out)

    for name in left_out:
        del template["Resources"][name]
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in [key for key, value in properties.items() if mentions_left_out(value)]:
            del properties[key]  # the services' Cloud Map registrations
    template["Outputs"] = {k: v for k, v in template["Outputs"].items() if not mentions_left_out(v)}
    return template, left_out


def deploy_in_moto() -> dict[str, str]:
    """Create the shop stack in moto; its outputs, completed where moto's CloudFormation falls short."""
    template, left_out = moto_template()
    cloudformation = client("cloudformation")
    cloudformation.create_stack(
        StackName="shop",
        TemplateBody=json.dumps(template, default=str),
        Parameters=[
            {
                "ParameterKey": "ImageUri",
                "ParameterValue": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/gameday:1",
            },
            {"ParameterKey": "AllowedCidr", "ParameterValue": "203.0.113.0/24"},
        ],
        Capabilities=["CAPABILITY_IAM"],
    )
    (stack,) = cloudformation.describe_stacks(StackName="shop")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stack["Outputs"]}
    # moto does not give an ALB's CloudWatch name (app/NAME/ID): it is the tail of its ARN
    (balancer,) = client("elbv2").describe_load_balancers()["LoadBalancers"]
    outputs["LoadBalancer"] = balancer["LoadBalancerArn"].split(":loadbalancer/")[1]
    outputs["ErrorsAlarmArn"] = _alarm(left_out["ErrorsAlarm"]["Properties"], outputs["LoadBalancer"])
    _tag_services_and_start_their_tasks(template, outputs["ClusterName"])
    return outputs


def _alarm(properties: dict[str, Any], balancer: str) -> str:
    client("cloudwatch").put_metric_alarm(
        AlarmName="shop-ErrorsAlarm",
        AlarmDescription=properties["AlarmDescription"],
        Namespace=properties["Namespace"],
        MetricName=properties["MetricName"],
        Dimensions=[{"Name": "LoadBalancer", "Value": balancer}],
        Statistic=properties["Statistic"],
        Period=properties["Period"],
        EvaluationPeriods=properties["EvaluationPeriods"],
        Threshold=50,
        ComparisonOperator=properties["ComparisonOperator"],
        TreatMissingData=properties["TreatMissingData"],
    )
    (alarm,) = client("cloudwatch").describe_alarms(AlarmNames=["shop-ErrorsAlarm"])["MetricAlarms"]
    return str(alarm["AlarmArn"])


def _tag_services_and_start_their_tasks(template: dict[str, Any], cluster: str) -> None:
    """What moto leaves to the caller: the opt-in tag the template gives each service (its
    CloudFormation drops ECS service tags) and the services' tasks (it never schedules any)."""
    tag = template["Mappings"]["OptIn"]["Tag"]
    ecs = client("ecs")
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::ECS::Service":
            continue
        name = resource["Properties"]["ServiceName"]
        (service,) = ecs.describe_services(cluster=cluster, services=[name])["services"]
        ecs.tag_resource(resourceArn=service["serviceArn"], tags=[{"key": tag["Key"], "value": tag["Value"]}])
        ecs.run_task(
            cluster=cluster,
            taskDefinition=service["taskDefinition"],
            count=service["desiredCount"],
            launchType="FARGATE",
            group=f"service:{name}",
            startedBy=service["deployments"][0]["id"],
        )


def account_state(outputs: dict[str, str]) -> dict[str, Any]:
    """What any fault of the catalogue would change: desired counts, rules, queue attributes, ACLs."""
    ecs, ec2, sqs = client("ecs"), client("ec2"), client("sqs")
    services = ecs.describe_services(cluster="shop", services=["bff", "catalog", "orders", "worker"])[
        "services"
    ]
    rules = ec2.describe_security_group_rules()["SecurityGroupRules"]
    return {
        "desired": {s["serviceName"]: s["desiredCount"] for s in services},
        "running_tasks": sorted(ecs.list_tasks(cluster="shop")["taskArns"]),
        "rules": sorted(json.dumps(rule, sort_keys=True, default=str) for rule in rules),
        "queue": sqs.get_queue_attributes(QueueUrl=outputs["OrdersQueueUrl"], AttributeNames=["All"])[
            "Attributes"
        ],
        "acls": json.dumps(ec2.describe_network_acls()["NetworkAcls"], sort_keys=True, default=str),
    }


@pytest.fixture(scope="module")
def staging(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as monkeypatch, mocked_account(monkeypatch):
        outputs = deploy_in_moto()
        entry = target_entry(REGION, "123456789012", outputs, None)
        targets = tmp_path_factory.mktemp("staging") / "targets.yaml"
        targets.write_text(yaml.safe_dump({"targets": {"staging": entry}}))
        yield targets, outputs


CATALOGUE = sorted(path.stem for path in (ROOT / "scenarios").glob("*.yaml"))


def test_every_catalogue_scenario_has_an_expected_rehearsal() -> None:
    assert sorted([*REHEARSED, *REFUSED, *NOT_REHEARSED]) == CATALOGUE


@pytest.mark.parametrize("scenario", sorted([*REHEARSED, *REFUSED]))
def test_the_catalogue_rehearses_on_the_shop_template_and_changes_nothing(
    staging: tuple[Path, dict[str, str]], scenario: str, capsys: pytest.CaptureFixture[str]
) -> None:
    targets, outputs = staging
    before = account_state(outputs)
    path = ROOT / "scenarios" / f"{scenario}.yaml"

    code = main(["run", str(path), "--target", "staging", "--targets", str(targets), "--dry-run"])

    printed = capsys.readouterr()
    if scenario in REHEARSED:
        assert code == 0, printed.err
        assert "pre-flight passed; reads were made, no change was sent" in printed.out
        assert "opted in" in printed.out
        assert REHEARSED[scenario] in printed.out
    else:
        assert code == 2
        assert REFUSED[scenario] in printed.err
        assert "Traceback" not in printed.err
    assert account_state(outputs) == before
