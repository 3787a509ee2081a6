"""What impair-zone touches on AWS, read in the account by pre-flight, as FIS will select it.

The target maps services, not zones: which subnets lie in the zone and which tasks run there is
only known by asking. So the kind's ``touches`` gives deferred resources that pre-flight resolves
after the account check: the zone's subnets that carry the opt-in tag (what the FIS experiment
cuts), and each mapped service with as many tasks as it runs in the zone (what it stops), which
pre-flight holds to the opt-in tag and the blast radius. A zone with none of either is refused
before the load starts, as FIS would fail the experiment after.
"""

from __future__ import annotations

from functools import partial

from botocore.client import BaseClient

from faults.kill_tasks.aws import DESCRIBE_BATCH
from faults.zone.spec import ImpairZone
from gameday.errors import EnvironmentProblem
from gameday.iam.grants import Arns, Grant, in_cluster
from gameday.safety.resources import Clients, Resolved, Resource, service_resource
from gameday.targets import AwsTarget, EcsService


def zone_touches(fault: ImpairZone, target: AwsTarget) -> list[Resource]:
    """The kind's ``touches``: the zone's subnets and tasks (deferred), and the services it delays."""
    zone = fault.zone
    found = []
    if fault.network == "blackhole":
        subnets = partial(_opted_in_subnets, zone, target.opt_in_tag)
        found.append(Resource("FIS target", f"subnets in {zone}", resolve=subnets))
    if fault.stop_tasks:
        tasks = partial(_tasks_in_zone, zone, sorted(target.services.values(), key=str))
        found.append(Resource("FIS target", f"tasks in {zone}", resolve=tasks))
    if fault.network == "latency":
        found += [service_resource(target, logical) for logical in sorted(target.services)]
    return found


def _opted_in_subnets(zone: str, opt_in_tag: str, clients: Clients) -> list[Resolved]:
    key, value = opt_in_tag.split("=", 1)
    filters = [{"Name": "availability-zone", "Values": [zone]}, {"Name": f"tag:{key}", "Values": [value]}]
    pages = clients("ec2").get_paginator("describe_subnets").paginate(Filters=filters)
    subnets = [subnet for page in pages for subnet in page["Subnets"]]
    if not subnets:
        raise _nothing(zone, f"no subnet in {zone} carries the tag {opt_in_tag}")
    return [
        Resolved(Resource("subnet", s["SubnetId"]), {t["Key"]: t.get("Value", "") for t in s.get("Tags", [])})
        for s in subnets
    ]


def _tasks_in_zone(zone: str, services: list[EcsService], clients: Clients) -> list[Resolved]:
    """Each mapped service running tasks in ``zone``, with how many: the stop takes them all."""
    taken = []
    for mapped in services:
        count = _running_in(clients("ecs"), mapped, zone)
        if count:
            service = Resource("ECS service", mapped.service, cluster=mapped.cluster, taken=count)
            taken.append(Resolved(service))
    if not taken:
        raise _nothing(zone, f"none of the mapped services runs a task in {zone}")
    return taken


def _running_in(ecs: BaseClient, mapped: EcsService, zone: str) -> int:
    """How many of the service's running tasks DescribeTasks places in ``zone`` (ListTasks cannot say)."""
    pages = ecs.get_paginator("list_tasks").paginate(
        cluster=mapped.cluster, serviceName=mapped.service, desiredStatus="RUNNING"
    )
    arns = [arn for page in pages for arn in page["taskArns"]]
    batches = [arns[start : start + DESCRIBE_BATCH] for start in range(0, len(arns), DESCRIBE_BATCH)]
    return sum(
        task.get("availabilityZone") == zone
        for batch in batches
        for task in ecs.describe_tasks(cluster=mapped.cluster, tasks=batch)["tasks"]
    )


def _nothing(zone: str, why: str) -> EnvironmentProblem:
    return EnvironmentProblem(
        f"faults: impair-zone {zone}: {why}; FIS would fail the experiment after the load started, "
        "so the run is refused"
    )


def zone_permissions(fault: ImpairZone, target: AwsTarget, arns: Arns) -> list[Grant]:
    """The reads that find the zone's opted-in subnets and the services' tasks placed in it."""
    grants = [Grant("find the zone's opted-in subnets", ("ec2:DescribeSubnets",))]
    for cluster in sorted({service.cluster for service in target.services.values()}):
        grants += [
            Grant("find the tasks in the zone", ("ecs:ListTasks",), condition=in_cluster(arns, cluster)),
            Grant("find the tasks in the zone", ("ecs:DescribeTasks",), (arns.ecs_tasks(cluster),)),
            Grant(
                "check the opt-in tags", ("ecs:DescribeServices",), (arns.arn("ecs", f"service/{cluster}/*"),)
            ),
        ]
    return grants
