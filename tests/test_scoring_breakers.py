"""Breaker scores from traces: open, shed, fail fast, close, flap — values checked by hand."""

from __future__ import annotations

from typing import Any

import pytest
from xray_calls import TIMEOUT, Traces, run_with

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score, Verdict
from gameday.scoring import dependency_calls
from gameday.scoring.breakers import (
    BreakerLimitExpectation,
    BreakerShedExpectation,
    BreakerTimeExpectation,
    score_breaker_limit,
    score_breaker_shed,
    score_breaker_time,
)
from gameday.traces import TraceReading

THREE_TIMEOUTS = [(0.0, 0.2, TIMEOUT), (0.25, 0.45, TIMEOUT), (0.55, 0.75, TIMEOUT)]  # a 750 ms failed call


def _failed_call(traces: Traces, at: float) -> None:
    traces.call("orders", [(at + s, at + e, status) for s, e, status in THREE_TIMEOUTS])


def _outage(flap: bool = False, closes: bool = True) -> RunEvidence:
    """orders is down for the fault [20, 40).

    During it: 3 failed calls (750 ms), the breaker opens at 22 (2.0 s in), sheds 22–24, a failed
    half-open trial at 27 (200 ms), sheds 28–30: shed 6/10, p95 of failures 750 ms, one transition.
    After it: shed at 41, a trial at 45 that succeeds at 45.1 (closed 5.1 s after), ok at 46.
    """
    traces = Traces()
    traces.call("orders", [(5.0, 5.1, 200)])
    for at in (20.5, 21.0, 21.5):
        _failed_call(traces, at)
    for at in (22.0, 23.0, 24.0):
        traces.short_circuit("orders", at)
    traces.call("orders", [(27.0, 27.2, TIMEOUT)])
    if flap:  # a success closes it, the next call is shed again: two more transitions
        traces.call("orders", [(27.5, 27.6, 200)])
    for at in (28.0, 29.0, 30.0):
        traces.short_circuit("orders", at)
    traces.short_circuit("orders", 41.0)
    if closes:
        traces.call("orders", [(45.0, 45.1, 200)])
        traces.call("orders", [(46.0, 46.1, 200)])
    traces.call("catalog", [(23.0, 23.1, 200)])  # another dependency
    return run_with([*traces.documents, *_bystander()])


def _bystander() -> list[dict[str, Any]]:
    """Five calls to orders after the outage from a task whose breaker never opened: the window
    holds enough calls to judge, and nothing a breaker score measures changes."""
    other = Traces(instance="bff-9")
    other.successes("orders", 50.0)
    return other.documents


def _time(name: str, limit: float, evidence: RunEvidence) -> Score:
    (score,) = score_breaker_time(
        BreakerTimeExpectation.model_validate({"score": name, "dependency": "orders", "max": limit}), evidence
    )
    return score


def _limit(name: str, limit: float, evidence: RunEvidence) -> Score:
    (score,) = score_breaker_limit(
        BreakerLimitExpectation.model_validate({"score": name, "dependency": "orders", "max": limit}),
        evidence,
    )
    return score


def _shed(need: float, evidence: RunEvidence) -> Score:
    (score,) = score_breaker_shed(
        BreakerShedExpectation(score="breaker_shed", dependency="orders", min=need), evidence
    )
    return score


def test_time_to_open_is_from_the_fault_to_the_first_short_circuit() -> None:
    score = _time("breaker_time_to_open_s", 2.0, _outage())
    assert (score.value, score.verdict, score.unit) == (pytest.approx(2.0), Verdict.PASS, "s")
    assert _time("breaker_time_to_open_s", 1.9, _outage()).verdict is Verdict.FAIL


def test_shed_share_and_fast_fail_during_the_outage() -> None:
    evidence = _outage()
    assert (_shed(0.6, evidence).value, _shed(0.6, evidence).verdict) == (pytest.approx(0.6), Verdict.PASS)
    assert _shed(0.61, evidence).verdict is Verdict.FAIL
    fast_fail = _limit("breaker_fast_fail_ms", 750, evidence)
    assert (fast_fail.value, fast_fail.verdict) == (pytest.approx(750, abs=0.01), Verdict.PASS)
    assert _limit("breaker_fast_fail_ms", 500, evidence).verdict is Verdict.FAIL


