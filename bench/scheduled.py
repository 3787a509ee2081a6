"""One fault through the run's own machinery: a Timeline driven on a clock like the orchestrator's.

What is timed is what a run does — ledger intent (fsynced), inject, ledger outcome, revert — so a
benchmark figure includes every cost a game day pays, including the run clock's tick.
"""

from __future__ import annotations

from pathlib import Path

from faults.base import Injector
from faults.catalogue import FaultSpec
from gameday.ledger import Ledger
from gameday.run.clock import RunClock
from gameday.run.orchestrator import PROGRESS_TICK_S
from gameday.run.plan import PlannedFault
from gameday.run.timeline import FaultState, Timeline

DRIVE_TICK_S = PROGRESS_TICK_S  # the longest the run clock (gameday/run/orchestrator.py) sleeps


def _quiet(_line: str) -> None:
    """The Timeline's console lines are not wanted while timing; outcomes are read from the state."""


class ScheduledFault:
    """A single-fault timeline whose ledger lives in ``folder``."""

    def __init__(self, spec: FaultSpec, injector: Injector, planned_at: float, ledger_path: Path) -> None:
        planned = PlannedFault(fault_id=injector.fault_id, offset_s=0.0, spec=spec)
        self.clock = RunClock()
        self.state = FaultState(planned=planned, injector=injector, planned_at=planned_at)
        self.timeline = Timeline([self.state], Ledger(ledger_path), _quiet, self.clock.now)

    def drive_until_due(self) -> None:
        """Wait like the run clock until the fault's time has come and its injection has started."""
        while True:
            now = self.clock.now()
            self.timeline.due(now)
            if now >= self.state.planned_at:
                return
            self.clock.sleep_until(self.state.planned_at, at_most=DRIVE_TICK_S)

    def settled(self) -> bool:
        """The inject call has returned (landed or not) or failed."""
        return self.state.outcome is not None or self.state.error is not None
