"""The fault ledger: durable before inject, readable after any crash, honest about what is still applied."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faults.base import InjectOutcome
from gameday.ledger import FailedInject, FailedRevert, Injected, Intent, Ledger, LedgerCorrupt, Reverted

PLAN = {"action": "none", "why": "the scheduler replaces stopped tasks", "service": "orders"}


def _full_run(ledger: Ledger) -> None:
    ledger.intent("f1-kill-tasks", "kill-tasks", "service:orders", PLAN)
    ledger.injected("f1-kill-tasks", InjectOutcome(landed=True, detail="stopped 2 of 4", affected=["a", "b"]))
    ledger.intent("f2-kill-tasks", "kill-tasks", "service:catalog", PLAN)
    ledger.failed_inject("f2-kill-tasks", "inject failed: RuntimeError: boom")
    ledger.reverted("f1-kill-tasks")
    ledger.failed_revert("f2-kill-tasks", "RuntimeError: still boom")


class RecordingInjector:
    """Checks, at the moment of injecting, what a crash right now would leave in the ledger."""

    fault_id = "f1-kill-tasks"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen_at_inject: list[Any] = []

    def revert_plan(self) -> dict[str, Any]:
        return PLAN

    def inject(self) -> InjectOutcome:
        self.seen_at_inject = Ledger.read(self.path)
        return InjectOutcome(landed=True, detail="done", affected=["t-1"])


def test_the_revert_plan_is_on_disk_before_inject_runs(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path)
    injector = RecordingInjector(path)

    ledger.intent(injector.fault_id, "kill-tasks", "service:orders", injector.revert_plan())
    ledger.injected(injector.fault_id, injector.inject())

    (intent,) = injector.seen_at_inject
    assert isinstance(intent, Intent)
    assert intent.revert_plan == PLAN
    assert [e.event for e in Ledger.read(path)] == ["intent", "injected"]


def test_entries_read_back_typed_and_in_order(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    _full_run(Ledger(path))

    entries = Ledger.read(path)

    assert [type(e) for e in entries] == [Intent, Injected, Intent, FailedInject, Reverted, FailedRevert]
    injected = entries[1]
    assert isinstance(injected, Injected)
    assert (injected.landed, injected.detail, injected.affected) == (True, "stopped 2 of 4", ["a", "b"])
    assert all(e.t > 0 for e in entries)
    assert len(path.read_text().splitlines()) == 6


def test_unreverted_lists_intents_without_a_reverted_line(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    _full_run(ledger)

    (still_applied,) = ledger.unreverted()

    assert still_applied.fault_id == "f2-kill-tasks"
    assert still_applied.target == "service:catalog"
    assert still_applied.revert_plan == PLAN


def test_a_fault_killed_before_its_outcome_is_unreverted(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.intent("f1-kill-tasks", "kill-tasks", "service:orders", PLAN)

    assert [i.fault_id for i in ledger.unreverted()] == ["f1-kill-tasks"]
    ledger.reverted("f1-kill-tasks")
    assert ledger.unreverted() == []


def test_a_missing_ledger_is_empty(tmp_path: Path) -> None:
    assert Ledger.read(tmp_path / "nothing.jsonl") == []
    assert Ledger(tmp_path / "nothing.jsonl").unreverted() == []


def test_a_torn_last_line_is_ignored_and_cut_before_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path)
    ledger.intent("f1-kill-tasks", "kill-tasks", "service:orders", PLAN)
    with path.open("ab") as file:
        file.write(b'{"t": 1.0, "fault_id": "f1-kill-tasks", "event": "rever')  # killed mid-write

    assert [i.fault_id for i in Ledger(path).unreverted()] == ["f1-kill-tasks"]

    Ledger(path).reverted("f1-kill-tasks")  # e.g. `gameday rollback` appending to the same file

    assert [e.event for e in Ledger.read(path)] == ["intent", "reverted"]
    assert Ledger(path).unreverted() == []


def test_a_bad_line_before_the_end_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path)
    ledger.intent("f1-kill-tasks", "kill-tasks", "service:orders", PLAN)
    with path.open("ab") as file:
        file.write(b"not json\n")
    ledger.reverted("f1-kill-tasks")

    with pytest.raises(LedgerCorrupt, match=r"ledger\.jsonl:2: unreadable ledger line"):
        Ledger.read(path)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=10_000))
def test_a_crash_at_any_byte_leaves_a_readable_prefix(tmp_path: Path, cut: int) -> None:
    whole = tmp_path / "whole.jsonl"
    if not whole.exists():
        _full_run(Ledger(whole))
    data = whole.read_bytes()
    torn = tmp_path / "torn.jsonl"
    torn.write_bytes(data[: cut % (len(data) + 1)])

    entries = Ledger.read(torn)

    assert entries == Ledger.read(whole)[: len(entries)]
    assert len(entries) == torn.read_bytes().count(b"\n")


def test_threads_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path)

    def write(worker: int) -> None:
        for n in range(25):
            ledger.intent(f"f{worker}-{n}", "kill-tasks", "service:orders", PLAN)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(Ledger.read(path)) == 200
    assert len(ledger.unreverted()) == 200