def test_time_to_close_is_from_the_fault_end_to_the_first_success() -> None:
    score = _time("breaker_time_to_close_s", 5.1, _outage())
    assert (score.value, score.verdict) == (pytest.approx(5.1), Verdict.PASS)
    assert "succeeded again 5.1 s after the outage" in score.why
    assert _time("breaker_time_to_close_s", 5.0, _outage()).verdict is Verdict.FAIL


def test_a_breaker_that_never_closes_fails_once_the_run_watched_long_enough() -> None:
    stuck = _outage(closes=False)  # 20 s watched after the outage
    assert _time("breaker_time_to_close_s", 10, stuck).verdict is Verdict.FAIL
    assert _time("breaker_time_to_close_s", 30, stuck).verdict is Verdict.INCONCLUSIVE


def test_flapping_counts_open_and_close_transitions_not_failed_trials() -> None:
    steady = _limit("breaker_flapping", 1, _outage())
    assert (steady.value, steady.verdict) == (1.0, Verdict.PASS)
    flapping = _limit("breaker_flapping", 1, _outage(flap=True))
    assert (flapping.value, flapping.verdict) == (3.0, Verdict.FAIL)


def test_a_breaker_that_never_opened_fails_to_open_and_has_no_close_to_time() -> None:
    traces = Traces()
    for at in (21.0, 23.0):
        _failed_call(traces, at)
    traces.call("orders", [(45.0, 45.1, 200)])
    evidence = run_with([*traces.documents, *_bystander()])
    never = _time("breaker_time_to_open_s", 10, evidence)
    assert (never.verdict, never.value) == (Verdict.FAIL, None)
    assert "the breaker never opened" in never.why
    assert _time("breaker_time_to_close_s", 10, evidence).verdict is Verdict.INCONCLUSIVE


def test_a_breaker_opening_only_after_the_outage_opened_late_and_still_closes() -> None:
    """Callers stuck on the broken dependency until after the revert: the open comes late, not never."""
    traces = Traces()
    for at in (21.0, 39.0):
        _failed_call(traces, at)
    traces.call("orders", [(40.5, 40.6, 200)])  # before it opened: not a close
    traces.short_circuit("orders", 41.0)
    traces.call("orders", [(47.0, 47.1, 200)])
    evidence = run_with([*traces.documents, *_bystander()])
    late = _time("breaker_time_to_open_s", 25, evidence)
    assert (late.value, late.verdict) == (pytest.approx(21.0), Verdict.PASS)
    assert "after the outage had ended" in late.why
    closed = _time("breaker_time_to_close_s", 10, evidence)
    assert (closed.value, closed.verdict) == (pytest.approx(7.1), Verdict.PASS)


def _two_tasks(old_closes: bool, new_opened: bool = False) -> RunEvidence:
    """Two bff tasks in front of orders during the outage [20, 40): the old one's breaker opens at
    22; a task started at 30 never saw the outage unless ``new_opened``. After it, the new task
    succeeds at 41; the old one is shed at 42 and 44, then (if it closes) succeeds at 46.1."""
    old, new = Traces(instance="bff-1"), Traces(instance="bff-3")
    for at in (20.5, 21.0, 21.5):
        _failed_call(old, at)
    for at in (22.0, 25.0, 38.0):
        old.short_circuit("orders", at)
    if new_opened:
        new.short_circuit("orders", 39.0)
    new.call("orders", [(41.0, 41.1, 200)])
    old.short_circuit("orders", 42.0)
    old.short_circuit("orders", 44.0)
    if old_closes:
        old.call("orders", [(46.0, 46.1, 200)])
    return run_with([*old.documents, *new.documents, *_bystander()])


