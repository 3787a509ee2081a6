"""throttle-queue on AWS through direct API calls: a queue delay, or fewer consumers.

``delay`` sets the queue's SQS ``DelaySeconds``; ``consumer`` turns the queue's consumer down,
whichever the target maps: an ECS service's desired count, a Lambda function's reserved
concurrency, or the Lambda event source mappings that poll the queue (disabled). Each records
the exact prior value first and puts that value back on revert. AWS has no API that makes
SendMessage fail, so ``reject-sends`` exists only on localcloud.

An ECS consumer with a scalable target would be scaled back up by its policies within minutes,
so its dynamic scaling in and out is suspended first (RegisterScalableTarget with SuspendedState)
and the target's exact prior SuspendedState is put back after the desired count.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from botocore.client import BaseClient

from faults.api_change import ApiChange, ApiChangeInjector, AwsClients, call
from faults.aws_calls import aws_call
from faults.base import FaultNotLanded
from faults.queue.spec import ThrottleQueue
from gameday.errors import InputError
from gameday.targets import AwsTarget

ECS_NAMESPACE = "ecs"
ECS_DIMENSION = "ecs:service:DesiredCount"
SUSPENDED_KEYS = ("DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended")
ENABLED_MAPPING_STATES = frozenset({"Enabled", "Enabling", "Updating"})
DISABLED_MAPPING_STATES = frozenset({"Disabled", "Disabling"})


def throttle_queue_aws(
    fault: ThrottleQueue, target: AwsTarget, clients: AwsClients, *, fault_id: str
) -> ApiChangeInjector:
    """The injector for ``fault`` on ``target``; a targets-file gap is an :class:`InputError` now."""
    queue = target.queue(fault.target.queue)
    if fault.mode == "reject-sends":
        raise InputError("faults: throttle-queue mode reject-sends is localcloud-only")
    change: ApiChange
    if fault.mode == "delay":
        assert fault.delay is not None  # the fault's validator requires it in mode delay
        change = QueueDelay(clients("sqs"), queue.url, math.ceil(fault.delay))
        return ApiChangeInjector(change, UNDO["aws-sqs-attributes"], clients, fault_id=fault_id)
    consumer = queue.consumer
    name = fault.target.queue
    if consumer is None:
        raise InputError(
            f"targets: queue '{name}' maps no consumer, so mode consumer has nothing to turn down"
        )
    if consumer.via == "desired-count":
        if consumer.ecs is None:
            raise InputError(
                f"targets: queue '{name}' consumer via desired-count needs ecs (cluster, service)"
            )
        change = EcsDesiredCount(
            clients("ecs"),
            clients("application-autoscaling"),
            consumer.ecs.cluster,
            consumer.ecs.service,
            fault.consumers,
        )
        action = "aws-ecs-desired-count"
    elif consumer.lambda_function is None:
        raise InputError(
            f"targets: queue '{name}' consumer via {consumer.via} needs lambda (a function name)"
        )
    elif consumer.via == "reserved-concurrency":
        change = LambdaConcurrency(clients("lambda"), consumer.lambda_function, fault.consumers)
        action = "aws-lambda-reserved-concurrency"
    else:
        if fault.consumers:
            raise InputError(
                f"faults: queue '{name}' is consumed through event source mappings, which can only be "
                "paused: use consumers: 0 or map the consumer via reserved-concurrency"
            )
        change = PausedMappings(clients("lambda"), clients("sqs"), queue.url, consumer.lambda_function)
        action = "aws-lambda-enable-mappings"
    return ApiChangeInjector(change, UNDO[action], clients, fault_id=fault_id)


class QueueDelay:
    """SQS ``DelaySeconds``: every message sent during the window waits before it can be received."""

    def __init__(self, sqs: BaseClient, url: str, delay_s: int) -> None:
        self._sqs = sqs
        self._url = url
        self._delay = str(delay_s)
        self._prior = ""

    def describe(self) -> str:
        return f"set DelaySeconds of SQS queue {self._url} to {self._delay}"

    def prepare(self) -> dict[str, Any]:
        self._prior = self._delay_now()
        return {
            "action": "aws-sqs-attributes",
            "queue_url": self._url,
            "attributes": {"DelaySeconds": self._prior},
        }

    def apply(self) -> tuple[str, list[str]]:
        with aws_call("sqs:SetQueueAttributes"):
            call(self._sqs.set_queue_attributes, QueueUrl=self._url, Attributes={"DelaySeconds": self._delay})
        return f"DelaySeconds of SQS queue {self._url} from {self._prior} to {self._delay}", [self._url]

    def not_observed(self) -> str | None:
        now = self._delay_now()
        return None if now == self._delay else f"SQS still shows DelaySeconds {now}"

    def _delay_now(self) -> str:
        with aws_call("sqs:GetQueueAttributes"):
            got = call(self._sqs.get_queue_attributes, QueueUrl=self._url, AttributeNames=["DelaySeconds"])
        return str(got["Attributes"]["DelaySeconds"])


def scalable_target_id(cluster: str, service: str) -> str:
    """``service/CLUSTER/SERVICE``, from names or ARNs (the name is the ARN's last part)."""
    return f"service/{cluster.rsplit('/', 1)[-1]}/{service.rsplit('/', 1)[-1]}"


class EcsDesiredCount:
    """The consumer service's desired count: ECS stops the tasks above ``consumers``. Its scalable
    target, if it has one, has dynamic scaling suspended meanwhile."""

    def __init__(
        self, ecs: BaseClient, scaling: BaseClient, cluster: str, service: str, consumers: int
    ) -> None:
        self._ecs = ecs
        self._scaling = scaling
        self._cluster = cluster
        self._service = service
        self._consumers = consumers
        self._prior = 0
        self._suspended: dict[str, bool] | None = None  # the scalable target's prior SuspendedState

    def describe(self) -> str:
        return f"set the desired count of ECS service {self._service} to {self._consumers}"

    def prepare(self) -> dict[str, Any]:
        self._prior = self._desired_now()
        self._suspended = self._suspended_now()
        target = None
        if self._suspended is not None:
            target = {"resource_id": self._resource_id, "suspended_state": dict(self._suspended)}
        return {
            "action": "aws-ecs-desired-count",
            "cluster": self._cluster,
            "service": self._service,
            "desired_count": self._prior,
            "scalable_target": target,
        }

    @property
    def _resource_id(self) -> str:
        return scalable_target_id(self._cluster, self._service)

    def apply(self) -> tuple[str, list[str]]:
        held = ""
        if self._suspended is not None:
            state = {**self._suspended, "DynamicScalingInSuspended": True, "DynamicScalingOutSuspended": True}
            with aws_call("application-autoscaling:RegisterScalableTarget"):
                _put_suspended_state(self._scaling, self._resource_id, state)
            held = f" (dynamic scaling of {self._resource_id} suspended)"
        with aws_call("ecs:UpdateService"):
            call(
                self._ecs.update_service,
                cluster=self._cluster,
                service=self._service,
                desiredCount=self._consumers,
            )
        where = f"ECS service {self._service} in cluster {self._cluster}"
        return f"desired count of {where} from {self._prior} to {self._consumers}{held}", [self._service]

    def not_observed(self) -> str | None:
        now = self._desired_now()
        return None if now == self._consumers else f"ECS still shows desired count {now}"

    def _desired_now(self) -> int:
        with aws_call("ecs:DescribeServices"):
            got = call(self._ecs.describe_services, cluster=self._cluster, services=[self._service])
        active = [s for s in got["services"] if s.get("status") == "ACTIVE"]
        if not active:
            raise FaultNotLanded(f"ECS has no active service {self._service} in cluster {self._cluster}")
        return int(active[0]["desiredCount"])

    def _suspended_now(self) -> dict[str, bool] | None:
        """The scalable target's SuspendedState (all three flags); None when the service has none."""
        with aws_call("application-autoscaling:DescribeScalableTargets"):
            got = call(
                self._scaling.describe_scalable_targets,
                ServiceNamespace=ECS_NAMESPACE,
                ResourceIds=[self._resource_id],
                ScalableDimension=ECS_DIMENSION,
            )
        targets = got["ScalableTargets"]
        if not targets:
            return None
        state = targets[0].get("SuspendedState") or {}
        return {key: bool(state.get(key, False)) for key in SUSPENDED_KEYS}


def _put_suspended_state(scaling: BaseClient, resource_id: str, state: dict[str, bool]) -> None:
    """RegisterScalableTarget on an existing target with only SuspendedState changes nothing else."""
    call(
        scaling.register_scalable_target,
        ServiceNamespace=ECS_NAMESPACE,
        ResourceId=resource_id,
        ScalableDimension=ECS_DIMENSION,
        SuspendedState={key: bool(state[key]) for key in SUSPENDED_KEYS},
    )


class LambdaConcurrency:
    """The consumer function's reserved concurrency: 0 throttles every invocation."""

    def __init__(self, lam: BaseClient, function: str, consumers: int) -> None:
        self._lambda = lam
        self._function = function
        self._consumers = consumers
        self._prior: int | None = None

    def describe(self) -> str:
        return f"set the reserved concurrency of Lambda function {self._function} to {self._consumers}"

    def prepare(self) -> dict[str, Any]:
        self._prior = self._reserved_now()
        return {
            "action": "aws-lambda-reserved-concurrency",
            "function": self._function,
            "reserved": self._prior,
        }

    def apply(self) -> tuple[str, list[str]]:
        with aws_call("lambda:PutFunctionConcurrency"):
            call(
                self._lambda.put_function_concurrency,
                FunctionName=self._function,
                ReservedConcurrentExecutions=self._consumers,
            )
        prior = "unreserved" if self._prior is None else str(self._prior)
        return (
            f"reserved concurrency of Lambda function {self._function} from {prior} to {self._consumers}",
            [self._function],
        )

    def not_observed(self) -> str | None:
        now = self._reserved_now()
        return None if now == self._consumers else f"Lambda still shows reserved concurrency {now}"

    def _reserved_now(self) -> int | None:
        with aws_call("lambda:GetFunctionConcurrency"):
            got = call(self._lambda.get_function_concurrency, FunctionName=self._function)
        reserved = got.get("ReservedConcurrentExecutions")
        return None if reserved is None else int(reserved)


class PausedMappings:
    """The event source mappings from the queue to the function, disabled: nothing polls the queue."""

    def __init__(self, lam: BaseClient, sqs: BaseClient, url: str, function: str) -> None:
        self._lambda = lam
        self._sqs = sqs
        self._url = url
        self._function = function
        self._paused: list[str] = []

    def describe(self) -> str:
        return f"disable the event source mappings from SQS queue {self._url} to function {self._function}"

    def prepare(self) -> dict[str, Any]:
        with aws_call("sqs:GetQueueAttributes"):
            got = call(self._sqs.get_queue_attributes, QueueUrl=self._url, AttributeNames=["QueueArn"])
        queue_arn = got["Attributes"]["QueueArn"]
        with aws_call("lambda:ListEventSourceMappings"):
            pages = self._lambda.get_paginator("list_event_source_mappings").paginate(
                EventSourceArn=queue_arn, FunctionName=self._function
            )
            mappings = call(lambda: [m for page in pages for m in page["EventSourceMappings"]])
        self._paused = [m["UUID"] for m in mappings if m.get("State") in ENABLED_MAPPING_STATES]
        if not self._paused:
            raise FaultNotLanded(
                f"no enabled event source mapping from {queue_arn} to Lambda function {self._function}: "
                "already paused?"
            )
        return {"action": "aws-lambda-enable-mappings", "uuids": list(self._paused)}

    def apply(self) -> tuple[str, list[str]]:
        with aws_call("lambda:UpdateEventSourceMapping"):
            for uuid in self._paused:
                call(self._lambda.update_event_source_mapping, UUID=uuid, Enabled=False)
        return (
            f"disabled {len(self._paused)} event source mapping(s) of Lambda function {self._function}: "
            + ", ".join(self._paused),
            list(self._paused),
        )

    def not_observed(self) -> str | None:
        with aws_call("lambda:GetEventSourceMapping"):
            states = {
                uuid: call(self._lambda.get_event_source_mapping, UUID=uuid)["State"] for uuid in self._paused
            }
        still = [
            f"{uuid} ({state})" for uuid, state in states.items() if state not in DISABLED_MAPPING_STATES
        ]
        return f"Lambda still shows mappings enabled: {', '.join(still)}" if still else None


def _restore_attributes(plan: dict[str, Any], clients: AwsClients) -> str:
    attributes = {str(k): str(v) for k, v in plan["attributes"].items()}
    call(clients("sqs").set_queue_attributes, QueueUrl=plan["queue_url"], Attributes=attributes)
    shown = ", ".join(f"{k}={v}" for k, v in attributes.items())
    return f"SQS queue {plan['queue_url']} back to {shown}"


def _restore_desired_count(plan: dict[str, Any], clients: AwsClients) -> str:
    """The prior desired count first, then the scalable target's prior SuspendedState, so a policy
    that resumes starts from the restored count."""
    count = int(plan["desired_count"])
    call(clients("ecs").update_service, cluster=plan["cluster"], service=plan["service"], desiredCount=count)
    done = f"ECS service {plan['service']} in cluster {plan['cluster']} back to desired count {count}"
    target = plan.get("scalable_target")
    if not target:
        return done
    state = {key: bool(target["suspended_state"][key]) for key in SUSPENDED_KEYS}
    _put_suspended_state(clients("application-autoscaling"), target["resource_id"], state)
    held = "+".join(key for key in SUSPENDED_KEYS if state[key]) or "nothing suspended"
    return f"{done}; scalable target {target['resource_id']} back to {held}"


def _restore_concurrency(plan: dict[str, Any], clients: AwsClients) -> str:
    lam = clients("lambda")
    function = plan["function"]
    if plan["reserved"] is None:
        call(lam.delete_function_concurrency, FunctionName=function)
        return f"Lambda function {function} back to unreserved concurrency"
    call(
        lam.put_function_concurrency,
        FunctionName=function,
        ReservedConcurrentExecutions=int(plan["reserved"]),
    )
    return f"Lambda function {function} back to reserved concurrency {plan['reserved']}"


def _enable_mappings(plan: dict[str, Any], clients: AwsClients) -> str:
    lam = clients("lambda")
    enable = partial(call, lam.update_event_source_mapping, Enabled=True)
    for uuid in plan["uuids"]:
        enable(UUID=uuid)
    return f"re-enabled event source mapping(s) {', '.join(plan['uuids'])}"


UNDO = {
    "aws-sqs-attributes": _restore_attributes,
    "aws-ecs-desired-count": _restore_desired_count,
    "aws-lambda-reserved-concurrency": _restore_concurrency,
    "aws-lambda-enable-mappings": _enable_mappings,
}
"""Revert actions of throttle-queue on AWS, keyed by the plan's ``action``; rollback uses them too."""
