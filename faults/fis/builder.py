"""A scenario fault on an AWS target as an FIS CreateExperimentTemplate input (pure, no calls).

Each fault becomes one template with one action, so the timeline still decides when it starts and
the ledger still records one revert plan per fault. Selection follows FIS ``selectionMode``.
ECS tasks are chosen by the ``cluster``/``service`` parameters only: whether FIS combines
``resourceTags`` with those parameters is not documented, and tasks carry tags only when the
service propagates them. Subnets and Lambda functions are chosen by filters and also by the
target's opt-in tag, which FIS does combine with filters.

``build_combined_template`` instead puts every fault of a scenario in one template on the
scenario's timeline (``gameday fis-template --combined``): a fault at offset ``at`` > 0 starts after
an ``aws:fis:wait`` of ``at``, a fault at 0 starts at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gameday.errors import InputError
from gameday.faultspecs import AddLatency, BreakNetwork, FailRequests, KillTasks, StressCpu
from gameday.targets import AwsPath, AwsTarget

FIS_MIN_ACTION_S = 60  # most FIS actions accept 1 minute to 12 hours
FIS_MAX_ACTION_S = 12 * 3600
MAX_STOP_CONDITIONS = 5
MAX_ACTIONS = 20  # actions per experiment template (default quota L-0BFE6B67)
MAX_PARALLEL_ACTIONS = 10  # actions running at once in one experiment (default quota L-EB051440)
WAIT_ACTION = "aws:fis:wait"
RUN_TAG = "gameday:run"
FAULT_TAG = "gameday:fault"
TARGET_TAG = "gameday:target"  # names the logical resource in template files for localcloud

FisFault = KillTasks | StressCpu | BreakNetwork | AddLatency | FailRequests
Template = dict[str, Any]


def iso_duration(seconds: float, *, what: str = "for") -> str:
    """Whole seconds as ISO 8601 (90 → ``PT1M30S``), inside the range FIS actions accept."""
    if seconds != int(seconds):
        raise InputError(f"faults: FIS durations are whole seconds; '{what}' is {seconds:g}s")
    if not FIS_MIN_ACTION_S <= seconds <= FIS_MAX_ACTION_S:
        raise InputError(
            f"faults: FIS actions last from 1 minute to 12 hours; '{what}' is {seconds:g}s "
            f"(use at least 60s with via: fis)"
        )
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    return f"PT{parts}"


def selection_mode(count: int | None, percent: float | None) -> str:
    """FIS ``COUNT(n)``, ``PERCENT(p)`` or ``ALL`` when neither is given."""
    if count is not None:
        return f"COUNT({count})"
    if percent is not None:
        if percent != int(percent):
            raise InputError(f"faults: FIS takes whole percentages; percent is {percent:g}")
        return f"PERCENT({int(percent)})"
    return "ALL"


def run_tags(run_id: str, fault_id: str) -> dict[str, str]:
    """The tags every template and experiment of a run carries; rollback finds them by these."""
    return {RUN_TAG: run_id, FAULT_TAG: fault_id}


def role_arn(target: AwsTarget) -> str:
    if not target.fis_role_arn:
        raise InputError("targets: via: fis needs fis_role_arn on the AWS target (the role FIS acts as)")
    return target.fis_role_arn


def stop_conditions(target: AwsTarget) -> list[dict[str, str]]:
    """The target's alarms as FIS stop conditions, or ``none``; FIS takes at most five."""
    if len(target.stop_alarms) > MAX_STOP_CONDITIONS:
        raise InputError(
            f"targets: FIS takes at most {MAX_STOP_CONDITIONS} stop conditions; "
            f"stop_alarms lists {len(target.stop_alarms)}"
        )
    if not target.stop_alarms:
        return [{"source": "none"}]
    return [{"source": "aws:cloudwatch:alarm", "value": alarm} for alarm in target.stop_alarms]


def build_template(fault: FisFault, target: AwsTarget, *, run_id: str, fault_id: str) -> Template:
    """The CreateExperimentTemplate input for ``fault`` (without ``clientToken``)."""
    action, fis_target = fault_action(fault, target, target_name="chosen")
    return {
        "description": f"gameday run {run_id}: {fault.kind} {fault.target_label} ({fault_id})"[:512],
        **_template_settings(target),
        "targets": {"chosen": fis_target},
        "actions": {fault_id[:64]: action},
        "tags": run_tags(run_id, fault_id),
    }


def build_combined_template(
    faults: Sequence[tuple[str, FisFault]], target: AwsTarget, *, run_id: str, scenario: str
) -> Template:
    """One CreateExperimentTemplate input holding every ``(fault id, fault)`` on its ``at`` offset.

    A fault at 0 starts with the experiment; a later one starts after its own ``aws:fis:wait``
    (``wait-<fault id>``) lasting ``at``. Each fault keeps its own target, named by its fault id.
    """
    if not faults:
        raise InputError("faults: a combined FIS template needs at least one via: fis fault")
    needed = sum(2 if fault.at else 1 for _, fault in faults)
    if needed > MAX_ACTIONS:
        raise InputError(
            f"faults: a combined FIS template would hold {needed} actions (one per fault, plus one "
            f"aws:fis:wait per fault that does not start at 0); FIS takes at most {MAX_ACTIONS} per "
            "template: split the scenario or print one template per fault (without --combined)"
        )
    if len(faults) > MAX_PARALLEL_ACTIONS:
        raise InputError(
            f"faults: a combined FIS template starts {len(faults)} actions at once (each fault or its "
            f"wait); FIS runs at most {MAX_PARALLEL_ACTIONS} actions in parallel per experiment: "
            "split the scenario or print one template per fault (without --combined)"
        )
    actions: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    for fault_id, fault in faults:
        name = fault_id[:64]
        action, fis_target = fault_action(fault, target, target_name=name)
        if fault.at:
            wait = f"wait-{fault_id}"[:64]
            actions[wait] = {"actionId": WAIT_ACTION, "parameters": {"duration": _wait(fault_id, fault.at)}}
            action = {**action, "startAfter": [wait]}
        actions[name] = action
        targets[name] = fis_target
    ids = ", ".join(fault_id for fault_id, _ in faults)
    return {
        "description": f"gameday run {run_id}: scenario {scenario}, faults {ids}"[:512],
        **_template_settings(target),
        "targets": targets,
        "actions": actions,
        "tags": {RUN_TAG: run_id},
    }


