"""Retry scores from traces: masking, amplification and backoff, with values checked by hand."""

from __future__ import annotations

import pytest
from xray_calls import FAULT_AT, TIMEOUT, Traces, run_with

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Gap, Score, Verdict
from gameday.scoring.retries import (
    RetryAmplificationExpectation,
    RetryBackoffExpectation,
    RetryMaskingExpectation,
    score_retry_amplification,
    score_retry_backoff,
    score_retry_masking,
)


def _masked_retries() -> RunEvidence:
    """During the fault: 4 calls rescued by a second attempt, 1 failing all 3, 5 fine at once, 1 shed.

    Masking 4/5; amplification (4·2 + 3 + 5) / 10 = 1.6. A failed call in the baseline is outside.
    """
    traces = Traces()
    traces.call("catalog", [(5.0, 5.1, 503)] * 3)
    for i in range(4):
        at = FAULT_AT + i
        traces.call("catalog", [(at, at + 0.1, 503), (at + 0.15, at + 0.2, 200)], streamed=i % 2 == 1)
    traces.call("catalog", [(25.0, 25.1, 503), (25.2, 25.3, TIMEOUT), (25.5, 25.6, 503)])
    for i in range(5):
        traces.call("catalog", [(26.0 + i, 26.05 + i, 200)])
    traces.short_circuit("catalog", 32.0)
    traces.call("orders", [(33.0, 33.1, 503), (33.2, 33.3, 503)])  # another dependency
    return run_with(traces.documents)


def _retry_storm() -> RunEvidence:
    """5 calls of 6 attempts each, every gap exactly 10 ms: amplification 6, growth 1, spread 0."""
    traces = Traces()
    for i in range(5):
        at = FAULT_AT + 1 + i
        traces.call("catalog", [(at + k * 0.11, at + k * 0.11 + 0.1, 503) for k in range(6)])
    return run_with(traces.documents)


def _jittered_backoff() -> RunEvidence:
    """Gaps (20, 60) ms and (40, 100) ms: growth (80/2) / (60/2) = 2.667, spread (1/3 + 1/4) / 2."""
    traces = Traces()
    traces.call("catalog", [(21.0, 21.1, 503), (21.12, 21.22, 503), (21.28, 21.38, 200)])
    traces.call("catalog", [(22.0, 22.1, 503), (22.14, 22.24, 503), (22.34, 22.44, 200)])
    traces.successes("catalog", 30.0, n=3)
    return run_with(traces.documents)


def _masking(need: float, evidence: RunEvidence) -> Score:
    (score,) = score_retry_masking(
        RetryMaskingExpectation(score="retry_masking", dependency="catalog", min=need), evidence
    )
    return score


def _amplification(limit: float, evidence: RunEvidence) -> Score:
    expectation = RetryAmplificationExpectation(score="retry_amplification", dependency="catalog", max=limit)
    (score,) = score_retry_amplification(expectation, evidence)
    return score


def _backoff(evidence: RunEvidence) -> Score:
    (score,) = score_retry_backoff(
        RetryBackoffExpectation(score="retry_backoff", dependency="catalog"), evidence
    )
    return score


def test_masking_is_the_share_of_failed_first_attempts_that_still_succeeded() -> None:
    evidence = _masked_retries()
    assert _masking(0.8, evidence).value == pytest.approx(0.8)
    assert _masking(0.8, evidence).verdict is Verdict.PASS
    assert _masking(0.81, evidence).verdict is Verdict.FAIL
    assert (
        "of 5 calls to catalog with a failed first attempt succeeded during fault"
        in _masking(0.8, evidence).why
    )


def test_amplification_counts_attempts_per_admitted_call() -> None:
    evidence = _masked_retries()
    score = _amplification(1.6, evidence)
    assert (score.value, score.verdict, score.unit) == (pytest.approx(1.6), Verdict.PASS, "attempts/call")
    assert "16 attempts for 10 calls to catalog during fault: 1.60 per call" in score.why
    assert _amplification(1.5, evidence).verdict is Verdict.FAIL


def test_a_retry_storm_with_equal_gaps_fails_amplification_and_backoff() -> None:
    evidence = _retry_storm()
    storm = _amplification(2.5, evidence)
    assert (storm.value, storm.verdict) == (6.0, Verdict.FAIL)
    backoff = _backoff(evidence)
    assert backoff.verdict is Verdict.FAIL
    assert backoff.value == pytest.approx(1.0)
    assert "spread 0.00" in backoff.why


def test_jittered_growing_backoff_passes() -> None:
    score = _backoff(_jittered_backoff())
    assert score.value == pytest.approx(8 / 3, rel=1e-4)
    assert score.verdict is Verdict.PASS
    assert f"spread {(1 / 3 + 1 / 4) / 2:.2f}" in score.why


def test_equal_but_not_growing_or_growing_but_equal_gaps_fail_backoff() -> None:
    traces = Traces()
    for at in (21.0, 22.0):  # identical doubling gaps in both calls: growth 2 but no jitter
        traces.call(
            "catalog", [(at, at + 0.1, 503), (at + 0.15, at + 0.25, 503), (at + 0.35, at + 0.45, 200)]
        )
    traces.successes("catalog", 30.0, n=3)
    score = _backoff(run_with(traces.documents))
    assert score.verdict is Verdict.FAIL
    assert score.value == pytest.approx(2.0, rel=1e-4)


def test_no_traces_or_a_trace_gap_is_inconclusive_never_a_pass() -> None:
    empty = run_with([])
    for score in (_masking(0.5, empty), _amplification(3, empty), _backoff(empty)):
        assert score.verdict is Verdict.INCONCLUSIVE
        assert "no traced calls to catalog during fault" in score.why
    gap = Gap(source="traces", reason="the daemon was unreachable")
    partial = run_with(_masked_retries().traces, gaps=[gap])
    score = _amplification(3, partial)
    assert (score.verdict, score.value) == (Verdict.INCONCLUSIVE, pytest.approx(1.6))
    assert "the daemon was unreachable" in score.why


def test_too_few_retries_to_judge_backoff_or_masking_is_inconclusive() -> None:
    traces = Traces()
    traces.successes("catalog", 21.0)
    evidence = run_with(traces.documents)
    assert _backoff(evidence).verdict is Verdict.INCONCLUSIVE
    assert _masking(0.5, evidence).verdict is Verdict.INCONCLUSIVE
    few = Traces()
    few.call("catalog", [(21.0, 21.1, 503), (21.2, 21.3, 200)])
    few.call("catalog", [(22.0, 22.1, 503), (22.2, 22.3, 200)])
    for score in (_masking(0.5, run_with(few.documents)), _amplification(3, run_with(few.documents))):
        assert score.verdict is Verdict.INCONCLUSIVE
        assert "only 2 traced calls to catalog during fault: too few to judge (need 5)" in score.why
