"""Revert plans executed from the ledger alone, for runs that could not revert their own faults.

A revert plan is the JSON an injector wrote to the ledger before injecting. Its ``"action"`` names
the entry in :data:`REVERTERS` that undoes it, so ``gameday rollback`` needs nothing but the run
folder. A kind of fault whose revert does something (restore a security-group rule, put a queue
attribute back, clear a localcloud path fault) brings its reverters in
:attr:`faults.kind.FaultKind.reverts`. Every reverter must be
idempotent: a torn ``reverted`` line means the same plan may run twice.
"""

from __future__ import annotations

from typing import Any

from faults.catalogue import REVERTS
from faults.fis.runner import REVERT_ACTION as STOP_FIS_EXPERIMENT
from faults.fis.runner import revert_from_plan as stop_fis_experiment
from faults.kind import RevertContext, Reverter, RevertFailed, through_aws
from faults.plans import InvalidRevertPlan, check_revert_plan
from gameday.evidence.aws.sampling import REVERT_ACTION as DELETE_SAMPLING_RULES
from gameday.evidence.aws.sampling import delete_rules_from_plan


def _nothing_to_undo(plan: dict[str, Any], _context: RevertContext) -> str:
    why = plan.get("why")
    return f"nothing to undo: {why}" if why else "nothing to undo"


REVERTERS: dict[str, Reverter] = {
    "none": _nothing_to_undo,
    STOP_FIS_EXPERIMENT: through_aws(stop_fis_experiment),
    DELETE_SAMPLING_RULES: through_aws(delete_rules_from_plan),
    **{action: revert.undo for action, revert in REVERTS.items()},
}
"""Every reverter by its plan's ``action``: gameday's own, then every installed fault kind's."""


def execute_revert_plan(plan: dict[str, Any], context: RevertContext) -> str:
    """Carry out one recorded plan; :class:`RevertFailed` names the run, the fault and the action."""
    where = f"run {context.run_id}, fault {context.fault_id}"
    action = plan.get("action")
    if not isinstance(action, str):
        raise RevertFailed(f"{where}: the revert plan has no 'action'")
    reverter = REVERTERS.get(action)
    if reverter is None:
        known = ", ".join(sorted(REVERTERS))
        raise RevertFailed(f"{where}: unknown revert action '{action}' (known: {known})")
    try:
        check_revert_plan(plan)
    except InvalidRevertPlan as error:
        raise RevertFailed(f"{where}: {error}") from None
    try:
        return reverter(plan, context)
    except RevertFailed:
        raise
    except Exception as exc:  # a reverter's own failure is reported per fault, not as a traceback
        raise RevertFailed(f"{where}: revert action '{action}' failed: {type(exc).__name__}: {exc}") from exc
