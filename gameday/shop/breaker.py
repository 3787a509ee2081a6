"""A circuit breaker per downstream dependency: the resilience mechanism a game day tests.

* **closed** — calls go through. It opens after ``failure_threshold`` failed calls in a row, or when
  at least ``minimum_calls`` calls in the last ``window_s`` seconds failed at ``failure_rate`` or more.
* **open** — calls are short-circuited (the caller answers with its fallback at once) until
  ``reset_timeout_s`` has passed since it opened.
* **half-open** — one trial call goes through, the others are still short-circuited; the trial's
  success closes the breaker, its failure re-opens it for another ``reset_timeout_s``.

A "call" is one logical downstream call including its retries, so a dependency that recovers
within a call's retries never trips the breaker. Outcomes of calls admitted before the last state
change are ignored: a slow call that started while closed must not re-open or close a breaker
that has since moved on. Time comes from an injected monotonic clock, so tests never sleep.

Settings come from ``BREAKER_*`` variables so that scenario variants (a stuck or an absent
breaker, other thresholds) are configuration, not code: ``BREAKER_ENABLED=false`` keeps it closed
whatever fails (every call goes through, as with no breaker at all), ``BREAKER_NEVER_CLOSE=true``
leaves it open for good once it has opened (no half-open trial ever).
"""

from __future__ import annotations

import enum
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from gameday.shop.config import flag, integer, number

log = logging.getLogger("gameday.shop.breaker")


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerSettings:
    failure_threshold: int = 5
    failure_rate: float = 0.5
    minimum_calls: int = 20
    window_s: float = 10.0
    reset_timeout_s: float = 5.0
    enabled: bool = True
    never_close: bool = False

    @classmethod
    def from_env(cls) -> BreakerSettings:
        """``BREAKER_FAILURE_THRESHOLD``, ``BREAKER_FAILURE_RATE``, ``BREAKER_MINIMUM_CALLS``,
        ``BREAKER_WINDOW`` and ``BREAKER_RESET_TIMEOUT`` (both in seconds), ``BREAKER_ENABLED`` and
        ``BREAKER_NEVER_CLOSE`` (true or false)."""
        default = cls()
        return cls(
            failure_threshold=integer("BREAKER_FAILURE_THRESHOLD", default.failure_threshold, minimum=1),
            failure_rate=number("BREAKER_FAILURE_RATE", default.failure_rate, minimum=0.01, maximum=1.0),
            minimum_calls=integer("BREAKER_MINIMUM_CALLS", default.minimum_calls, minimum=1),
            window_s=number("BREAKER_WINDOW", default.window_s, minimum=0.1),
            reset_timeout_s=number("BREAKER_RESET_TIMEOUT", default.reset_timeout_s, minimum=0.0),
            enabled=flag("BREAKER_ENABLED", default.enabled),
            never_close=flag("BREAKER_NEVER_CLOSE", default.never_close),
        )


@dataclass(frozen=True)
class Permit:
    """Leave to make one call; hand it back with :meth:`CircuitBreaker.record` or ``abandon``."""

    state: BreakerState
    generation: int


class CircuitBreaker:
    def __init__(
        self, name: str, settings: BreakerSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name
        self.settings = settings
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._generation = 0  # bumped on every state change; stale permits carry an older one
        self._opened_at = 0.0
        self._consecutive_failures = 0
        self._outcomes: deque[tuple[float, bool]] = deque()  # (time, failed) within the window
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        return self._state

    def acquire(self) -> Permit | None:
        """A permit to call the dependency, or None: short-circuit and use the fallback."""
        waited = self._clock() - self._opened_at
        reset_due = waited >= self.settings.reset_timeout_s and not self.settings.never_close
        if self._state is BreakerState.OPEN and reset_due:
            self._move_to(BreakerState.HALF_OPEN)
        if self._state is BreakerState.OPEN:
            return None
        if self._state is BreakerState.HALF_OPEN:
            if self._trial_in_flight:
                return None
            self._trial_in_flight = True
        return Permit(self._state, self._generation)

    def record(self, permit: Permit, *, failed: bool) -> BreakerState:
        """Count a finished call's outcome; return the state after it."""
        if permit.generation != self._generation:
            return self._state
        if self._state is BreakerState.HALF_OPEN:
            self._trial_in_flight = False
            self._move_to(BreakerState.OPEN if failed else BreakerState.CLOSED)
            return self._state
        now = self._clock()
        self._consecutive_failures = self._consecutive_failures + 1 if failed else 0
        self._outcomes.append((now, failed))
        while self._outcomes and self._outcomes[0][0] <= now - self.settings.window_s:
            self._outcomes.popleft()
        tripped = self._consecutive_failures >= self.settings.failure_threshold or self._rate_exceeded()
        if tripped and self.settings.enabled:
            self._move_to(BreakerState.OPEN)
        return self._state

    def abandon(self, permit: Permit) -> None:
        """A call ended without an outcome (cancelled): free the half-open trial slot for another call."""
        if permit.generation == self._generation and self._state is BreakerState.HALF_OPEN:
            self._trial_in_flight = False

    def _rate_exceeded(self) -> bool:
        calls = len(self._outcomes)
        if calls < self.settings.minimum_calls:
            return False
        failures = sum(1 for _, failed in self._outcomes if failed)
        return failures / calls >= self.settings.failure_rate

    def _move_to(self, state: BreakerState) -> None:
        log.info("breaker %s: %s -> %s", self.name, self._state, state)
        self._state = state
        self._generation += 1
        self._consecutive_failures = 0
        self._outcomes.clear()
        self._trial_in_flight = False
        if state is BreakerState.OPEN:
            self._opened_at = self._clock()
