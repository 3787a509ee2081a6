"""Steady state: p50/p99 latency per phase, and the time until availability is back after the faults."""

from __future__ import annotations

import pytest
from xray_calls import FAULT_END, RUN_END, T0, run_with

from gameday.evidence.records import Gap, RequestRecord, Score, Verdict
from gameday.scoring.latency import LatencyExpectation, score_latency
from gameday.scoring.steady_state import RecoveryTimeExpectation, score_time_to_recover
from gameday.scoring.testing import synthetic_evidence


@pytest.mark.parametrize(
    ("score", "phase", "value"),
    [
        ("p50_latency_ms", "baseline", 100),
        ("p99_latency_ms", "baseline", 200),
        ("p50_latency_ms", "fault", 300),
        ("p99_latency_ms", "fault", 900),
    ],
)
def test_p50_and_p99_per_phase_on_the_synthetic_run(score: str, phase: str, value: float) -> None:
    at = LatencyExpectation.model_validate({"score": score, "phase": phase, "max": value})
    (passed,) = score_latency(at, synthetic_evidence())
    assert (passed.name, passed.value, passed.verdict) == (score, value, Verdict.PASS)
    assert passed.why.startswith(f"p{score[1:3]} of 200 requests during {phase} was")
    below = LatencyExpectation.model_validate({"score": score, "phase": phase, "max": value - 1})
    assert score_latency(below, synthetic_evidence())[0].verdict is Verdict.FAIL


def _requests(ok_from: float) -> list[RequestRecord]:
    """Two requests a second after the fault ends; those before ``ok_from`` fail."""
    times = [FAULT_END + i / 2 for i in range(int((RUN_END - FAULT_END) * 2))]
    return [
        RequestRecord(t=T0 + t, name="GET /", method="GET", latency_ms=50, status=503, ok=False)
        if t < ok_from
        else RequestRecord(t=T0 + t, name="GET /", method="GET", latency_ms=50, status=200, ok=True)
        for t in times
    ]


def _recover(limit: float, ok_from: float, gaps: list[Gap] | None = None, window: str = "5s") -> Score:
    expectation = RecoveryTimeExpectation.model_validate(
        {"score": "time_to_recover_s", "max": limit, "min": 0.99, "window": window}
    )
    (score,) = score_time_to_recover(expectation, run_with([], requests=_requests(ok_from), gaps=gaps))
    return score


def test_time_to_recover_is_from_the_fault_end_to_the_first_window_meeting_min() -> None:
    score = _recover(3.0, ok_from=43.0)
    assert (score.value, score.verdict, score.unit) == (pytest.approx(3.0), Verdict.PASS, "s")
    assert _recover(2.9, ok_from=43.0).verdict is Verdict.FAIL


def test_never_recovering_fails_only_when_the_run_watched_long_enough() -> None:
    assert _recover(10, ok_from=99).verdict is Verdict.FAIL
    too_short = _recover(30, ok_from=99)
    assert (too_short.verdict, too_short.value) == (Verdict.INCONCLUSIVE, None)
    late = _recover(30, ok_from=58, window="5s")  # recovers, but no full 5 s window fits before the end
    assert late.verdict is Verdict.INCONCLUSIVE


def test_time_to_recover_without_requests_fault_or_with_a_gap_is_inconclusive() -> None:
    expectation = RecoveryTimeExpectation(score="time_to_recover_s", max=10)
    (no_requests,) = score_time_to_recover(expectation, run_with([]))
    (no_fault,) = score_time_to_recover(expectation, run_with([], requests=_requests(40), landed=False))
    gap = _recover(10, ok_from=43.0, gaps=[Gap(source="requests", reason="the load process died")])
    assert {no_requests.verdict, no_fault.verdict, gap.verdict} == {Verdict.INCONCLUSIVE}
    assert gap.value == pytest.approx(3.0)
