"""The run clock counts on the monotonic clock, and the timeline says when it next has work."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from faults.base import InjectOutcome
from faults.kill_tasks.spec import KillTasks
from gameday.ledger import Ledger
from gameday.run.clock import RunClock
from gameday.run.plan import PlannedFault
from gameday.run.timeline import FaultState, Timeline


def test_a_wall_clock_step_does_not_move_the_run_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = RunClock()
    before = clock.now()
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600.0)  # NTP steps the wall clock an hour
    assert 0 <= clock.now() - before < 60
    assert clock.started_at < real() + 1


def test_sleep_until_never_sleeps_past_its_bound_or_for_a_past_time(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    clock = RunClock()
    clock.sleep_until(clock.now() + 100.0, at_most=0.2)
    clock.sleep_until(clock.now() - 1.0, at_most=0.2)
    clock.sleep_until(clock.now() + 0.05, at_most=0.2)
    assert slept[0] == 0.2 and len(slept) == 2 and 0 < slept[1] <= 0.05


class _Injector:
    fault_id = "f1-kill-tasks"

    def revert_plan(self) -> dict[str, object]:
        return {"action": "none"}

    def inject(self) -> InjectOutcome:
        return InjectOutcome(landed=True, detail="done")

    def revert(self) -> None:
        return None


def test_the_timeline_is_next_due_at_the_start_then_at_the_window_end(tmp_path: Path) -> None:
    spec = KillTasks.model_validate(
        {"kind": "kill-tasks", "at": 10, "for": 5, "count": 1, "target": {"service": "orders"}}
    )
    state = FaultState(PlannedFault("f1-kill-tasks", 10.0, spec), _Injector(), planned_at=1000.0)  # type: ignore[arg-type]
    timeline = Timeline([state], Ledger(tmp_path / "ledger.jsonl"), lambda _: None, now=lambda: 1000.5)
    assert timeline.next_due() == 1000.0
    timeline.due(1000.0)
    assert timeline.next_due() == 1005.0
    timeline.due(1005.0)
    assert timeline.next_due() is None
    timeline.revert_all()
    assert state.injected_at == 1000.5 and state.reverted_at == 1000.5  # times come from the run clock
