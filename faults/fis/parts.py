"""The parts FIS templates are built from: durations, selection modes, common targets, tags, role.

A kind's ``fis`` mapping (:class:`faults.kind.FisAction`) is built from these and is pure: it reads
the fault and the target mapping and calls nothing. :mod:`faults.fis.builder` puts the actions
into templates; :mod:`faults.fis.template_file` completes a user's template with the same tags,
role and stop conditions.
"""

from __future__ import annotations

from typing import Any

from gameday.errors import InputError
from gameday.targets import AwsPath, AwsTarget

FIS_MIN_ACTION_S = 60  # most FIS actions accept 1 minute to 12 hours
FIS_MAX_ACTION_S = 12 * 3600
MAX_STOP_CONDITIONS = 5
RUN_TAG = "gameday:run"
FAULT_TAG = "gameday:fault"
TARGET_TAG = "gameday:target"  # names the logical resource in template files for localcloud
# Set on a template file's template when gameday turned its emptyTargetResolutionMode skip into
# fail, so the experiment in the account and the run's outcome both say so.
EMPTY_TARGETS_TAG = "gameday:empty-target-resolution"
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


def ecs_tasks(
    target: AwsTarget, service: str, count: int | None, percent: float | None, zone: str | None = None
) -> dict[str, Any]:
    """An FIS target choosing ``count`` or ``percent`` (none: all) of a mapped service's tasks,
    only those placed in ``zone`` when one is given (FIS filters DescribeTasks' ``availabilityZone``)."""
    mapped = target.service(service)
    tasks: dict[str, Any] = {
        "resourceType": "aws:ecs:task",
        "parameters": {"cluster": mapped.cluster, "service": mapped.service},
        "selectionMode": selection_mode(count, percent),
    }
    if zone is not None:
        tasks["filters"] = [{"path": "AvailabilityZone", "values": [zone]}]
    return tasks


def lambda_function(target: AwsTarget, path: AwsPath) -> dict[str, Any]:
    """An FIS target for the Lambda function a path maps to, also chosen by the opt-in tag."""
    assert path.lambda_function is not None
    return {
        "resourceType": "aws:lambda:function",
        "resourceTags": opt_in_tags(target),
        "filters": [{"path": "FunctionName", "values": [path.lambda_function]}],
        "selectionMode": "ALL",
    }


def opt_in_tags(target: AwsTarget) -> dict[str, str]:
    """The target's opt-in tag as FIS ``resourceTags``."""
    key, value = target.opt_in_tag.split("=", 1)
    return {key: value}


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
