"""The path kinds: break-network, add-latency and fail-requests on a ``source->destination`` path.

This module holds the three kinds, whole (:data:`BREAK_NETWORK`, :data:`ADD_LATENCY`,
:data:`FAIL_REQUESTS`). ``core`` holds what every backend shares (which harm a scenario entry asks
for, and the flow: refuse an unknown or already broken path, apply, observe the harm, restore);
``local`` applies the harm through a localcloud dependency proxy and watches it with ``probe``;
``aws`` cuts a path with security-group or network-ACL changes. Adding latency and failing
requests on AWS only FIS can do.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from pydantic import Field

from faults.api_change import AwsClients
from faults.base import Injector
from faults.fis.parts import ecs_tasks, iso_duration, lambda_function, opt_in_tags
from faults.kind import FaultKind, FisAction, ProviderArgs, Revert, RevertPlanModel, through_aws
from faults.network.aws import UNDO, break_network_aws
from faults.network.core import PathFault, PathFaultInjector
from faults.network.local import LocalcloudPaths, PathControlApi, clear_path_fault_from_plan
from faults.network.spec import AddLatency, BreakNetwork, FailRequests
from gameday.aws_session import aws_client
from gameday.errors import InputError
from gameday.iam.grants import Arns, Grant
from gameday.localcloud.client import LocalcloudClient
from gameday.safety.resources import Resource, path_resources
from gameday.targets import AwsTarget, LocalTarget


class SecurityGroupRule(RevertPlanModel):
    rule_id: str
    ip_permission: dict[str, Any]


class RestoreIngress(RevertPlanModel):
    action: Literal["aws-sg-ingress"]
    group_id: str = Field(min_length=1)
    rules: list[SecurityGroupRule] = Field(min_length=1)


class DeleteNaclEntries(RevertPlanModel):
    action: Literal["aws-nacl-entries"]
    entries: list[dict[str, Any]] = Field(min_length=1)


class ClearLocalPathFault(RevertPlanModel):
    action: Literal["localcloud-clear-path-fault"]
    control_url: str
    edge: str
    fault: dict[str, Any]


_CLEAR_LOCAL = Revert(ClearLocalPathFault, clear_path_fault_from_plan)


def _local(fault: PathFault, target: LocalTarget, args: ProviderArgs) -> Injector:
    given = args.localcloud_client
    client = given if isinstance(given, PathControlApi) else LocalcloudClient(target.control_url)
    return PathFaultInjector(fault, LocalcloudPaths(client, target.control_url), fault_id=args.fault_id)


def _break_aws(fault: BreakNetwork, target: AwsTarget, args: ProviderArgs) -> Injector:
    clients: AwsClients = partial(aws_client, target)
    return break_network_aws(fault, target, clients, fault_id=args.fault_id)


def _touches(fault: PathFault, target: AwsTarget) -> list[Resource]:
    return path_resources(target.path(fault.target.path))


def _break_fis(fault: BreakNetwork, target: AwsTarget) -> FisAction:
    if fault.mode != "blackhole":
        raise InputError(
            "faults: FIS can only blackhole a path (deny rules drop packets); use mode blackhole"
        )
    path = target.path(fault.target.path)
    duration = iso_duration(fault.for_)
    if path.subnets:
        subnets = {
            "resourceType": "aws:ec2:subnet",
            "resourceTags": opt_in_tags(target),
            "filters": [{"path": "SubnetId", "values": list(path.subnets)}],
            "selectionMode": "ALL",
        }
        return FisAction(
            "aws:network:disrupt-connectivity", "Subnets", {"duration": duration, "scope": "all"}, subnets
        )
    if path.port is None:
        raise InputError(
            f"targets: path '{fault.target.path}' needs subnets (NACL deny) or a port (task blackhole) "
            "for FIS"
        )
    parameters = {
        "duration": duration,
        "port": str(path.port),
        "protocol": path.protocol,
        "trafficType": "egress",
    }
    tasks = ecs_tasks(target, fault.target.source, None, None)
    return FisAction("aws:ecs:task-network-blackhole-port", "Tasks", parameters, tasks)


def _latency_fis(fault: AddLatency, target: AwsTarget) -> FisAction:
    path = target.path(fault.target.path)
    duration = iso_duration(fault.for_)
    if path.lambda_function:
        parameters = {"duration": duration, "startupDelayMilliseconds": str(fault.delay_ms)}
        return FisAction(
            "aws:lambda:invocation-add-delay", "Functions", parameters, lambda_function(target, path)
        )
    parameters = {
        "duration": duration,
        "delayMilliseconds": str(fault.delay_ms),
        "jitterMilliseconds": str(fault.jitter_ms),
        "sources": "ALL",
    }
    tasks = ecs_tasks(target, fault.target.source, None, None)
    return FisAction("aws:ecs:task-network-latency", "Tasks", parameters, tasks)


def _fail_fis(fault: FailRequests, target: AwsTarget) -> FisAction:
    path = target.path(fault.target.path)
    if not path.lambda_function:
        raise InputError(
            "targets: FIS fails requests only inside Lambda functions; "
            f"map a lambda for path '{fault.target.path}'"
        )
    parameters = {
        "duration": iso_duration(fault.for_),
        "statusCode": str(fault.status),
        "contentTypeHeader": "application/json",
        "preventExecution": "true",
        "invocationPercentage": str(max(1, round(fault.share * 100))),
    }
    return FisAction(
        "aws:lambda:invocation-http-integration-response",
        "Functions",
        parameters,
        lambda_function(target, path),
    )


def _break_permissions(fault: BreakNetwork, target: AwsTarget, arns: Arns) -> list[Grant]:
    """What :func:`break_network_aws` calls for the fault's method: an ingress rule, or ACL entries."""
    if fault.via != "api":
        return []  # FIS changes the network ACLs, as the experiment role
    if fault.method == "nacl":
        entries = ("ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAclEntry")
        return [
            Grant("find the subnets' network ACLs", ("ec2:DescribeNetworkAcls",)),
            Grant("deny the path in the ACLs and lift it", entries, (arns.arn("ec2", "network-acl/*"),)),
        ]
    path = target.path(fault.target.path)
    group = arns.security_group(path.security_group) if path.security_group else arns.security_group("*")
    change = ("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress")
    return [
        Grant("find the path's ingress rules", ("ec2:DescribeSecurityGroupRules",)),
        Grant("revoke the path's ingress rule and put it back", change, (group,)),
    ]


BREAK_NETWORK = FaultKind(
    spec=BreakNetwork,
    local=_local,
    aws={"api": _break_aws},
    reverts=[
        Revert(RestoreIngress, through_aws(UNDO["aws-sg-ingress"])),
        Revert(DeleteNaclEntries, through_aws(UNDO["aws-nacl-entries"])),
        _CLEAR_LOCAL,
    ],
    touches=_touches,
    fis=_break_fis,
    permissions=_break_permissions,
)
ADD_LATENCY = FaultKind(
    spec=AddLatency, local=_local, reverts=[_CLEAR_LOCAL], touches=_touches, fis=_latency_fis
)
FAIL_REQUESTS = FaultKind(
    spec=FailRequests, local=_local, reverts=[_CLEAR_LOCAL], touches=_touches, fis=_fail_fis
)
