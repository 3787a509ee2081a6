"""``gameday targets from-stack STACK``: the ``targets.yaml`` entry for a shop deployed by deploy/shop.yaml.

Every logical name the catalogue's scenarios use (services, the orders queue, the paths, the
dependencies as the traces show them) is read from the stack's outputs, so the entry matches what
was deployed and nobody copies ARNs by hand. ``--runner-stack`` adds the FIS role and the results
topic from the runner's stack (deploy/runner.yaml).
"""

from __future__ import annotations

from typing import Any

import yaml
from botocore.exceptions import ClientError

from gameday.aws_session import default_client, reading
from gameday.errors import InputError
from gameday.targets import AwsTarget

SERVICES = ("bff", "catalog", "orders", "worker")
PATHS = {"bff->catalog": ("Bff", "Catalog"), "bff->orders": ("Bff", "Orders")}
SHOP_OUTPUTS = (
    "EntryUrl",
    "LoadBalancer",
    "ClusterName",
    "OrdersQueueUrl",
    "OrdersQueueName",
    "ErrorsAlarmArn",
    "OptInTag",
    *(
        f"{name.capitalize()}{kind}"
        for name in SERVICES
        for kind in ("ServiceName", "SecurityGroup", "Subnets")
    ),
)
RUNNER_OUTPUTS = ("FisRoleArn", "ResultsTopicArn")
SHOP_PORT = 8080


def stack_outputs(stack: str, expected: tuple[str, ...], cloudformation: Any) -> tuple[dict[str, str], str]:
    """The outputs of ``stack`` (all of ``expected`` must be there) and the stack's account."""

    def not_there(error: ClientError) -> str | None:
        if "does not exist" in str(error.response.get("Error", {}).get("Message", "")):
            return "no such CloudFormation stack in this account and region"
        return None

    with reading(f"stack {stack}", not_there):
        (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {item["OutputKey"]: item["OutputValue"] for item in found.get("Outputs", [])}
    missing = [key for key in expected if key not in outputs]
    if missing:
        raise InputError(
            f"stack {stack} ({found.get('StackStatus', 'unknown status')}): lacks the outputs "
            f"{', '.join(missing)}; is it a stack of the template gameday's deploy/ folder has?"
        )
    account = found["StackId"].split(":")[4]
    return outputs, account


def target_entry(
    region: str, account: str, shop: dict[str, str], runner: dict[str, str] | None
) -> dict[str, Any]:
    """The target as ``targets.yaml`` holds it, from the shop's (and the runner's) outputs."""
    cluster = shop["ClusterName"]
    services = {
        name: {"cluster": cluster, "service": shop[f"{name.capitalize()}ServiceName"]} for name in SERVICES
    }
    entry: dict[str, Any] = {
        "kind": "aws",
        "region": region,
        "account_allowlist": [account],
        "entry_url": shop["EntryUrl"],
        "opt_in_tag": shop["OptInTag"],
        "blast_radius_percent": 50,
    }
    if runner is not None:
        entry["fis_role_arn"] = runner["FisRoleArn"]
    entry["stop_alarms"] = [shop["ErrorsAlarmArn"]]
    if runner is not None:
        entry["results_topic_arn"] = runner["ResultsTopicArn"]
    entry["load_balancer"] = shop["LoadBalancer"]
    entry["services"] = services
    entry["queues"] = {"orders": {"url": shop["OrdersQueueUrl"], "consumer": {"ecs": services["worker"]}}}
    entry["xray_sampling"] = "run-rule"
    entry["xray_services"] = list(SERVICES)
    entry["dependencies"] = {
        "catalog": {"host": f"catalog.shop.local:{SHOP_PORT}"},
        "orders": {"host": f"orders.shop.local:{SHOP_PORT}"},
        "orders-queue": {"aws": "SQS", "resource": shop["OrdersQueueName"]},
    }
    entry["paths"] = {
        path: {
            "security_group": shop[f"{destination}SecurityGroup"],
            "source_security_group": shop[f"{source}SecurityGroup"],
            "port": SHOP_PORT,
            "subnets": shop[f"{destination}Subnets"].split(","),
        }
        for path, (source, destination) in PATHS.items()
    }
    AwsTarget.model_validate(entry)  # what this prints, gameday reads back
    return entry


def from_stack(
    stack: str, name: str, region: str | None, profile: str | None, runner_stack: str | None
) -> int:
    cloudformation = default_client("cloudformation", profile, region)
    shop, account = stack_outputs(stack, SHOP_OUTPUTS, cloudformation)
    runner = stack_outputs(runner_stack, RUNNER_OUTPUTS, cloudformation)[0] if runner_stack else None
    entry = target_entry(cloudformation.meta.region_name, account, shop, runner)
    if profile is not None:
        entry = {"kind": "aws", "region": entry["region"], "profile": profile, **entry}
    print(f"# from CloudFormation stack {stack}" + (f" and {runner_stack}" if runner_stack else ""))
    print(yaml.safe_dump({"targets": {name: entry}}, sort_keys=False, width=120), end="")
    return 0
