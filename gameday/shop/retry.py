"""The retry policy bff applies to each downstream call, built on tenacity.

Exponential backoff with full jitter (``wait_random_exponential``: a random wait up to
``base_delay_s · 2ⁿ⁻¹``, capped at ``max_delay_s``) so that callers retrying together do not
stampede a recovering dependency; a bounded number of attempts, each with its own short timeout.
Only transient failures are retried: connection errors, timeouts and 5xx answers. A 4xx is the
caller's mistake and repeating it cannot help.

Settings come from ``RETRY_*`` variables so scenario variants can change or disable retries, or
turn the backoff off (``RETRY_BACKOFF=none``: every retry at once, the retry storm a game day must
catch).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_none,
    wait_random_exponential,
)
from tenacity.wait import wait_base

from gameday.shop.config import choice, integer, number

BACKOFFS = ("exponential", "none")

Sleep = Callable[[float], Awaitable[None]]


class UpstreamServerError(Exception):
    """A dependency answered 5xx: transient as far as the caller can tell."""

    def __init__(self, status: int) -> None:
        super().__init__(f"upstream answered {status}")
        self.status = status


_TRANSIENT = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError, UpstreamServerError)


def is_transient(error: BaseException) -> bool:
    return isinstance(error, _TRANSIENT)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay_s: float = 0.05
    max_delay_s: float = 1.0
    attempt_timeout_s: float = 1.0
    backoff: str = "exponential"  # one of BACKOFFS

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """``RETRY_MAX_ATTEMPTS`` (1 = no retries), ``RETRY_BASE_DELAY``, ``RETRY_MAX_DELAY``,
        ``RETRY_ATTEMPT_TIMEOUT`` (seconds) and ``RETRY_BACKOFF`` (exponential or none)."""
        default = cls()
        return cls(
            max_attempts=integer("RETRY_MAX_ATTEMPTS", default.max_attempts, minimum=1),
            base_delay_s=number("RETRY_BASE_DELAY", default.base_delay_s),
            max_delay_s=number("RETRY_MAX_DELAY", default.max_delay_s),
            attempt_timeout_s=number("RETRY_ATTEMPT_TIMEOUT", default.attempt_timeout_s, minimum=0.001),
            backoff=choice("RETRY_BACKOFF", default.backoff, BACKOFFS),
        )

    def retrying(self, sleep: Sleep = asyncio.sleep) -> AsyncRetrying:
        """A fresh tenacity controller for one call; iterate it and run one attempt per step.

        ``sleep`` is injectable so tests observe the backoff without waiting for it. The last
        error is re-raised as itself once attempts run out.
        """
        return AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait(),
            retry=retry_if_exception(is_transient),
            sleep=sleep,
            reraise=True,
        )

    def _wait(self) -> wait_base:
        if self.backoff == "none":
            return wait_none()
        return wait_random_exponential(multiplier=self.base_delay_s, max=self.max_delay_s)
