"""Faults done by changing a setting through the AWS API, and undone by putting it back.

Every such fault has the same shape: read what is there now (the revert plan, written to the
ledger before anything changes), change it, then confirm the platform shows the change. The
revert plan alone must be enough to undo the change, so the run's own revert and ``gameday
rollback`` call the same undo function with the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from botocore.client import BaseClient

from faults.base import FaultNotLanded, InjectOutcome
from gameday.aws_session import throttle_retry
from gameday.processes import wait_until

AwsClients = Callable[[str], BaseClient]
"""Builds a client for one AWS service name ("sqs", "ec2" …) in the target's account and region."""

Undo = Callable[[dict[str, Any], AwsClients], str]
"""Put back what a revert plan records; idempotent; returns one line saying what was done."""

DEFAULT_EFFECT_TIMEOUT_S = 30.0
_T = TypeVar("_T")


@throttle_retry
def call(operation: Callable[..., _T], **params: Any) -> _T:
    """One AWS call, retried as a whole on sustained throttling."""
    return operation(**params)


class ApiChange(Protocol):
    """One setting changed on AWS. Methods raise :class:`FaultNotLanded` when AWS refuses."""

    def describe(self) -> str: ...

    def prepare(self) -> dict[str, Any]:
        """Read-only: the revert plan holding the exact values the change will replace."""
        ...

    def apply(self) -> tuple[str, list[str]]:
        """Make the change; (one line saying what changed, the ids of the resources touched)."""
        ...

    def not_observed(self) -> str | None:
        """None once AWS shows the change, else why the harm is not visible yet."""
        ...


class ApiChangeInjector:
    """Drives one :class:`ApiChange` as an injector: plan first, change, confirm, undo on revert."""

    poll_interval_s = 1.0

    def __init__(
        self,
        change: ApiChange,
        undo: Undo,
        clients: AwsClients,
        *,
        fault_id: str,
        effect_timeout_s: float = DEFAULT_EFFECT_TIMEOUT_S,
    ) -> None:
        self.fault_id = fault_id
        self._change = change
        self._undo = undo
        self._clients = clients
        self._effect_timeout_s = effect_timeout_s
        self._plan: dict[str, Any] | None = None
        self._not_prepared: str | None = None

    def describe(self) -> str:
        return self._change.describe()

    def revert_plan(self) -> dict[str, Any]:
        """Read the current values once; a refused read means nothing will be changed."""
        if self._plan is None:
            try:
                self._plan = self._change.prepare()
            except FaultNotLanded as problem:
                self._not_prepared = problem.reason
                self._plan = {"action": "none", "why": f"nothing was changed: {problem.reason}"}
        return self._plan

    def inject(self) -> InjectOutcome:
        self.revert_plan()
        if self._not_prepared is not None:
            return InjectOutcome(landed=False, detail=self._not_prepared)
        affected: list[str] = []
        try:
            detail, affected = self._change.apply()
            why_not = [self._change.not_observed()]

            def observed() -> bool:
                why_not[0] = self._change.not_observed()
                return why_not[0] is None

            if not wait_until(observed, self._effect_timeout_s, interval_s=self.poll_interval_s):
                return InjectOutcome(
                    landed=False,
                    detail=f"{why_not[0]} {self._effect_timeout_s:g}s after the change ({detail})",
                    affected=affected,
                )
        except FaultNotLanded as problem:
            return InjectOutcome(landed=False, detail=problem.reason, affected=affected)
        return InjectOutcome(landed=True, detail=detail, affected=affected)

    def revert(self) -> None:
        """Put back what the plan recorded; nothing when the plan was never made or changes nothing."""
        if self._plan is None or self._plan.get("action") == "none":
            return
        self._undo(self._plan, self._clients)
