"""What the orchestrator drives: one injector per fault entry of a scenario.

The contract is a pair (inject, revert) plus the revert plan, which the orchestrator writes to the
ledger *before* injecting, so a run killed mid-fault can still be rolled back. ``inject`` never
raises for things the target did (nothing to select, access denied, effect not observed): those
are an outcome with ``landed=False``, because a fault that did not take effect makes the run
INVALID rather than crashing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class InjectOutcome:
    """What one inject call achieved, as the run folder and the ledger record it."""

    landed: bool  # the harm was observed on the target, not merely requested
    detail: str  # one line: what was done, or why it did not land
    affected: list[str] = field(default_factory=list)  # real ids (task ids, task ARNs …)

    def to_json(self) -> dict[str, Any]:
        return {"landed": self.landed, "detail": self.detail, "affected": list(self.affected)}


class FaultNotLanded(Exception):
    """Raised inside a provider when the target refuses or cannot show the harm; becomes an outcome."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Injector(Protocol):
    """One fault entry bound to one target; built by :func:`faults.registry.build_injector`."""

    @property
    def fault_id(self) -> str: ...

    def describe(self) -> str:
        """One line for people, e.g. "stop 50% of service orders' running tasks"."""
        ...

    def revert_plan(self) -> dict[str, Any]:
        """JSON-able description of how to undo the fault, written to the ledger before inject."""
        ...

    def inject(self) -> InjectOutcome:
        """Do the harm once and confirm it took effect within a bounded wait."""
        ...

    def revert(self) -> None:
        """Undo the harm; safe to call more than once and when inject never ran or did not land."""
        ...
