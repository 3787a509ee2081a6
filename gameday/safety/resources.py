"""Which real resources each fault touches, and how to read their tags: one table per resource type.

A fault names logical resources; the target maps them. What a fault will change (or whose tasks
it will stop) is what must carry the opt-in tag, so discovery follows the target mapping, not the
account: nothing outside the mapping is ever touched. Each fault kind says which resources it
touches (:attr:`faults.kind.FaultKind.touches`), built from the helpers here; the run's plan
holds them, resolved once.

Some faults cannot name their resources before AWS is read: an FIS template file selects them by
ARN, tag, filter and parameter, as FIS will when the experiment starts. Such a fault's ``touches``
gives one deferred resource per template target, which pre-flight resolves (after the account
check, like every other read) into the resources it stands for, each checked like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from botocore.client import BaseClient

from gameday.errors import EnvironmentProblem
from gameday.targets import AwsPath, AwsTarget

ResourceType = Literal[
    "ECS service",
    "SQS queue",
    "security group",
    "subnet",
    "Lambda function",
    "ECS task",
    "ECS cluster",
    "EC2 instance",
    "IAM role",
    "FIS target",
]
Clients = Callable[[str], BaseClient]


@dataclass(frozen=True)
class Resource:
    type: ResourceType
    name: str  # the id AWS knows it by (service name, queue URL, sg-…, subnet-…, function name)
    cluster: str | None = None  # ECS services and tasks only
    # ECS services a template's selection takes tasks of: the most it can take (the blast radius
    # holds it to the limit); None: the fault's own task_share_percent says.
    taken: int | None = None
    # Deferred resources only (an FIS template's target): what it stands for, read from AWS.
    resolve: Callable[[Clients], list[Resolved]] | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        where = f" in cluster {self.cluster}" if self.cluster else ""
        return f"{self.type} {self.name}{where}"

    def to_json(self) -> dict[str, str]:
        cluster = {"cluster": self.cluster} if self.cluster else {}
        return {"type": self.type, "name": self.name, **cluster}


@dataclass(frozen=True)
class Resolved:
    """A resource a deferred one stands for, with its tags when resolving it read them already."""

    resource: Resource
    tags: Mapping[str, str] | None = None


def resolved(resource: Resource, clients: Clients) -> list[Resolved]:
    """What ``resource`` stands for: itself, or what a deferred resource resolves to now."""
    return [Resolved(resource)] if resource.resolve is None else resource.resolve(clients)


def read_tags(resource: Resource, clients: Clients) -> dict[str, str]:
    """The resource's tags as a plain mapping, through the reader for its type."""
    return _TAG_READERS[resource.type](resource, clients)


def service_resource(target: AwsTarget, logical: str) -> Resource:
    """The ECS service a logical service maps to."""
    mapped = target.service(logical)
    return Resource("ECS service", mapped.service, cluster=mapped.cluster)


def queue_resources(target: AwsTarget, logical: str, *, consumer: bool) -> list[Resource]:
    """The queue a logical queue maps to and, with ``consumer``, the consumer a fault turns down."""
    queue = target.queue(logical)
    found = [Resource("SQS queue", queue.url)]
    owner = queue.consumer
    if consumer and owner is not None:
        if owner.ecs is not None:
            found.append(Resource("ECS service", owner.ecs.service, cluster=owner.ecs.cluster))
        if owner.lambda_function is not None:
            found.append(Resource("Lambda function", owner.lambda_function))
    return found


def path_resources(path: AwsPath) -> list[Resource]:
    """What a path fault may change: the destination's security group, subnets, or function."""
    found = [Resource("security group", path.security_group)] if path.security_group else []
    found += [Resource("subnet", subnet) for subnet in path.subnets]
    if path.lambda_function:
        found.append(Resource("Lambda function", path.lambda_function))
    return found


def _ecs_tags(resource: Resource, clients: Clients) -> dict[str, str]:
    described = clients("ecs").describe_services(
        cluster=resource.cluster, services=[resource.name], include=["TAGS"]
    )
    services = described.get("services", [])
    if not services:
        raise EnvironmentProblem(f"{resource} does not exist")
    return {t["key"]: t.get("value", "") for t in services[0].get("tags", [])}


def _sqs_tags(resource: Resource, clients: Clients) -> dict[str, str]:
    return dict(clients("sqs").list_queue_tags(QueueUrl=resource.name).get("Tags", {}))


def _security_group_tags(resource: Resource, clients: Clients) -> dict[str, str]:
    groups = clients("ec2").describe_security_groups(GroupIds=[resource.name])["SecurityGroups"]
    return {t["Key"]: t.get("Value", "") for t in groups[0].get("Tags", [])}


def _subnet_tags(resource: Resource, clients: Clients) -> dict[str, str]:
    subnets = clients("ec2").describe_subnets(SubnetIds=[resource.name])["Subnets"]
    return {t["Key"]: t.get("Value", "") for t in subnets[0].get("Tags", [])}


def _lambda_tags(resource: Resource, clients: Clients) -> dict[str, str]:
    return dict(clients("lambda").get_function(FunctionName=resource.name).get("Tags", {}))


def _role_tags(resource: Resource, clients: Clients) -> dict[str, str]:
    role = clients("iam").get_role(RoleName=resource.name)["Role"]
    return {t["Key"]: t.get("Value", "") for t in role.get("Tags", [])}


_TAG_READERS: dict[ResourceType, Callable[[Resource, Clients], dict[str, str]]] = {
    "ECS service": _ecs_tags,
    "SQS queue": _sqs_tags,
    "security group": _security_group_tags,
    "subnet": _subnet_tags,
    "Lambda function": _lambda_tags,
    "IAM role": _role_tags,
}
