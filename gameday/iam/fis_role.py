"""The FIS experiment role's policy: what FIS needs for the actions the scenarios' experiments run.

The actions are those of each FIS action as the FIS user guide and AWS's managed FIS policies list
them; network ACL changes are held to the ACLs FIS creates and tags ``managedByFIS=true``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from faults.catalogue import kind_of
from gameday.errors import InputError
from gameday.iam.grants import Grant, policy_document
from gameday.scenario import Scenario
from gameday.targets import AwsTarget

_SSM_COMMANDS = ("ssm:SendCommand", "ssm:ListCommands", "ssm:CancelCommand")
_TASK_NETWORK = (
    "ecs:DescribeTasks",
    *_SSM_COMMANDS,
    "ecs:DescribeContainerInstances",
    "ec2:DescribeInstances",
    "ec2:DescribeSubnets",
)
_ACL_MADE_BY_FIS = {"StringEquals": {"ec2:ResourceTag/managedByFIS": "true"}}
_BY_ACTION: dict[str, list[Grant]] = {
    "aws:ecs:stop-task": [
        Grant(
            "stop the selected tasks",
            ("ecs:DescribeTasks", "ecs:ListTasks", "ecs:StopTask", "tag:GetResources"),
        )
    ],
    "aws:ecs:task-cpu-stress": [
        Grant("stress the tasks' CPU through SSM", ("ecs:DescribeTasks", *_SSM_COMMANDS))
    ],
    "aws:ecs:task-network-latency": [Grant("delay the tasks' traffic through SSM", _TASK_NETWORK)],
    "aws:ecs:task-network-blackhole-port": [Grant("drop the tasks' traffic through SSM", _TASK_NETWORK)],
    "aws:ecs:task-network-packet-loss": [Grant("lose the tasks' packets through SSM", _TASK_NETWORK)],
    "aws:network:disrupt-connectivity": [
        Grant(
            "read the subnets to cut",
            (
                "ec2:DescribeManagedPrefixLists",
                "ec2:DescribeNetworkAcls",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "ec2:GetManagedPrefixListEntries",
                "ec2:ReplaceNetworkAclAssociation",
            ),
        ),
        Grant(
            "make its own network ACLs",
            ("ec2:CreateNetworkAcl",),
            condition={"StringEquals": {"aws:RequestTag/managedByFIS": "true"}},
        ),
        Grant(
            "tag the ACLs it makes",
            ("ec2:CreateTags",),
            condition={"StringEquals": {"ec2:CreateAction": "CreateNetworkAcl"}},
        ),
        Grant(
            "change only the ACLs it made",
            ("ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"),
            condition=_ACL_MADE_BY_FIS,
        ),
    ],
    "aws:lambda:invocation-add-delay": [
        Grant(
            "fault the functions",
            ("lambda:GetFunction", "tag:GetResources", "s3:PutObject", "s3:DeleteObject"),
        )
    ],
    "aws:lambda:invocation-error": [
        Grant(
            "fault the functions",
            ("lambda:GetFunction", "tag:GetResources", "s3:PutObject", "s3:DeleteObject"),
        )
    ],
    "aws:lambda:invocation-http-integration-response": [
        Grant(
            "fault the functions",
            ("lambda:GetFunction", "tag:GetResources", "s3:PutObject", "s3:DeleteObject"),
        )
    ],
    "aws:cloudwatch:assert-alarm-state": [Grant("check the alarms", ("cloudwatch:DescribeAlarms",))],
    "aws:ecs:drain-container-instances": [
        Grant(
            "drain the container instances",
            (
                "ecs:DescribeClusters",
                "ecs:ListContainerInstances",
                "ecs:UpdateContainerInstancesState",
                "tag:GetResources",
            ),
        )
    ],
    "aws:ec2:api-insufficient-instance-capacity-error": [
        Grant(
            "make EC2 refuse capacity to the target roles",
            ("ec2:InjectApiError",),
            condition={
                "ForAnyValue:StringEquals": {
                    "ec2:FisActionId": ["aws:ec2:api-insufficient-instance-capacity-error"]
                }
            },
        )
    ],
    "aws:ec2:stop-instances": [
        Grant(
            "stop and start the instances",
            ("ec2:DescribeInstances", "ec2:StartInstances", "ec2:StopInstances"),
        )
    ],
    "aws:fis:inject-api-throttle-error": [
        Grant("throttle the role's API calls", ("fis:InjectApiThrottleError",))
    ],
    "aws:fis:inject-api-internal-error": [
        Grant("fail the role's API calls", ("fis:InjectApiInternalError",))
    ],
    "aws:fis:inject-api-unavailable-error": [
        Grant("fail the role's API calls", ("fis:InjectApiUnavailableError",))
    ],
    "aws:fis:wait": [],
}


def fis_role_policy(scenarios: Sequence[Scenario], target: AwsTarget) -> dict[str, Any]:
    """The role's policy document; an FIS action gameday has no list for is named, exit 2."""
    grants: list[Grant] = []
    for action in sorted(fis_actions(scenarios, target)):
        if action not in _BY_ACTION:
            known = ", ".join(sorted(_BY_ACTION))
            raise InputError(f"iam-policy: no permissions known for FIS action {action} (known: {known})")
        grants += _BY_ACTION[action]
    return policy_document(grants)


def fis_actions(scenarios: Sequence[Scenario], target: AwsTarget) -> set[str]:
    """Every FIS action id the scenarios' experiments run on ``target``."""
    found: set[str] = set()
    for scenario in scenarios:
        for fault in scenario.faults:
            kind = kind_of(fault)
            if kind.fis_template is not None:
                template = kind.fis_template(fault, target, "policy", "policy")
                found.update(str(action["actionId"]) for action in template.get("actions", {}).values())
            elif fault.via == "fis" and kind.fis is not None:
                found.add(kind.fis(fault, target).action_id)
    return found
