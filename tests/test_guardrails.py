"""Guardrails: error-rate and p95 windows over the load's per-second stats, and the stop-alarm watcher."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.client import BaseClient
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from gameday.errors import EnvironmentProblem, InputError
from gameday.evidence.records import LoadSecond
from gameday.processes import wait_until
from gameday.safety.guardrails import (
    AlarmWatcher,
    Breach,
    ErrorRateGuard,
    Guards,
    LatencyGuard,
    alarm_name,
    window_p95_ms,
)
from gameday.scenario import Guardrails, load_scenario

ROOT = Path(__file__).resolve().parent.parent
ALARM_ARN = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:shop-5xx"


def _second(t: float, requests: int, failures: int) -> LoadSecond:
    return LoadSecond(t=t, users=5, requests=requests, failures=failures, p50_ms=5, p95_ms=9, p99_ms=12)


def _guard(max_error_rate: float = 0.1, window: float = 3) -> ErrorRateGuard:
    return ErrorRateGuard(max_error_rate, window)


def _timed(t: float, requests: int, p50: float, p95: float, p99: float) -> LoadSecond:
    return LoadSecond(t=t, users=5, requests=requests, failures=0, p50_ms=p50, p95_ms=p95, p99_ms=p99)


def test_a_rate_at_the_limit_is_no_breach_and_above_it_is() -> None:
    guard = _guard()
    assert guard.observe(_second(1, 100, 10)) is None  # exactly 10 %
    breach = guard.observe(_second(2, 100, 20))  # 30 of 200
    assert breach is not None
    assert breach.reason == (
        "guardrail: error rate 15.0% over the last 3s (30 of 200 requests) is above max_error_rate 0.1"
    )


def test_old_seconds_leave_the_window() -> None:
    guard = _guard(window=3)
    assert guard.observe(_second(1, 20, 20)) is not None
    # 3 s later the failing second is out: only clean seconds remain.
    assert guard.observe(_second(4, 100, 0)) is None
    assert guard.observe(_second(5, 100, 5)) is None


def test_a_handful_of_requests_says_nothing() -> None:
    guard = _guard()
    assert guard.observe(_second(1, 3, 3)) is None  # 100 % of three requests is noise, not a rate
    assert guard.observe(_second(2, 7, 0)) is not None  # 3 of 10: now it counts


def test_the_window_p95_of_alike_seconds_is_their_p95() -> None:
    seconds = [_timed(t, 100, 40, 120, 300) for t in range(5)]
    assert window_p95_ms(seconds) == pytest.approx(120)
    assert window_p95_ms([]) is None
    assert (
        window_p95_ms(
            [LoadSecond(t=1, users=1, requests=0, failures=0, p50_ms=None, p95_ms=None, p99_ms=None)]
        )
        is None
    )


def test_a_sparse_slow_second_barely_moves_the_window_p95_but_a_busy_one_does() -> None:
    fast = [_timed(t, 100, 40, 120, 300) for t in range(9)]
    # Ten slow requests among 910: the window's p95 stays near the fast seconds' (max would say 5000).
    sparse = window_p95_ms([*fast, _timed(9, 10, 3000, 5000, 6000)])
    assert sparse is not None and 120 < sparse < 200
    # Half the requests slow: the p95 of the window lies among the slow ones (a mean of p95s says 2560).
    busy = window_p95_ms([_timed(1, 100, 40, 120, 300), _timed(2, 100, 3000, 5000, 6000)])
    assert busy is not None and 4000 < busy < 5000


def test_seconds_whose_requests_share_one_latency_give_that_latency() -> None:
    # p50 = p95: 45 % of the requests at exactly 100 ms, a jump the estimate must not smear.
    assert window_p95_ms([_timed(1, 50, 100, 100, 200)]) == pytest.approx(100)
    assert window_p95_ms([_timed(1, 50, 0, 0, 0)]) == 0


@st.composite
def _percentiles(draw: st.DrawFn) -> LoadSecond:
    p50, p95, p99 = sorted(draw(st.lists(st.floats(0, 60_000), min_size=3, max_size=3)))
    return _timed(1, draw(st.integers(1, 10_000)), p50, p95, p99)


@given(st.lists(_percentiles(), min_size=1, max_size=12))
def test_the_window_p95_lies_between_the_lowest_and_highest_second_p95(seconds: list[LoadSecond]) -> None:
    estimate = window_p95_ms(seconds)
    p95s = [s.p95_ms for s in seconds if s.p95_ms is not None]
    assert estimate is not None
    assert min(p95s) - 1e-6 <= estimate <= max(p95s) + 1e-6


def test_the_latency_guard_breaches_above_its_limit_over_its_window() -> None:
    guard = LatencyGuard(2000, window_s=3)
    assert guard.observe(_timed(1, 100, 300, 2000, 2500)) is None  # at the limit: no breach
    guard = LatencyGuard(2000, window_s=3)
    assert guard.observe(_timed(1, 100, 300, 1000, 1500)) is None
    assert guard.observe(_timed(2, 5, 3000, 9000, 9500)) is None  # a few slow requests: still below
    breach = guard.observe(_timed(3, 100, 1500, 4000, 5000))
    assert breach is not None
    assert breach.reason.startswith("guardrail: p95 latency ")
    assert breach.reason.endswith(" ms over the last 3s (205 requests) is above max_p95_ms 2000")
    # Three seconds on, only fast seconds are in the window.
    assert guard.observe(_timed(6, 100, 10, 50, 80)) is None


def test_the_latency_guard_ignores_a_handful_of_requests() -> None:
    guard = LatencyGuard(100, window_s=10)
    assert guard.observe(_timed(1, 9, 900, 1000, 1100)) is None
    assert guard.observe(_timed(2, 1, 900, 1000, 1100)) is not None


def test_guards_check_latency_and_error_rate_each_when_set() -> None:
    slow = [_timed(1, 100, 900, 3000, 4000)]
    failing = [_second(1, 100, 100)]
    assert Guards(Guardrails(max_p95_ms=2000)).check(failing) is None
    latency = Guards(Guardrails(max_p95_ms=2000)).check(slow)
    assert latency is not None and "max_p95_ms 2000" in latency.reason
    both = Guards(Guardrails(max_error_rate=0.5, max_p95_ms=2000))
    breach = both.check(failing)
    assert breach is not None and "max_error_rate 0.5" in breach.reason
    assert Guards(Guardrails(max_error_rate=0.5)).check(slow) is None


def test_guardrails_need_a_limit(tmp_path: Path) -> None:
    scenario = (ROOT / "scenarios" / "ci-orders-kill-one.yaml").read_text()
    path = tmp_path / "s.yaml"
    path.write_text(scenario + "guardrails: {window: 10s}\n")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    line = len(scenario.splitlines()) + 1
    assert (
        str(caught.value) == f"{path}:{line}: guardrails: guardrails need max_error_rate, max_p95_ms or both"
    )
    path.write_text(scenario + "guardrails: {max_p95_ms: 2000, window: 5s}\n")
    assert load_scenario(path).guardrails == Guardrails(max_p95_ms=2000, window=5)


class Firing:
    def __init__(self) -> None:
        self.breach_value: Breach | None = None

    def breach(self) -> Breach | None:
        return self.breach_value


def test_guards_feed_only_new_seconds_and_ask_every_condition() -> None:
    condition = Firing()
    guards = Guards(Guardrails(max_error_rate=0.5, window=10), [condition])
    seconds = [_second(1, 10, 0)]
    assert guards.check(seconds) is None
    seconds.append(_second(2, 10, 10))  # 10 of 20 is not above 0.5
    assert guards.check(seconds) is None
    condition.breach_value = Breach(reason="stop alarm in ALARM: x", at=1.0)
    assert guards.check(seconds) == condition.breach_value
    assert Guards(None).check([_second(1, 100, 100)]) is None  # no guardrails, no error-rate abort


def _alarm(state: str, name: str = "shop-5xx") -> dict[str, object]:
    return {"AlarmName": name, "StateValue": state, "StateReason": f"Threshold Crossed: {state}"}


def _cloudwatch() -> tuple[BaseClient, Stubber]:
    client = boto3.client(
        "cloudwatch", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


def test_alarm_names_from_arns() -> None:
    assert alarm_name(ALARM_ARN) == "shop-5xx"
    assert alarm_name("shop-5xx") == "shop-5xx"


def test_the_watcher_reports_an_alarm_that_goes_into_alarm() -> None:
    client, stub = _cloudwatch()
    expected = {"AlarmNames": ["shop-5xx"]}
    stub.add_response("describe_alarms", {"MetricAlarms": [_alarm("OK")]}, expected)
    stub.add_response("describe_alarms", {"MetricAlarms": [_alarm("INSUFFICIENT_DATA")]}, expected)
    stub.add_response("describe_alarms", {"MetricAlarms": [_alarm("ALARM")]}, expected)
    said: list[str] = []
    watcher = AlarmWatcher(client, [ALARM_ARN], said.append, every_s=0.01)
    with stub:
        watcher.start()
        assert wait_until(lambda: watcher.breach() is not None, 5.0, interval_s=0.01)
        watcher.stop()
    breach = watcher.breach()
    assert breach is not None
    assert breach.reason == "stop alarm in ALARM: shop-5xx (Threshold Crossed: ALARM)"
    stub.assert_no_pending_responses()
    assert said == []


@pytest.mark.parametrize(
    ("response", "message"),
    [
        ({"MetricAlarms": [_alarm("ALARM")]}, "not starting: stop alarm in ALARM: shop-5xx"),
        ({"MetricAlarms": []}, "stop alarm(s) not found: shop-5xx"),
    ],
)
def test_an_alarm_firing_or_missing_at_the_start_refuses_the_run(
    response: dict[str, object], message: str
) -> None:
    client, stub = _cloudwatch()
    stub.add_response("describe_alarms", response)
    watcher = AlarmWatcher(client, ["shop-5xx"], print, every_s=0.01)
    with stub, pytest.raises(EnvironmentProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        watcher.start()


def test_unreadable_alarms_refuse_the_start_and_are_said_once_while_running() -> None:
    client, stub = _cloudwatch()
    stub.add_client_error("describe_alarms", "AccessDenied", "not authorized")
    with stub, pytest.raises(EnvironmentProblem, match="cannot read the stop alarms: AccessDenied"):
        AlarmWatcher(client, ["shop-5xx"], print).start()

    client, stub = _cloudwatch()
    stub.add_response("describe_alarms", {"MetricAlarms": [_alarm("OK")]})
    for _ in range(3):
        stub.add_client_error("describe_alarms", "Throttling", "Rate exceeded")
    stub.add_response("describe_alarms", {"MetricAlarms": [_alarm("ALARM")]})
    said: list[str] = []
    watcher = AlarmWatcher(client, ["shop-5xx"], said.append, every_s=0.01)
    with stub:
        watcher.start()
        assert wait_until(lambda: watcher.breach() is not None, 5.0, interval_s=0.01)
        watcher.stop()
    assert said == ["stop alarms unreadable, still trying: Throttling: Rate exceeded"]
