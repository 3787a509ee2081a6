"""A scenario fault on an AWS target as an FIS CreateExperimentTemplate input (pure, no calls).

Each fault becomes one template with one action, so the timeline still decides when it starts and
the ledger still records one revert plan per fault. The action is the fault kind's own FIS mapping
(:attr:`faults.kind.FaultKind.fis`); selection follows FIS ``selectionMode``. ECS tasks are chosen
by the ``cluster``/``service`` parameters only: whether FIS combines ``resourceTags`` with those
parameters is not documented, and tasks carry tags only when the service propagates them. Subnets
and Lambda functions are chosen by filters and also by the target's opt-in tag, which FIS does
combine with filters.

``build_combined_template`` instead puts every fault of a scenario in one template on the
scenario's timeline (``gameday fis-template --combined``): a fault at offset ``at`` > 0 starts after
an ``aws:fis:wait`` of ``at``, a fault at 0 starts at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from faults.catalogue import kind_of
from faults.fis.parts import (
    FIS_MIN_ACTION_S,
    RUN_TAG,
    Template,
    iso_duration,
    role_arn,
    run_tags,
    stop_conditions,
)
from gameday.errors import InputError
from gameday.faultspecs import FaultBase
from gameday.targets import AwsTarget

MAX_ACTIONS = 20  # actions per experiment template (default quota L-0BFE6B67)
MAX_PARALLEL_ACTIONS = 10  # actions running at once in one experiment (default quota L-EB051440)
WAIT_ACTION = "aws:fis:wait"


def build_template(fault: FaultBase, target: AwsTarget, *, run_id: str, fault_id: str) -> Template:
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
    faults: Sequence[tuple[str, FaultBase]], target: AwsTarget, *, run_id: str, scenario: str
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


def has_fis_action(fault: FaultBase) -> bool:
    """Whether the fault's kind maps to an FIS action (a template file is not one fault's action)."""
    return kind_of(fault).fis is not None


def fault_action(
    fault: FaultBase, target: AwsTarget, *, target_name: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(FIS action, FIS target) for one fault, the action pointing at the target ``target_name``."""
    mapping = kind_of(fault).fis
    if mapping is None:
        raise InputError(f"faults: {fault.kind} has no FIS action; use via: api")
    action_id, target_key, parameters, fis_target = mapping(fault, target)
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
