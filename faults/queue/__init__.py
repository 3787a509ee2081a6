"""throttle-queue: slow a queue down for the window, then put back exactly what was there.

This module is the kind, whole (:data:`KIND`): on AWS ``aws`` turns the consumer down (ECS desired
count, Lambda reserved concurrency, disabled event source mappings) or delays new messages; on
localcloud ``local`` does the same through the control API, or rejects a share of sends. AWS FIS
has no queue action, so there is no FIS mapping.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from pydantic import Field

from faults.api_change import AwsClients
from faults.base import Injector
from faults.kind import FaultKind, ProviderArgs, Revert, RevertPlanModel, through_aws
from faults.queue.aws import UNDO, throttle_queue_aws
from faults.queue.local import QueueControlApi, throttle_queue_local, undo_queue_throttle
from faults.queue.spec import ThrottleQueue
from gameday.aws_session import aws_client
from gameday.iam.grants import Arns, Grant
from gameday.localcloud.client import LocalcloudClient
from gameday.safety.resources import Resource, queue_resources
from gameday.targets import AwsTarget, LocalTarget


class RestoreQueueAttributes(RevertPlanModel):
    action: Literal["aws-sqs-attributes"]
    queue_url: str = Field(min_length=1)
    attributes: dict[str, str | int]


class RestoreDesiredCount(RevertPlanModel):
    action: Literal["aws-ecs-desired-count"]
    cluster: str
    service: str
    desired_count: int = Field(ge=0)
    scalable_target: dict[str, Any] | None = None


class RestoreReservedConcurrency(RevertPlanModel):
    action: Literal["aws-lambda-reserved-concurrency"]
    function: str
    reserved: int | None = Field(default=None, ge=0)


class EnableEventMappings(RevertPlanModel):
    action: Literal["aws-lambda-enable-mappings"]
    uuids: list[str]


class RestoreLocalQueue(RevertPlanModel):
    action: Literal["localcloud-queue-throttle"]
    control_url: str
    queue: str
    desired: dict[str, int]
    clear_queue_fault: bool
    scaling_suspended: dict[str, dict[str, bool]]


def _local(fault: ThrottleQueue, target: LocalTarget, args: ProviderArgs) -> Injector:
    given = args.localcloud_client
    client = given if isinstance(given, QueueControlApi) else LocalcloudClient(target.control_url)
    return throttle_queue_local(fault, target, client, fault_id=args.fault_id)


def _aws(fault: ThrottleQueue, target: AwsTarget, args: ProviderArgs) -> Injector:
    clients: AwsClients = partial(aws_client, target)
    return throttle_queue_aws(fault, target, clients, fault_id=args.fault_id)


def _touches(fault: ThrottleQueue, target: AwsTarget) -> list[Resource]:
    return queue_resources(target, fault.target.queue, consumer=fault.mode == "consumer")


def _permissions(fault: ThrottleQueue, target: AwsTarget, arns: Arns) -> list[Grant]:
    """What :func:`throttle_queue_aws` calls in the fault's mode, for the consumer the target maps."""
    queue = target.queue(fault.target.queue)
    if fault.mode == "delay":
        return [Grant("delay the queue and put it back", SQS_ATTRIBUTES, (arns.sqs_queue(queue.url),))]
    consumer = queue.consumer
    if fault.mode != "consumer" or consumer is None:
        return []  # refused before the run: nothing is called
    if consumer.via == "desired-count" and consumer.ecs is not None:
        service = arns.ecs_service(consumer.ecs.cluster, consumer.ecs.service)
        return [
            Grant(
                "turn the consumer down and back", ("ecs:DescribeServices", "ecs:UpdateService"), (service,)
            ),
            Grant("read the consumer's scaling", ("application-autoscaling:DescribeScalableTargets",)),
            Grant(
                "hold the consumer's scaling while it is down",
                ("application-autoscaling:RegisterScalableTarget",),
                (arns.arn("application-autoscaling", "scalable-target/*"),),
            ),
        ]
    if consumer.lambda_function is None:
        return []
    function = arns.lambda_function(consumer.lambda_function)
    if consumer.via == "reserved-concurrency":
        concurrency = (
            "lambda:DeleteFunctionConcurrency",
            "lambda:GetFunctionConcurrency",
            "lambda:PutFunctionConcurrency",
        )
        return [Grant("hold the consumer's concurrency", concurrency, (function,))]
    mappings = arns.arn("lambda", "event-source-mapping:*")
    return [
        Grant(
            "find the consumer's mappings of the queue",
            ("sqs:GetQueueAttributes",),
            (arns.sqs_queue(queue.url),),
        ),
        Grant("find the consumer's mappings of the queue", ("lambda:ListEventSourceMappings",)),
        Grant(
            "pause the mappings",
            ("lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping"),
            (mappings,),
        ),
    ]


SQS_ATTRIBUTES = ("sqs:GetQueueAttributes", "sqs:SetQueueAttributes")

_AWS_PLANS: dict[str, type[RevertPlanModel]] = {
    "aws-sqs-attributes": RestoreQueueAttributes,
    "aws-ecs-desired-count": RestoreDesiredCount,
    "aws-lambda-reserved-concurrency": RestoreReservedConcurrency,
    "aws-lambda-enable-mappings": EnableEventMappings,
}

KIND = FaultKind(
    spec=ThrottleQueue,
    local=_local,
    aws={"api": _aws},
    reverts=[
        *(Revert(_AWS_PLANS[action], through_aws(undo)) for action, undo in UNDO.items()),
        Revert(RestoreLocalQueue, undo_queue_throttle),
    ],
    touches=_touches,
    permissions=_permissions,
)
