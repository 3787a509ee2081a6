"""Guardrails: the error-rate window over the load's per-second stats, and the stop-alarm watcher."""

from __future__ import annotations

import boto3
import pytest
from botocore.client import BaseClient
from botocore.stub import Stubber

from gameday.errors import EnvironmentProblem
from gameday.evidence.records import LoadSecond
from gameday.processes import wait_until
from gameday.safety.guardrails import AlarmWatcher, Breach, ErrorRateGuard, Guards, alarm_name
from gameday.scenario import Guardrails

ALARM_ARN = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:shop-5xx"


def _second(t: float, requests: int, failures: int) -> LoadSecond:
    return LoadSecond(t=t, users=5, requests=requests, failures=failures, p50_ms=5, p95_ms=9, p99_ms=12)


def _guard(max_error_rate: float = 0.1, window: float = 3) -> ErrorRateGuard:
    return ErrorRateGuard(Guardrails(max_error_rate=max_error_rate, window=window))


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