def fault_action(
    fault: FisFault, target: AwsTarget, *, target_name: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(FIS action, FIS target) for one fault, the action pointing at the target ``target_name``."""
    action_id, target_key, parameters, fis_target = _action(fault, target)
    action: dict[str, Any] = {"actionId": action_id, "targets": {target_key: target_name}}
    if parameters:
        action["parameters"] = parameters
    return action, fis_target


def _template_settings(target: AwsTarget) -> Template:
    """Role, stop conditions and options every template built for ``target`` shares."""
    return {
        "roleArn": role_arn(target),
        "stopConditions": stop_conditions(target),
        "experimentOptions": {"emptyTargetResolutionMode": "fail"},
    }


def _wait(fault_id: str, at: float) -> str:
    """The ISO 8601 duration of the wait before a fault at offset ``at`` (> 0)."""
    if at < FIS_MIN_ACTION_S:
        raise InputError(
            f"faults: {fault_id} starts at {at:g}s; a combined FIS template delays it with aws:fis:wait, "
            f"which lasts at least 1 minute: start it at 0 or at {FIS_MIN_ACTION_S}s or later "
            "(or print one template per fault, without --combined)"
        )
    return iso_duration(at, what=f"{fault_id} at")


def _action(fault: FisFault, target: AwsTarget) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    """(actionId, target key, parameters, FIS target) for one fault."""
    if isinstance(fault, KillTasks):
        tasks = _tasks(target, fault.target.service, fault.count, fault.percent)
        return "aws:ecs:stop-task", "Tasks", {}, tasks
    duration = iso_duration(fault.for_)
    if isinstance(fault, StressCpu):
        tasks = _tasks(target, fault.target.service, fault.count, fault.percent)
        return (
            "aws:ecs:task-cpu-stress",
            "Tasks",
            {"duration": duration, "percent": str(fault.load_percent)},
            tasks,
        )
    path = target.path(fault.target.path)
    if isinstance(fault, BreakNetwork):
        return _break_network(fault, target, path, duration)
    if isinstance(fault, AddLatency):
        if path.lambda_function:
            parameters = {"duration": duration, "startupDelayMilliseconds": str(fault.delay_ms)}
            return "aws:lambda:invocation-add-delay", "Functions", parameters, _function(target, path)
        parameters = {
            "duration": duration,
            "delayMilliseconds": str(fault.delay_ms),
            "jitterMilliseconds": str(fault.jitter_ms),
            "sources": "ALL",
        }
        return (
            "aws:ecs:task-network-latency",
            "Tasks",
            parameters,
            _tasks(target, fault.target.source, None, None),
        )
    if not path.lambda_function:
        raise InputError(
            "targets: FIS fails requests only inside Lambda functions; "
            f"map a lambda for path '{fault.target.path}'"
        )
    parameters = {
        "duration": duration,
        "statusCode": str(fault.status),
        "contentTypeHeader": "application/json",
        "preventExecution": "true",
        "invocationPercentage": str(max(1, round(fault.share * 100))),
    }
    return "aws:lambda:invocation-http-integration-response", "Functions", parameters, _function(target, path)


def _break_network(
    fault: BreakNetwork, target: AwsTarget, path: AwsPath, duration: str
) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    if fault.mode != "blackhole":
        raise InputError(
            "faults: FIS can only blackhole a path (deny rules drop packets); use mode blackhole"
        )
    if path.subnets:
        subnets = {
            "resourceType": "aws:ec2:subnet",
            "resourceTags": _opt_in(target),
            "filters": [{"path": "SubnetId", "values": list(path.subnets)}],
            "selectionMode": "ALL",
        }
        return "aws:network:disrupt-connectivity", "Subnets", {"duration": duration, "scope": "all"}, subnets
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
    return (
        "aws:ecs:task-network-blackhole-port",
        "Tasks",
        parameters,
        _tasks(target, fault.target.source, None, None),
    )


def _tasks(target: AwsTarget, service: str, count: int | None, percent: float | None) -> dict[str, Any]:
    mapped = target.service(service)
    return {
        "resourceType": "aws:ecs:task",
        "parameters": {"cluster": mapped.cluster, "service": mapped.service},
        "selectionMode": selection_mode(count, percent),
    }


def _function(target: AwsTarget, path: AwsPath) -> dict[str, Any]:
    assert path.lambda_function is not None
    return {
        "resourceType": "aws:lambda:function",
        "resourceTags": _opt_in(target),
        "filters": [{"path": "FunctionName", "values": [path.lambda_function]}],
        "selectionMode": "ALL",
    }


def _opt_in(target: AwsTarget) -> dict[str, str]:
    key, value = target.opt_in_tag.split("=", 1)
    return {key: value}
