"""When an FIS experiment counts as a landed fault: an action that harms began on resolved targets.

FIS calls an experiment running as soon as any action runs, an ``aws:fis:wait`` included, and with
``emptyTargetResolutionMode: skip`` it runs actions whose targets resolved to nothing. Neither
harms anything, so neither lands the fault: a mis-tagged account would otherwise get a landed
fault and most likely a PASS. These functions are pure; :mod:`faults.fis.runner` makes the calls.
"""

from __future__ import annotations

from typing import Any

from faults.base import InjectOutcome
from faults.fis.builder import WAIT_ACTION

TERMINAL = frozenset({"completed", "stopped", "failed", "cancelled"})
ACTION_STARTED = frozenset({"running", "completed"})
EMPTY_TARGETS = "every target resolved to no resources"
ONLY_WAITED = f"only {WAIT_ACTION} ran in the fault's window"

Experiment = dict[str, Any]
ResolvedTarget = dict[str, Any]


def status(experiment: Experiment) -> str:
    return str(experiment["state"]["status"])


def _action_status(action: dict[str, Any]) -> str:
    return str(action.get("state", {}).get("status", "pending"))


def _harmful(experiment: Experiment) -> dict[str, dict[str, Any]]:
    """The experiment's actions other than ``aws:fis:wait``, by name."""
    actions: dict[str, dict[str, Any]] = experiment.get("actions", {})
    return {name: action for name, action in actions.items() if action.get("actionId") != WAIT_ACTION}


def harm_started(experiment: Experiment) -> bool:
    """Whether an action that harms is running or completed (targets are resolved by then)."""
    return any(_action_status(action) in ACTION_STARTED for action in _harmful(experiment).values())


def decided(experiment: Experiment) -> bool:
    """Whether following the experiment can stop: harm began, or the experiment is over."""
    return status(experiment) in TERMINAL or harm_started(experiment)


def landed(experiment: Experiment, resolved: list[ResolvedTarget]) -> InjectOutcome:
    """The outcome once harm started: landed when its actions' targets resolved to resources."""
    names = {
        target_name
        for action in _harmful(experiment).values()
        if _action_status(action) in ACTION_STARTED
        for target_name in action.get("targets", {}).values()
    }
    affected = list(
        dict.fromkeys(
            value
            for target in resolved
            if target.get("targetName") in names
            for value in target.get("targetInformation", {}).values()
        )
    )
    if not affected:
        return InjectOutcome(landed=False, detail=f"{_head(experiment)}: {_empty_targets(experiment)}")
    actions = ", ".join(
        f"{name} {_action_status(action)}" for name, action in sorted(experiment.get("actions", {}).items())
    )
    return InjectOutcome(
        landed=True,
        detail=f"{_head(experiment)} ({actions}); {len(affected)} resolved target(s)",
        affected=affected,
    )


def not_landed(experiment: Experiment) -> InjectOutcome:
    """The outcome of an experiment that ended before any action that harms started."""
    return InjectOutcome(landed=False, detail=f"{_head(experiment)}: {why_no_harm(experiment)}")


def why_no_harm(experiment: Experiment) -> str:
    """FIS's own words for an experiment in which no action that harms started."""
    reasons = [experiment["state"]["reason"]] if experiment["state"].get("reason") else []
    for name, action in sorted(_harmful(experiment).items()):
        reasons.extend(_action_reason(experiment, name, action))
    if reasons:
        return "; ".join(reasons)
    actions = experiment.get("actions", {}).values()
    waited = any(_action_status(action) in ACTION_STARTED for action in actions)  # all waits: no harm started
    return ONLY_WAITED if waited else "no action started"


def _action_reason(experiment: Experiment, name: str, action: dict[str, Any]) -> list[str]:
    """Why FIS did not run one action: skipped on empty targets, or its state's reason."""
    if _action_status(action) == "skipped":
        return [f"{name} skipped: {_empty_targets(experiment)}"]
    reason = action.get("state", {}).get("reason")
    return [f"{name} ({action.get('actionId')}) {_action_status(action)}: {reason}"] if reason else []


def _head(experiment: Experiment) -> str:
    return f"FIS experiment {experiment['id']} {status(experiment)}"


def _empty_targets(experiment: Experiment) -> str:
    mode = experiment.get("experimentOptions", {}).get("emptyTargetResolutionMode")
    return f"{EMPTY_TARGETS} (emptyTargetResolutionMode {mode})" if mode else EMPTY_TARGETS