def test_a_new_tasks_successes_do_not_hide_a_breaker_still_open_on_an_old_task() -> None:
    stuck = _time("breaker_time_to_close_s", 10, _two_tasks(old_closes=False))
    assert (stuck.verdict, stuck.value) == (Verdict.FAIL, None)
    assert "no call to orders from bff (bff-1) succeeded in the 20.0 s after the outage" in stuck.why


def test_time_to_close_waits_for_the_last_task_whose_breaker_opened() -> None:
    only_old = _time("breaker_time_to_close_s", 10, _two_tasks(old_closes=True))
    assert (only_old.value, only_old.verdict) == (pytest.approx(6.1), Verdict.PASS)
    both = _time("breaker_time_to_close_s", 10, _two_tasks(old_closes=True, new_opened=True))
    assert (both.value, both.verdict) == (pytest.approx(6.1), Verdict.PASS)
    assert "from the last of 2 callers whose breaker opened" in both.why
    assert _time("breaker_time_to_close_s", 6, _two_tasks(old_closes=True)).verdict is Verdict.FAIL


def test_a_task_that_opened_and_then_left_is_not_judged_on_closing() -> None:
    traces = Traces(instance="bff-2")
    for at in (20.5, 21.0, 21.5):
        _failed_call(traces, at)
    traces.short_circuit("orders", 22.0)  # then bff-2 was scaled in: no call after the outage
    other = Traces(instance="bff-1")
    other.short_circuit("orders", 30.0)
    other.call("orders", [(43.0, 43.2, 200)])
    closed = _time(
        "breaker_time_to_close_s", 10, run_with([*traces.documents, *other.documents, *_bystander()])
    )
    assert (closed.value, closed.verdict) == (pytest.approx(3.2), Verdict.PASS)
    fresh = Traces(instance="bff-4")  # started during the outage, its breaker never opened
    fresh.call("orders", [(45.0, 45.1, 200)])
    gone = _time(
        "breaker_time_to_close_s", 10, run_with([*traces.documents, *fresh.documents, *_bystander()])
    )
    assert gone.verdict is Verdict.INCONCLUSIVE
    assert "no caller whose breaker opened called orders" in gone.why


def test_flapping_is_counted_per_task_not_across_interleaved_tasks() -> None:
    """One task open (shedding) and one closed (succeeding, e.g. under a partial fault), in turns:
    neither breaker changed state after the first opened."""
    shedding, serving = Traces(instance="bff-1"), Traces(instance="bff-2")
    for at in (20.5, 21.0, 21.5):
        _failed_call(shedding, at)
    for at in range(22, 38, 2):
        shedding.short_circuit("orders", float(at))
        serving.call("orders", [(at + 1.0, at + 1.1, 200)])
    flapping = _limit("breaker_flapping", 1, run_with([*shedding.documents, *serving.documents]))
    assert (flapping.value, flapping.verdict) == (1.0, Verdict.PASS)


def test_without_traces_or_a_landed_fault_every_breaker_score_is_inconclusive() -> None:
    for evidence in (run_with([]), run_with(_outage().traces, landed=False)):
        scores = [
            _time("breaker_time_to_open_s", 10, evidence),
            _time("breaker_time_to_close_s", 10, evidence),
            _shed(0.5, evidence),
            _limit("breaker_fast_fail_ms", 100, evidence),
            _limit("breaker_flapping", 2, evidence),
        ]
        assert {s.verdict for s in scores} == {Verdict.INCONCLUSIVE}


def test_every_trace_score_of_a_run_parses_its_documents_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[int] = []
    real = dependency_calls.read_traces

    def counting(documents: list[dict[str, Any]], dependencies: Any = None) -> TraceReading:
        parsed.append(len(documents))
        return real(documents, dependencies)

    monkeypatch.setattr(dependency_calls, "read_traces", counting)
    evidence = _outage()
    _shed(0.5, evidence)
    _time("breaker_time_to_close_s", 10, evidence)
    _limit("breaker_flapping", 2, evidence)
    assert parsed == [len(evidence.traces)]
