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
)
