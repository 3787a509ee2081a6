"""impair-zone on AWS: one FIS experiment template whose actions all start at once (pure, no calls).

- ``network: blackhole``: ``aws:network:disrupt-connectivity`` (scope ``all``) for ``for`` on the
  subnets FIS finds in the zone (``availabilityZoneIdentifier``) that carry the target's opt-in
  tag, so a subnet nobody opted in is never cut;
- ``network: latency``: ``aws:ecs:task-network-latency`` with ``sources`` the zone on the stack's
  tasks: what they send into the zone is delayed (FIS delays egress only, so traffic from the load
  balancer is not);
- ``stop_tasks``: ``aws:ecs:stop-task`` on the stack's tasks placed in the zone.

The stack is every service the target maps. Its tasks are chosen per cluster by DescribeTasks'
``group`` (``service:<name>``), so one target covers every mapped service of a cluster and a
service with no task in the zone does not fail the experiment: it fails (``fail`` on empty
targets, the run INVALID) only when the zone holds none of the stack's tasks or no opted-in
subnet, as the local provider does not land when the zone holds no task. FIS caps one action at
5 target tasks and 5 subnets by default (Service Quotas L-48D12416, L-1F59732D): a larger zone
needs those quotas raised.
"""

from __future__ import annotations

from typing import Any

from faults.fis.parts import Template, iso_duration, opt_in_tags, role_arn, run_tags, stop_conditions
from faults.zone.spec import ImpairZone
from gameday.errors import InputError
from gameday.targets import AwsTarget


def zone_template(fault: ImpairZone, target: AwsTarget, run_id: str, fault_id: str) -> Template:
    """The CreateExperimentTemplate input for ``fault`` (without ``clientToken``)."""
    targets: dict[str, Any] = {}
    actions: dict[str, Any] = {}
    if fault.network == "blackhole":
        targets["zone-subnets"] = {
            "resourceType": "aws:ec2:subnet",
            "resourceTags": opt_in_tags(target),
            "parameters": {"availabilityZoneIdentifier": fault.zone},
            "selectionMode": "ALL",
        }
        actions["cut-zone"] = _action(
            "aws:network:disrupt-connectivity",
            "Subnets",
            "zone-subnets",
            {"duration": iso_duration(fault.for_), "scope": "all"},
        )
    for n, (cluster, services) in enumerate(sorted(_clusters(fault, target).items()), start=1):
        group = {"path": "Group", "values": [f"service:{service}" for service in services]}
        if fault.stop_tasks:
            in_zone = {"path": "AvailabilityZone", "values": [fault.zone]}
            targets[f"zone-tasks-{n}"] = _tasks(cluster, [group, in_zone])
            actions[f"stop-zone-tasks-{n}"] = _action("aws:ecs:stop-task", "Tasks", f"zone-tasks-{n}", {})
        if fault.network == "latency":
            targets[f"stack-tasks-{n}"] = _tasks(cluster, [group])
            actions[f"delay-into-zone-{n}"] = _action(
                "aws:ecs:task-network-latency", "Tasks", f"stack-tasks-{n}", _latency(fault)
            )
    from faults.fis.builder import MAX_PARALLEL_ACTIONS  # the builder needs the catalogue: built after it

    if len(actions) > MAX_PARALLEL_ACTIONS:
        raise InputError(
            f"faults: impair-zone needs {len(actions)} FIS actions at once (one per cluster and harm); "
            f"FIS runs at most {MAX_PARALLEL_ACTIONS} in parallel: map fewer clusters in the target"
        )
    return {
        "description": f"gameday run {run_id}: impair-zone {fault.zone} ({fault_id})"[:512],
        "roleArn": role_arn(target),
        "stopConditions": stop_conditions(target),
        "experimentOptions": {"emptyTargetResolutionMode": "fail"},
        "targets": targets,
        "actions": actions,
        "tags": run_tags(run_id, fault_id),
    }


def _clusters(fault: ImpairZone, target: AwsTarget) -> dict[str, list[str]]:
    """The mapped ECS services by cluster; none mapped is an error when the fault acts on tasks."""
    if not target.services and (fault.stop_tasks or fault.network == "latency"):
        raise InputError("targets: impair-zone acts on the stack's tasks, but the AWS target maps no service")
    clusters: dict[str, list[str]] = {}
    for mapped in target.services.values():
        clusters.setdefault(mapped.cluster, []).append(mapped.service)
    return {cluster: sorted(set(services)) for cluster, services in clusters.items()}


def _tasks(cluster: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "aws:ecs:task",
        "parameters": {"cluster": cluster},
        "filters": filters,
        "selectionMode": "ALL",
    }


def _action(action_id: str, key: str, target_name: str, parameters: dict[str, str]) -> dict[str, Any]:
    action: dict[str, Any] = {"actionId": action_id, "targets": {key: target_name}}
    if parameters:
        action["parameters"] = parameters
    return action


def _latency(fault: ImpairZone) -> dict[str, str]:
    spec = fault.network_fault()
    assert spec is not None and spec["mode"] == "latency"
    return {
        "duration": iso_duration(fault.for_),
        "delayMilliseconds": str(spec["delay_ms"]),
        "jitterMilliseconds": str(spec["jitter_ms"]),
        "sources": fault.zone,
    }
