"""kill-tasks: stop a count or a percent of a service's running tasks, like FIS ``aws:ecs:stop-task``.

This module is the kind, whole (:data:`KIND`). ``core`` holds the flow every backend shares
(select, stop, confirm); ``local`` and ``aws`` only know how to list, stop and observe tasks on
localcloud and on ECS. Nothing is reverted: the service's scheduler replaces stopped tasks, which
is what the game day watches.
"""

from __future__ import annotations

from faults.base import Injector
from faults.fis.parts import ecs_tasks
from faults.kill_tasks.aws import EcsTasks
from faults.kill_tasks.core import KillTasksInjector
from faults.kill_tasks.local import LocalcloudTasks
from faults.kill_tasks.spec import KillTasks
from faults.kind import FaultKind, FisAction, ProviderArgs
from gameday.aws_session import aws_client
from gameday.iam.grants import Arns, Grant, in_cluster
from gameday.localcloud.client import LocalcloudClient
from gameday.safety.resources import Resource, service_resource
from gameday.targets import AwsTarget, LocalTarget


def _local(fault: KillTasks, target: LocalTarget, args: ProviderArgs) -> Injector:
    client = args.localcloud_client or LocalcloudClient(target.control_url)
    platform = LocalcloudTasks(client, fault.target.service, fault.target.zone)
    return KillTasksInjector(fault, platform, fault_id=args.fault_id, run_id=args.run_id, rng=args.rng)


def _aws(fault: KillTasks, target: AwsTarget, args: ProviderArgs) -> Injector:
    (service,) = args.resources or _touches(fault, target)
    assert service.cluster is not None  # an ECS service resource always names its cluster
    ecs = args.ecs_client or aws_client(target, "ecs")
    platform = EcsTasks(ecs, service.cluster, service.name, fault.target.zone)
    return KillTasksInjector(fault, platform, fault_id=args.fault_id, run_id=args.run_id, rng=args.rng)


def _touches(fault: KillTasks, target: AwsTarget) -> list[Resource]:
    return [service_resource(target, fault.target.service)]


def _fis(fault: KillTasks, target: AwsTarget) -> FisAction:
    tasks = ecs_tasks(target, fault.target.service, fault.count, fault.percent, fault.target.zone)
    return FisAction("aws:ecs:stop-task", "Tasks", {}, tasks)


def _permissions(fault: KillTasks, target: AwsTarget, arns: Arns) -> list[Grant]:
    if fault.via != "api":
        return []  # FIS stops the tasks, as the experiment role
    service = target.service(fault.target.service)
    return [
        Grant(
            "find the service's running tasks",
            ("ecs:ListTasks",),
            condition=in_cluster(arns, service.cluster),
        ),
        Grant(
            "stop tasks and see them stop",
            ("ecs:DescribeTasks", "ecs:StopTask"),
            (arns.ecs_tasks(service.cluster),),
        ),
    ]


KIND = FaultKind(
    spec=KillTasks, local=_local, aws={"api": _aws}, touches=_touches, fis=_fis, permissions=_permissions
)
