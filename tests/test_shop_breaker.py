"""The circuit breaker's state machine, driven by a fake clock (no sleeping)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from gameday.shop.breaker import BreakerSettings, BreakerState, CircuitBreaker
from gameday.shop.config import ConfigError


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


BASE = BreakerSettings(failure_threshold=3, minimum_calls=100, reset_timeout_s=5.0)


def make_breaker(clock: FakeClock, **overrides: Any) -> CircuitBreaker:
    return CircuitBreaker("catalog", replace(BASE, **overrides), clock)


def call(breaker: CircuitBreaker, *, failed: bool) -> BreakerState:
    permit = breaker.acquire()
    assert permit is not None, "the breaker refused a call it should have admitted"
    return breaker.record(permit, failed=failed)


def open_breaker(breaker: CircuitBreaker) -> None:
    for _ in range(breaker.settings.failure_threshold):
        call(breaker, failed=True)
    assert breaker.state is BreakerState.OPEN


def test_opens_after_the_threshold_of_consecutive_failures() -> None:
    breaker = make_breaker(FakeClock())
    assert call(breaker, failed=True) is BreakerState.CLOSED
    assert call(breaker, failed=True) is BreakerState.CLOSED
    assert call(breaker, failed=True) is BreakerState.OPEN
    assert breaker.acquire() is None


def test_a_success_resets_the_consecutive_count() -> None:
    breaker = make_breaker(FakeClock())
    for failed in (True, True, False, True, True):
        assert call(breaker, failed=failed) is BreakerState.CLOSED


def test_open_short_circuits_until_the_reset_timeout_then_admits_one_trial() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock)
    open_breaker(breaker)
    clock.advance(4.999)
    assert breaker.acquire() is None
    clock.advance(0.001)
    trial = breaker.acquire()
    assert trial is not None and trial.state is BreakerState.HALF_OPEN
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.acquire() is None, "a second call while the trial is in flight"


def test_a_successful_trial_closes_the_breaker() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock)
    open_breaker(breaker)
    clock.advance(5)
    assert call(breaker, failed=False) is BreakerState.CLOSED
    assert breaker.acquire() is not None
    assert call(breaker, failed=True) is BreakerState.CLOSED, "counts restart from zero once closed"


def test_a_failed_trial_reopens_for_a_whole_reset_timeout() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock)
    open_breaker(breaker)
    clock.advance(7)
    assert call(breaker, failed=True) is BreakerState.OPEN
    clock.advance(4.9)
    assert breaker.acquire() is None
    clock.advance(0.1)
    assert breaker.acquire() is not None


def test_an_abandoned_trial_lets_another_call_try() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock)
    open_breaker(breaker)
    clock.advance(5)
    trial = breaker.acquire()
    assert trial is not None
    breaker.abandon(trial)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.acquire() is not None


def test_outcomes_of_calls_admitted_before_a_state_change_are_ignored() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock)
    slow = breaker.acquire()
    assert slow is not None
    open_breaker(breaker)
    assert breaker.record(slow, failed=False) is BreakerState.OPEN, "a late success must not close it"
    clock.advance(5)
    trial = breaker.acquire()
    assert trial is not None
    assert breaker.record(slow, failed=True) is BreakerState.HALF_OPEN, "nor a late failure re-open it"
    assert breaker.record(trial, failed=False) is BreakerState.CLOSED


def test_opens_on_the_failure_rate_within_the_window() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock, failure_threshold=100, minimum_calls=4, failure_rate=0.5, window_s=10)
    for failed in (True, False, True):
        assert call(breaker, failed=failed) is BreakerState.CLOSED, "fewer calls than the minimum"
        clock.advance(1)
    assert call(breaker, failed=False) is BreakerState.OPEN, "2 of 4 calls failed"


def test_outcomes_older_than_the_window_do_not_count() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock, failure_threshold=100, minimum_calls=4, failure_rate=0.5, window_s=10)
    call(breaker, failed=True)
    call(breaker, failed=True)
    clock.advance(10)
    for _ in range(3):
        assert call(breaker, failed=False) is BreakerState.CLOSED
    assert call(breaker, failed=True) is BreakerState.CLOSED, "1 of 4 calls in the window failed"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKER_FAILURE_THRESHOLD", "2")
    monkeypatch.setenv("BREAKER_RESET_TIMEOUT", "0.5")
    monkeypatch.setenv("BREAKER_FAILURE_RATE", "0.8")
    settings = BreakerSettings.from_env()
    assert (settings.failure_threshold, settings.reset_timeout_s, settings.failure_rate) == (2, 0.5, 0.8)
    assert settings.window_s == BreakerSettings().window_s


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BREAKER_FAILURE_THRESHOLD", "0", "BREAKER_FAILURE_THRESHOLD='0' must be at least 1"),
        ("BREAKER_FAILURE_THRESHOLD", "three", "BREAKER_FAILURE_THRESHOLD='three' is not a whole number"),
        ("BREAKER_FAILURE_RATE", "1.5", "BREAKER_FAILURE_RATE='1.5' must be between 0.01 and 1"),
        ("BREAKER_RESET_TIMEOUT", "5s", "BREAKER_RESET_TIMEOUT='5s' is not a number"),
        ("BREAKER_WINDOW", "nan", "BREAKER_WINDOW='nan' is not a finite number"),
    ],
)
def test_bad_settings_are_one_line_errors(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        BreakerSettings.from_env()
    assert str(raised.value) == message
