"""Live stop conditions: the error rate and p95 latency of the load, and CloudWatch alarms on AWS.

A guardrail does not judge the run (scoring does that afterwards); it ends a run that is hurting
more than the scenario allows. The orchestrator asks :meth:`Guards.check` on every tick of its
clock, so the time from breach to the first revert is one tick plus the injections in flight.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
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
TARGET_SHARE = 0.95  # the percentile the latency guardrail limits


@dataclass(frozen=True)
class Breach:
    reason: str
    at: float  # epoch seconds when the breach was seen


class StopCondition(Protocol):
    def breach(self) -> Breach | None: ...


class SecondsWindow:
    """The load seconds of the trailing ``window`` seconds, oldest first."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.seconds: deque[LoadSecond] = deque()

    def add(self, second: LoadSecond) -> None:
        self.seconds.append(second)
        while self.seconds and self.seconds[0].t <= second.t - self.window_s:
            self.seconds.popleft()

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.seconds)


class WindowGuard:
    """A limit on the trailing ``window`` seconds of load stats; a window with fewer than
    MIN_WINDOW_REQUESTS requests says nothing."""

    def __init__(self, limit: float, window_s: float) -> None:
        self._limit = limit
        self._window = SecondsWindow(window_s)

    def observe(self, second: LoadSecond) -> Breach | None:
        self._window.add(second)
        if self._window.requests < MIN_WINDOW_REQUESTS:
            return None
        reason = self._over_limit()
        return None if reason is None else Breach(reason=f"guardrail: {reason}", at=time.time())

    def _over_limit(self) -> str | None:
        """Why the window is over the limit, or None."""
        raise NotImplementedError


class ErrorRateGuard(WindowGuard):
    """Failed share of requests over the window, against ``max_error_rate``."""

    def _over_limit(self) -> str | None:
        requests = self._window.requests
        failures = sum(s.failures for s in self._window.seconds)
        if failures / requests <= self._limit:
            return None
        return (
            f"error rate {failures / requests:.1%} over the last {self._window.window_s:g}s "
            f"({failures} of {requests} requests) is above max_error_rate {self._limit:g}"
        )


class LatencyGuard(WindowGuard):
    """p95 latency over the window, estimated by :func:`window_p95_ms`, against ``max_p95_ms``.
    Failed requests count: a timeout is the slowest answer a user gets."""

    def _over_limit(self) -> str | None:
        p95 = window_p95_ms(self._window.seconds)
        if p95 is None or p95 <= self._limit:
            return None
        return (
            f"p95 latency {p95:.0f} ms over the last {self._window.window_s:g}s "
            f"({self._window.requests} requests) is above max_p95_ms {self._limit:g}"
        )


def window_p95_ms(seconds: Iterable[LoadSecond]) -> float | None:
    """The p95 of all requests of ``seconds``, estimated from each second's p50, p95 and p99.

    Per-second percentiles cannot be merged exactly, and neither simple merge is right: the mean of
    the p95s hides a few slow seconds among many fast ones, and their max lets one slow second
    with a handful of requests abort a run. So each second stands for its requests with the
    latency distribution its percentiles draw (linear from 0 to p50, p50 to p95, p95 to p99), the
    seconds are mixed by request count, and the mixture's 95th percentile is returned. It is exact
    when every second has the same distribution, and always lies between the lowest and the
    highest per-second p95. None when no second has percentiles.
    """
    drawn = [
        (s.requests, ((0.0, 0.0), (s.p50_ms, 0.50), (s.p95_ms, 0.95), (s.p99_ms, 0.99)))
        for s in seconds
        if s.requests > 0 and s.p50_ms is not None and s.p95_ms is not None and s.p99_ms is not None
    ]
    total = sum(requests for requests, _ in drawn)
    if not total:
        return None

    def share(x: float, just_below: bool = False) -> float:
        return sum(requests * _cdf(points, x, just_below) for requests, points in drawn) / total

    # Between consecutive knots the mixture is linear: find the interval where it reaches 0.95.
    low_x, low_share = 0.0, 0.0
    for x in sorted({x for _, points in drawn for x, _ in points}):
        if (below := share(x, just_below=True)) >= TARGET_SHARE:
            return low_x + (x - low_x) * (TARGET_SHARE - low_share) / (below - low_share)
        if (low_share := share(x)) >= TARGET_SHARE:
            return x  # a jump: many requests share this very latency
        low_x = x
    raise AssertionError("unreachable: at the highest p99 every second is at 0.99")


def _cdf(points: Sequence[tuple[float, float]], x: float, just_below: bool) -> float:
    """Share of a second's requests at or below ``x`` (or just below it), linear between its points."""
    xs = [px for px, _ in points]
    index = (bisect.bisect_left(xs, x) if just_below else bisect.bisect_right(xs, x)) - 1
    if index < 0:
        return 0.0
    if index == len(points) - 1:
        return points[-1][1]
    (x0, q0), (x1, q1) = points[index], points[index + 1]
    return q0 + (q1 - q0) * (x - x0) / (x1 - x0)


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
        self._load_guards: list[WindowGuard] = []
        if rails is not None and rails.max_error_rate is not None:
            self._load_guards.append(ErrorRateGuard(rails.max_error_rate, rails.window))
        if rails is not None and rails.max_p95_ms is not None:
            self._load_guards.append(LatencyGuard(rails.max_p95_ms, rails.window))
        self._conditions = list(conditions)
        self._seen = 0

    def check(self, seconds: Sequence[LoadSecond]) -> Breach | None:
        """Feed the load seconds that arrived since the last check; the first breach found, if any."""
        fresh, self._seen = seconds[self._seen :], len(seconds)
        for second in fresh:
            for guard in self._load_guards:
                if (breach := guard.observe(second)) is not None:
                    return breach
        return next((b for c in self._conditions if (b := c.breach()) is not None), None)
