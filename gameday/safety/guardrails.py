"""Live stop conditions: the error rate of the load, and CloudWatch alarms on AWS targets.

A guardrail does not judge the run (scoring does that afterwards); it ends a run that is hurting
more than the scenario allows. The orchestrator asks :meth:`Guards.check` on every tick of its
clock, so the time from breach to the first revert is one tick plus the injections in flight.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from gameday.aws_session import describe_error
from gameday.errors import EnvironmentProblem
from gameday.evidence.records import LoadSecond
from gameday.run.console import Say
from gameday.scenario import Guardrails

ALARM_POLL_S = 5.0
MIN_WINDOW_REQUESTS = 10  # fewer requests than this say nothing about a rate


@dataclass(frozen=True)
class Breach:
    reason: str
    at: float  # epoch seconds when the breach was seen


class StopCondition(Protocol):
    def breach(self) -> Breach | None: ...


class ErrorRateGuard:
    """Failed share of requests over the trailing ``window`` seconds of load stats, against a limit."""

    def __init__(self, rails: Guardrails) -> None:
        self._limit = rails.max_error_rate
        self._window = rails.window
        self._seconds: deque[LoadSecond] = deque()

    def observe(self, second: LoadSecond) -> Breach | None:
        self._seconds.append(second)
        while self._seconds and self._seconds[0].t <= second.t - self._window:
            self._seconds.popleft()
        requests = sum(s.requests for s in self._seconds)
        failures = sum(s.failures for s in self._seconds)
        if requests < MIN_WINDOW_REQUESTS or failures / requests <= self._limit:
            return None
        return Breach(
            reason=f"guardrail: error rate {failures / requests:.1%} over the last {self._window:g}s "
            f"({failures} of {requests} requests) is above max_error_rate {self._limit:g}",
            at=time.time(),
        )


def alarm_name(alarm: str) -> str:
    """CloudWatch DescribeAlarms wants names; targets may list ARNs (…:alarm:NAME) or names."""
    return alarm.split(":alarm:", 1)[1] if ":alarm:" in alarm else alarm


class AlarmWatcher:
    """Polls the target's stop alarms in a background thread; any alarm in ALARM is a breach."""

    def __init__(
        self, cloudwatch: BaseClient, alarms: Sequence[str], say: Say, every_s: float = ALARM_POLL_S
    ):
        self._cloudwatch = cloudwatch
        self._names = [alarm_name(a) for a in alarms]
        self._say = say
        self._every_s = every_s
        self._breach: Breach | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stop-alarms", daemon=True)

    def start(self) -> None:
        """Check once now (a missing, unreadable or already firing alarm refuses the run), then poll."""
        try:
            firing = self._firing()
        except (ClientError, BotoCoreError) as error:
            raise EnvironmentProblem(f"cannot read the stop alarms: {_one_line(error)}") from error
        if firing:
            raise EnvironmentProblem(f"not starting: {firing}")
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._every_s + 5)

    def breach(self) -> Breach | None:
        return self._breach

    def _watch(self) -> None:
        failing = False
        while not self._stopping.wait(self._every_s) and self._breach is None:
            try:
                firing = self._firing()
            except (ClientError, BotoCoreError, EnvironmentProblem) as error:
                if not failing:  # once per outage, not every poll
                    self._say(f"stop alarms unreadable, still trying: {_one_line(error)}")
                failing = True
                continue
            failing = False
            if firing:
                self._breach = Breach(reason=firing, at=time.time())

    def _firing(self) -> str | None:
        """One line naming the alarms in ALARM, or None; an alarm that does not exist is an error."""
        response = self._cloudwatch.describe_alarms(AlarmNames=self._names)
        alarms = response.get("MetricAlarms", []) + response.get("CompositeAlarms", [])
        missing = set(self._names) - {a["AlarmName"] for a in alarms}
        if missing:
            raise EnvironmentProblem(f"stop alarm(s) not found: {', '.join(sorted(missing))}")
        firing = [
            f"{a['AlarmName']} ({a.get('StateReason', '')})" for a in alarms if a["StateValue"] == "ALARM"
        ]
        return f"stop alarm in ALARM: {'; '.join(firing)}" if firing else None


def _one_line(error: Exception) -> str:
    return describe_error(error) if isinstance(error, (ClientError, BotoCoreError)) else str(error)


class Guards:
    """Every stop condition of one run, checked together on the orchestrator's clock."""

    def __init__(self, rails: Guardrails | None, conditions: Sequence[StopCondition] = ()) -> None:
        self._error_rate = ErrorRateGuard(rails) if rails is not None else None
        self._conditions = list(conditions)
        self._seen = 0

    def check(self, seconds: Sequence[LoadSecond]) -> Breach | None:
        """Feed the load seconds that arrived since the last check; the first breach found, if any."""
        fresh, self._seen = seconds[self._seen :], len(seconds)
        if self._error_rate is not None:
            for second in fresh:
                if (breach := self._error_rate.observe(second)) is not None:
                    return breach
        return next((b for c in self._conditions if (b := c.breach()) is not None), None)
