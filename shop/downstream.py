"""One downstream dependency as bff calls it: circuit breaker, then retries, each attempt traced.

X-Ray shape of one logical call (the scoring work reads these names and annotations):

* a subsegment ``"<dependency>-call"`` (namespace local) annotated ``dependency``,
  ``breaker_state`` (state that admitted or refused the call: closed, half_open, open),
  ``circuit_open`` (true = short-circuited, nothing was sent), ``attempts`` (0 when
  short-circuited), ``outcome`` (ok, failed, short_circuit) and, when the breaker admitted the
  call, ``breaker_state_after``; a failed call carries ``fault`` and the last error as its cause;
* inside it, one subsegment per attempt named ``"<dependency>"``, namespace ``remote``, with
  ``http.request`` (method, url, traced) and ``http.response`` (status, content_length), annotated
  ``attempt`` (1, 2, …) and ``dependency``. Its id is the ``Parent`` in the ``X-Amzn-Trace-Id``
  header sent with that attempt, so the dependency's segment hangs under the attempt that reached it.

Attempt subsegments are written here rather than by the SDK's aiohttp trace config, which would add
a second, unannotated subsegment per request under each attempt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aws_xray_sdk.core.models import http

from shop.breaker import CircuitBreaker, Permit
from shop.retry import RetryPolicy, UpstreamServerError
from shop.tracing import TRACE_HEADER, subsegment, trace_header


@dataclass(frozen=True)
class Reply:
    """A dependency's answer below 500 (a 4xx is an answer, for the caller to pass on)."""

    status: int
    body: Any


class CircuitOpen(Exception):
    """The breaker refused the call; nothing was sent. Callers answer with their fallback."""


class DependencyFailed(Exception):
    """Every attempt failed (or the error was not worth retrying); the cause is chained."""


class Dependency:
    def __init__(
        self,
        name: str,
        base_url: str,
        session: aiohttp.ClientSession,
        breaker: CircuitBreaker,
        policy: RetryPolicy,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.breaker = breaker
        self._session = session
        self._policy = policy

    async def call(
        self, method: str, path: str, *, body: object = None, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """Raise :class:`CircuitOpen` or :class:`DependencyFailed`, or return the reply."""
        with subsegment(f"{self.name}-call") as trace:
            trace.put_annotation("dependency", self.name)
            permit = self.breaker.acquire()
            trace.put_annotation("circuit_open", permit is None)
            if permit is not None:
                return await self._admitted(trace, permit, method, path, body, dict(headers or {}))
            trace.put_annotation("breaker_state", str(self.breaker.state))
            trace.put_annotation("attempts", 0)
            trace.put_annotation("outcome", "short_circuit")
        raise CircuitOpen(self.name)

    async def _admitted(
        self, trace: Any, permit: Permit, method: str, path: str, body: object, headers: dict[str, str]
    ) -> Reply:
        trace.put_annotation("breaker_state", str(permit.state))
        attempts = 0
        try:
            async for attempt in self._policy.retrying():
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    reply = await self._attempt(attempts, method, path, body, headers)
        except Exception as error:
            _annotate_end(trace, attempts, "failed", str(self.breaker.record(permit, failed=True)))
            raise DependencyFailed(f"{self.name}: {type(error).__name__}: {error}") from error
        except BaseException:
            self.breaker.abandon(permit)
            trace.put_annotation("attempts", attempts)
            raise
        _annotate_end(trace, attempts, "ok", str(self.breaker.record(permit, failed=False)))
        return reply

    async def _attempt(
        self, number: int, method: str, path: str, body: object, headers: dict[str, str]
    ) -> Reply:
        url = self.base_url + path
        with subsegment(self.name, "remote") as trace:
            trace.put_annotation("attempt", number)
            trace.put_annotation("dependency", self.name)
            trace.put_http_meta(http.METHOD, method)
            trace.put_http_meta(http.URL, url)
            trace.http["request"]["traced"] = True
            headers = {**headers, TRACE_HEADER: trace_header(trace)}
            timeout = aiohttp.ClientTimeout(total=self._policy.attempt_timeout_s)
            request = self._session.request(method, url, json=body, headers=headers, timeout=timeout)
            async with request as response:
                content = await response.read()
            trace.put_http_meta(http.STATUS, response.status)
            trace.put_http_meta(http.CONTENT_LENGTH, len(content))
            if response.status >= 500:
                raise UpstreamServerError(response.status)
            return Reply(response.status, _decode(content))


def _annotate_end(trace: Any, attempts: int, outcome: str, state_after: str) -> None:
    trace.put_annotation("attempts", attempts)
    trace.put_annotation("outcome", outcome)
    trace.put_annotation("breaker_state_after", state_after)


def _decode(content: bytes) -> Any:
    """JSON bodies as values; anything else (a proxy's HTML page) as an error message."""
    try:
        return json.loads(content)
    except ValueError:
        return {"error": content.decode("utf-8", "replace")[:200]}
