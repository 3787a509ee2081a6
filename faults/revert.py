"""Revert plans executed from the ledger alone, for runs that could not revert their own faults.

A revert plan is the JSON an injector wrote to the ledger before injecting. Its ``"action"`` names
the entry in :data:`REVERTERS` that undoes it, so ``gameday rollback`` needs nothing but the run
folder. A kind of fault whose revert does something (restore a security-group rule, put a queue
attribute back, clear a localcloud path fault) adds one entry here. Every reverter must be
idempotent: a torn ``reverted`` line means the same plan may run twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.client import BaseClient

from faults.api_change import Undo
from faults.cpu.local import REVERT_ACTION as STOP_LOCAL_CPU_STRESS
from faults.cpu.local import undo_cpu_stress
from faults.fis.local import SEQUENCE_ACTION
from faults.fis.runner import REVERT_ACTION as STOP_FIS_EXPERIMENT
from faults.fis.runner import revert_from_plan as stop_fis_experiment
from faults.network.aws import UNDO as NETWORK_AWS_UNDO
from faults.network.local import REVERT_ACTION as CLEAR_LOCAL_PATH_FAULT
from faults.network.local import clear_path_fault_from_plan
from faults.plans import InvalidRevertPlan, check_revert_plan
from faults.queue.aws import UNDO as QUEUE_AWS_UNDO
from faults.queue.local import REVERT_ACTION as RESTORE_LOCAL_QUEUE
from faults.queue.local import undo_queue_throttle
from gameday.aws_session import aws_client
from gameday.errors import EnvironmentProblem, GamedayError
from gameday.evidence.aws.sampling import REVERT_ACTION as DELETE_SAMPLING_RULES
from gameday.evidence.aws.sampling import delete_rules_from_plan
from gameday.safety.account import check_account
from gameday.targets import AwsTarget, Target, load_target


@dataclass(frozen=True)
class RevertContext:
    """Where a plan came from, for messages and for reverters that must find their target."""

    run_id: str
    fault_id: str
    target_name: str | None  # from the run's plan.json; None when it cannot be read
    targets_file: Path = Path("targets.yaml")  # where ``target_name`` is defined

    def target(self) -> Target:
        """The run's target, read from the targets file now: a plan only stores what it changed."""
        if self.target_name is None:
            raise RevertFailed(f"run {self.run_id}: plan.json names no target, so it cannot be reached")
        return load_target(self.targets_file, self.target_name)

    def aws_client(self, service_name: str) -> BaseClient:
        """A client for the run's AWS target, for reverters that undo a change made through the AWS API.

        The credentials' account is checked against the target's allowlist first, as a run does:
        a rollback under the wrong profile must not touch another account's resources.
        """
        target = self.target()
        if not isinstance(target, AwsTarget):
            raise RevertFailed(f"target '{self.target_name}' in {self.targets_file} is not an AWS target")
        _allowed_account(target, self.target_name or "")
        return aws_client(target, service_name)


class RevertFailed(GamedayError):
    """A plan could not be carried out; the fault stays unreverted."""


def _allowed_account(target: AwsTarget, target_name: str) -> None:
    """Raise RevertFailed unless the credentials act in an account the target allows."""
    try:
        check_account(target, target_name, aws_client(target, "sts"))
    except EnvironmentProblem as problem:
        raise RevertFailed(f"not reverted: {problem}") from None


Reverter = Callable[[dict[str, Any], RevertContext], str]
"""Undo what ``plan`` describes and return one line saying what was done; raise on failure."""


def _nothing_to_undo(plan: dict[str, Any], _context: RevertContext) -> str:
    why = plan.get("why")
    return f"nothing to undo: {why}" if why else "nothing to undo"


def _through_aws(undo: Undo) -> Reverter:
    """An AWS undo run from the ledger, with clients for the run's target from the targets file."""
    return lambda plan, context: undo(plan, context.aws_client)


def _in_reverse_order(plan: dict[str, Any], context: RevertContext) -> str:
    """Several faults recorded as one (an FIS template on localcloud): undo the last one first."""
    return "; ".join(execute_revert_plan(part, context) for part in reversed(plan["plans"]))


REVERTERS: dict[str, Reverter] = {
    "none": _nothing_to_undo,
    STOP_FIS_EXPERIMENT: _through_aws(stop_fis_experiment),
    SEQUENCE_ACTION: _in_reverse_order,
    **{action: _through_aws(undo) for action, undo in QUEUE_AWS_UNDO.items()},
    **{action: _through_aws(undo) for action, undo in NETWORK_AWS_UNDO.items()},
    CLEAR_LOCAL_PATH_FAULT: clear_path_fault_from_plan,
    RESTORE_LOCAL_QUEUE: undo_queue_throttle,
    STOP_LOCAL_CPU_STRESS: undo_cpu_stress,
    DELETE_SAMPLING_RULES: _through_aws(delete_rules_from_plan),
}


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
