"""The timeline reverts a fault when its window ends, so the recovery phase sees the target heal,
and the end of the run reverts only what is still applied."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from faults.base import InjectOutcome
from faults.network.spec import BreakNetwork
from gameday.ledger import Ledger
from gameday.processes import wait_until
from gameday.run.plan import PlannedFault
from gameday.run.timeline import FaultState, Timeline


class Recorder:
    """An injector that records its calls; ``fail_reverts`` reverts raise before one succeeds."""

    fault_id = "f1"

    def __init__(self, fail_reverts: int = 0) -> None:
        self.calls: list[str] = []
        self._fail_reverts = fail_reverts

    def describe(self) -> str:
        return "record"

    def revert_plan(self) -> dict[str, Any]:
        return {"action": "none"}

    def inject(self) -> InjectOutcome:
        self.calls.append("inject")
        return InjectOutcome(landed=True, detail="recorded")

    def revert(self) -> None:
        self.calls.append("revert")
        if self._fail_reverts:
            self._fail_reverts -= 1
            raise RuntimeError("not yet")


def _timeline(tmp_path: Path, injector: Recorder, start: float) -> tuple[Timeline, FaultState]:
    spec = BreakNetwork.model_validate(
        {"kind": "break-network", "at": 1, "for": 2, "target": {"path": "a->b"}}
    )
    state = FaultState(
        planned=PlannedFault(fault_id="f1", offset_s=1, spec=spec), injector=injector, planned_at=start
    )
    return Timeline([state], Ledger(tmp_path / "ledger.jsonl"), lambda _line: None), state


def _events(tmp_path: Path) -> list[str]:
    return [json.loads(line)["event"] for line in (tmp_path / "ledger.jsonl").read_text().splitlines()]


def test_a_fault_is_reverted_when_its_window_ends_and_not_again(tmp_path: Path) -> None:
    injector = Recorder()
    start = time.time()
    timeline, state = _timeline(tmp_path, injector, start)

    timeline.due(start)
    timeline.due(start + 1.0)  # inside the window: nothing more happens
    assert wait_until(lambda: state.outcome is not None, 5)
    assert injector.calls == ["inject"]
    timeline.due(start + 2.0)  # the window is over
    assert wait_until(lambda: state.reverted_at is not None, 5)
    timeline.due(start + 3.0)
    timeline.revert_all()

    assert injector.calls == ["inject", "revert"]
    assert _events(tmp_path) == ["intent", "injected", "reverted"]


def test_a_failed_window_end_revert_is_tried_again_at_the_end_of_the_run(tmp_path: Path) -> None:
    injector = Recorder(fail_reverts=1)
    start = time.time()
    timeline, state = _timeline(tmp_path, injector, start)

    timeline.due(start)
    assert wait_until(lambda: state.outcome is not None, 5)
    timeline.due(start + 2.0)
    timeline.revert_all()

    assert injector.calls == ["inject", "revert", "revert"]
    assert _events(tmp_path) == ["intent", "injected", "failed_revert", "reverted"]


def test_a_run_that_ends_inside_the_window_reverts_at_its_end(tmp_path: Path) -> None:
    injector = Recorder()
    start = time.time()
    timeline, state = _timeline(tmp_path, injector, start)

    timeline.due(start)
    timeline.revert_all()

    assert injector.calls == ["inject", "revert"]
    assert state.reverted_at is not None
