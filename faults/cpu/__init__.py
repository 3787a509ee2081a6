"""stress-cpu: burn CPU in a service's tasks for the window, like FIS ``aws:ecs:task-cpu-stress``.

This module is the kind, whole (:data:`KIND`). On AWS only FIS can burn CPU inside a task, so the
kind has no direct-API provider; on localcloud ``local`` starts a burner beside each chosen task.
"""

from __future__ import annotations

from typing import Literal

from faults.base import Injector
from faults.cpu.local import StressControlApi, stress_cpu_local, undo_cpu_stress
from faults.cpu.spec import StressCpu
from faults.fis.parts import ecs_tasks, iso_duration
from faults.kind import FaultKind, FisAction, ProviderArgs, Revert, RevertPlanModel
from gameday.localcloud.client import LocalcloudClient
from gameday.safety.resources import Resource, service_resource
from gameday.targets import AwsTarget, LocalTarget


class StopLocalCpuStress(RevertPlanModel):
    action: Literal["localcloud-stop-cpu-stress"]
    control_url: str
    service: str
    tasks: list[str]


def _local(fault: StressCpu, target: LocalTarget, args: ProviderArgs) -> Injector:
    given = args.localcloud_client
    client = given if isinstance(given, StressControlApi) else LocalcloudClient(target.control_url)
    return stress_cpu_local(fault, client, target.control_url, fault_id=args.fault_id, rng=args.rng)


def _touches(fault: StressCpu, target: AwsTarget) -> list[Resource]:
    return [service_resource(target, fault.target.service)]


def _fis(fault: StressCpu, target: AwsTarget) -> FisAction:
    parameters = {"duration": iso_duration(fault.for_), "percent": str(fault.load_percent)}
    tasks = ecs_tasks(target, fault.target.service, fault.count, fault.percent, fault.target.zone)
    return FisAction("aws:ecs:task-cpu-stress", "Tasks", parameters, tasks)


KIND = FaultKind(
    spec=StressCpu,
    local=_local,
    reverts=[Revert(StopLocalCpuStress, undo_cpu_stress)],
    touches=_touches,
    fis=_fis,
)
