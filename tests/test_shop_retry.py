"""bff's retry policy: what is retried, how often, and how long it backs off (sleep injected)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from gameday.shop.config import ConfigError
from gameday.shop.retry import RetryPolicy, UpstreamServerError, is_transient


class Recorder:
    """Plays a script of outcomes (an exception to raise or a value to return), one per attempt."""

    def __init__(self, *script: BaseException | str) -> None:
        self.script = list(script)
        self.attempts = 0
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def attempt(self) -> str:
        outcome = self.script[min(self.attempts, len(self.script) - 1)]
        self.attempts += 1
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def run(self, policy: RetryPolicy) -> str:
        result = ""
        async for attempt in policy.retrying(self.sleep):
            with attempt:
                result = await self.attempt()
        return result


def run(policy: RetryPolicy, recorder: Recorder) -> str:
    return asyncio.run(recorder.run(policy))


def test_transient_failures_are_retried_until_an_answer() -> None:
    recorder = Recorder(UpstreamServerError(503), aiohttp.ServerDisconnectedError(), "ok")
    assert run(RetryPolicy(max_attempts=3), recorder) == "ok"
    assert recorder.attempts == 3
    assert len(recorder.sleeps) == 2


def test_attempts_are_bounded_and_the_last_error_is_raised_as_itself() -> None:
    recorder = Recorder(UpstreamServerError(502), TimeoutError("attempt timed out"))
    with pytest.raises(TimeoutError, match="attempt timed out"):
        run(RetryPolicy(max_attempts=4), recorder)
    assert recorder.attempts == 4
    assert len(recorder.sleeps) == 3


def test_one_attempt_means_no_retries() -> None:
    recorder = Recorder(UpstreamServerError(500))
    with pytest.raises(UpstreamServerError):
        run(RetryPolicy(max_attempts=1), recorder)
    assert (recorder.attempts, recorder.sleeps) == (1, [])


def test_errors_that_a_retry_cannot_fix_are_raised_at_once() -> None:
    recorder = Recorder(aiohttp.InvalidURL("not a url"), "ok")
    with pytest.raises(aiohttp.InvalidURL):
        run(RetryPolicy(), recorder)
    assert recorder.attempts == 1


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (UpstreamServerError(503), True),
        (TimeoutError(), True),
        (aiohttp.ServerTimeoutError(), True),
        (aiohttp.ServerDisconnectedError(), True),
        (aiohttp.ClientOSError(111, "Connection refused"), True),
        (aiohttp.ClientPayloadError("truncated body"), True),
        (aiohttp.InvalidURL("x"), False),
        (ValueError("bad json"), False),
    ],
)
def test_what_counts_as_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay_s=0.1, max_delay_s=0.5)
    runs = []
    for _ in range(20):
        recorder = Recorder(UpstreamServerError(503))
        with pytest.raises(UpstreamServerError):
            run(policy, recorder)
        runs.append(recorder.sleeps)
    ceilings = [0.1, 0.2, 0.4, 0.5, 0.5]
    for sleeps in runs:
        assert len(sleeps) == 5
        assert all(0 <= wait <= ceiling for wait, ceiling in zip(sleeps, ceilings, strict=True))
    assert len({sleeps[0] for sleeps in runs}) > 1, "waits are randomised, not one fixed schedule"


def test_policy_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRY_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("RETRY_ATTEMPT_TIMEOUT", "0.25")
    policy = RetryPolicy.from_env()
    assert (policy.max_attempts, policy.attempt_timeout_s, policy.base_delay_s) == (5, 0.25, 0.05)
    monkeypatch.setenv("RETRY_MAX_ATTEMPTS", "0")
    with pytest.raises(ConfigError, match=r"^RETRY_MAX_ATTEMPTS='0' must be at least 1$"):
        RetryPolicy.from_env()
