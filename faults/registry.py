"""Which provider serves a fault: chosen by the *target*, never by the scenario.

A scenario says what harm to do to which logical resource; the target decides whether that means
localcloud's control API or real AWS calls. Each backend has a table kind → provider; adding a
kind of fault is one entry per backend.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from botocore.client import BaseClient

from faults.api_change import AwsClients
from faults.base import Injector
from faults.cpu.local import StressControlApi, stress_cpu_local
from faults.fis.aws import fis_injector
from faults.fis.local import template_on_localcloud
from faults.fis.template_file import read_template
from faults.kill_tasks.aws import EcsTasks
from faults.kill_tasks.core import KillTasksInjector
from faults.kill_tasks.local import LocalcloudApi, LocalcloudTasks
from faults.network.aws import break_network_aws
from faults.network.core import PathFault, PathFaultInjector
from faults.network.local import LocalcloudPaths, PathControlApi
from faults.queue.aws import throttle_queue_aws
from faults.queue.local import QueueControlApi, throttle_queue_local
from gameday.aws_session import aws_client
from gameday.errors import InputError
from gameday.faultspecs import FaultSpec, FisTemplateFile, KillTasks, StressCpu, ThrottleQueue
from gameday.localcloud.client import LocalcloudClient
from gameday.targets import AwsTarget, LocalTarget, Target


@dataclass(frozen=True)
class ProviderArgs:
    """What every provider may need besides the fault and the target; clients are built if absent."""

    fault_id: str
    run_id: str
    localcloud_client: LocalcloudApi | None = None
    ecs_client: BaseClient | None = None
    rng: random.Random | None = None


def _kill_tasks_local(fault: KillTasks, target: LocalTarget, args: ProviderArgs) -> Injector:
    client = args.localcloud_client or LocalcloudClient(target.control_url)
    platform = LocalcloudTasks(client, fault.target.service)
    return KillTasksInjector(fault, platform, fault_id=args.fault_id, run_id=args.run_id, rng=args.rng)


def _kill_tasks_aws(fault: KillTasks, target: AwsTarget, args: ProviderArgs) -> Injector:
    mapped = target.service(fault.target.service)
    ecs = args.ecs_client or aws_client(target, "ecs")
    platform = EcsTasks(ecs, mapped.cluster, mapped.service)
    return KillTasksInjector(fault, platform, fault_id=args.fault_id, run_id=args.run_id, rng=args.rng)


def _path_fault_local(fault: PathFault, target: LocalTarget, args: ProviderArgs) -> Injector:
    given = args.localcloud_client
    client = given if isinstance(given, PathControlApi) else LocalcloudClient(target.control_url)
    return PathFaultInjector(fault, LocalcloudPaths(client, target.control_url), fault_id=args.fault_id)


def _via_api(build: Callable[..., Injector]) -> Callable[[Any, AwsTarget, ProviderArgs], Injector]:
    """A provider that changes settings through the AWS API with clients for the target's account."""

    def provider(fault: Any, target: AwsTarget, args: ProviderArgs) -> Injector:
        clients: AwsClients = partial(aws_client, target)
        return build(fault, target, clients, fault_id=args.fault_id)

    return provider


def _via_fis(fault: Any, target: AwsTarget, args: ProviderArgs) -> Injector:
    """Any ``via: fis`` fault, and FIS template files: one FIS experiment in the target's account."""
    return fis_injector(fault, target, aws_client(target, "fis"), run_id=args.run_id, fault_id=args.fault_id)


def _fis_template_local(fault: FisTemplateFile, target: LocalTarget, args: ProviderArgs) -> Injector:
    """Each action of the template as the local provider's fault, all driven as this one fault."""

    def build(spec: FaultSpec, part_id: str) -> Injector:
        return build_injector(
            spec,
            target,
            fault_id=part_id,
            run_id=args.run_id,
            localcloud_client=args.localcloud_client,
            rng=args.rng,
        )

    return template_on_localcloud(read_template(fault.file), fault, args.fault_id, build)


def _throttle_queue_local(fault: ThrottleQueue, target: LocalTarget, args: ProviderArgs) -> Injector:
    given = args.localcloud_client
    client = given if isinstance(given, QueueControlApi) else LocalcloudClient(target.control_url)
    return throttle_queue_local(fault, target, client, fault_id=args.fault_id)


def _stress_cpu_local(fault: StressCpu, target: LocalTarget, args: ProviderArgs) -> Injector:
    given = args.localcloud_client
    client = given if isinstance(given, StressControlApi) else LocalcloudClient(target.control_url)
    return stress_cpu_local(fault, client, target.control_url, fault_id=args.fault_id, rng=args.rng)


_Provider = Callable[[Any, Any, "ProviderArgs"], Injector]

# Each provider takes the fault entry of its own kind; the tables are keyed by that kind.
_LOCAL_PROVIDERS: dict[str, Callable[[Any, LocalTarget, ProviderArgs], Injector]] = {
    "kill-tasks": _kill_tasks_local,
    "fis-template": _fis_template_local,
    "break-network": _path_fault_local,
    "add-latency": _path_fault_local,
    "fail-requests": _path_fault_local,
    "throttle-queue": _throttle_queue_local,
    "stress-cpu": _stress_cpu_local,
}
# On AWS the scenario's ``via`` picks direct API calls or an FIS experiment.
_AWS_PROVIDERS: dict[str, Callable[[Any, AwsTarget, ProviderArgs], Injector]] = {
    "kill-tasks/api": _kill_tasks_aws,
    **{
        f"{kind}/fis": _via_fis
        for kind in (
            "kill-tasks",
            "break-network",
            "add-latency",
            "fail-requests",
            "stress-cpu",
            "fis-template",
        )
    },
    "throttle-queue/api": _via_api(throttle_queue_aws),
    "break-network/api": _via_api(break_network_aws),
}


def build_injector(
    fault: FaultSpec,
    target: Target,
    *,
    fault_id: str,
    run_id: str,
    localcloud_client: LocalcloudApi | None = None,
    ecs_client: BaseClient | None = None,
    rng: random.Random | None = None,
) -> Injector:
    """The injector for one scenario fault entry on ``target``; nothing is called on the target yet."""
    args = ProviderArgs(
        fault_id=fault_id, run_id=run_id, localcloud_client=localcloud_client, ecs_client=ecs_client, rng=rng
    )
    if isinstance(target, LocalTarget):
        return _provider(_LOCAL_PROVIDERS, fault.kind, fault, "localcloud")(fault, target, args)
    return _provider(_AWS_PROVIDERS, f"{fault.kind}/{fault.via}", fault, f"AWS (via: {fault.via})")(
        fault, target, args
    )


def _provider(table: dict[str, _Provider], key: str, fault: FaultSpec, backend: str) -> _Provider:
    """The provider for ``fault``, or a clear error before anything runs."""
    provider = table.get(key)
    if provider is None:
        raise InputError(
            f"faults: {fault.kind} is not available on {backend} targets in this version of gameday"
        )
    return provider
