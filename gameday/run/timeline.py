"""The fault timeline: inject each fault at its time, and revert every fault however the run ends.

Order per fault, always: ledger intent (with the revert plan) → inject → ledger outcome. A fault is
reverted when its window (``for``) ends, so the recovery phase sees the target heal; whatever is
still applied when the run ends is reverted then, in reverse order of injection. Reverts are
recorded too, so a killed run leaves a ledger that ``gameday rollback`` can act on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from faults.base import Injector, InjectOutcome
from gameday.evidence.records import FaultRecord
from gameday.ledger import Ledger
from gameday.run.console import Say
from gameday.run.plan import PlannedFault


@dataclass
class FaultState:
    planned: PlannedFault
    injector: Injector
    planned_at: float
    injected_at: float | None = None
    reverted_at: float | None = None
    outcome: InjectOutcome | None = None
    error: str | None = None

    def record(self) -> FaultRecord:
        spec = self.planned.spec
        outcome = self.outcome
        landed = outcome is not None and outcome.landed
        detail = (
            outcome.detail if outcome is not None else (self.error or "never injected: the run ended first")
        )
        return FaultRecord(
            id=self.planned.fault_id,
            kind=spec.kind,
            target=spec.target_label,
            planned_at=self.planned_at,
            injected_at=self.injected_at,
            window_end=self.planned_at + spec.for_,
            reverted_at=self.reverted_at,
            landed=landed,
            detail=detail,
            affected=list(outcome.affected) if outcome is not None else [],
        )


class Timeline:
    """Runs injections off the main thread so a slow API call never delays the clock or the guard."""

    def __init__(
        self, faults: list[FaultState], ledger: Ledger, say: Say, now: Callable[[], float] = time.time
    ) -> None:
        self._faults = faults
        self._ledger = ledger
        self._say = say
        self._now = now  # the run clock's epoch seconds (gameday.run.clock)
        # One worker per fault for its injection and one for its window's end.
        self._pool = ThreadPoolExecutor(max_workers=max(1, 2 * len(faults)), thread_name_prefix="fault")
        self._pending: dict[str, Future[None]] = {}
        self._ending: dict[str, Future[None]] = {}

    def due(self, now: float) -> None:
        """Start every fault whose time has come, and end every started fault whose window is over."""
        for state in self._faults:
            fault_id = state.planned.fault_id
            if fault_id not in self._pending and now >= state.planned_at:
                self._pending[fault_id] = self._pool.submit(self._inject, state)
            elif (
                fault_id in self._pending
                and fault_id not in self._ending
                and now >= state.planned_at + state.planned.spec.for_
            ):
                self._ending[fault_id] = self._pool.submit(self._end_window, state, self._pending[fault_id])

    def __enter__(self) -> Timeline:
        return self

    def __exit__(self, *_: object) -> None:
        """Leaving the block reverts whatever is still applied, however it is left."""
        self.revert_all()

    def next_due(self) -> float | None:
        """When :meth:`due` next has something to start or end; None when nothing is left."""
        times = []
        for state in self._faults:
            fault_id = state.planned.fault_id
            if fault_id not in self._pending:
                times.append(state.planned_at)
            elif fault_id not in self._ending:
                times.append(state.planned_at + state.planned.spec.for_)
        return min(times, default=None)

    def _end_window(self, state: FaultState, injection: Future[None]) -> None:
        injection.exception()  # never revert while the inject call is still in flight
        self._revert(state)

    def _inject(self, state: FaultState) -> None:
        fault_id = state.planned.fault_id
        try:
            plan = state.injector.revert_plan()
            self._ledger.intent(fault_id, state.planned.spec.kind, state.record().target, plan)
        except Exception as exc:  # no inject without a plan rollback could carry out
            state.error = f"not injected: {type(exc).__name__}: {exc}"
            self._ledger.failed_inject(fault_id, state.error)
            self._say(f"fault {fault_id}: {state.error}")
            return
        state.injected_at = self._now()
        try:
            state.outcome = state.injector.inject()
        except Exception as exc:  # a provider bug must not take the run down without reverting
            state.error = f"inject failed: {type(exc).__name__}: {exc}"
            self._ledger.failed_inject(fault_id, state.error)
            self._say(f"fault {fault_id}: {state.error}")
            return
        self._ledger.injected(fault_id, state.outcome)
        mark = "landed" if state.outcome.landed else "DID NOT LAND"
        self._say(f"fault {fault_id} {mark}: {state.outcome.detail}")

    def revert_all(self) -> None:
        """Wait for injections and window ends in flight, then revert what is still applied (a
        failed window-end revert is tried again) in reverse order; never raises."""
        for future in [*self._pending.values(), *self._ending.values()]:
            future.exception()
        self._pool.shutdown(wait=True)
        for state in reversed(self._faults):
            if state.planned.fault_id in self._pending and state.reverted_at is None:
                self._revert(state)

    def _revert(self, state: FaultState) -> None:
        try:
            state.injector.revert()
        except Exception as exc:
            self._ledger.failed_revert(state.planned.fault_id, f"{type(exc).__name__}: {exc}")
            self._say(f"fault {state.planned.fault_id}: REVERT FAILED: {exc}")
            return
        state.reverted_at = self._now()
        self._ledger.reverted(state.planned.fault_id)
