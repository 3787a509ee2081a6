"""One downstream dependency as bff calls it: circuit breaker, then retries, each attempt traced.

The call is the same whatever ``SHOP_TRACING`` says (same breaker and retry decisions, same
answers); only what it records differs, through the :class:`CallTrace` the mode chooses.

**annotated** (the default): the shop's own X-Ray shape, whose names and annotations the shop's
scoring reads. One logical call is

* a subsegment ``"<dependency>-call"`` (namespace local) annotated ``dependency``,
  ``breaker_state`` (state that admitted or refused the call: closed, half_open, open),
  ``circuit_open`` (true = short-circuited, nothing was sent), ``attempts`` (0 when
  short-circuited), ``outcome`` (ok, failed, short_circuit) and, when the breaker admitted the
  call, ``breaker_state_after``; a failed call carries ``fault`` and the last error as its cause;
* inside it, one subsegment per attempt named ``"<dependency>"``, namespace ``remote``, with
  ``http.request`` (method, url, traced) and ``http.response`` (status, content_length), annotated
  ``attempt`` (1, 2, …) and ``dependency``. Its id is the ``Parent`` in the ``X-Amzn-Trace-Id``
  header sent with that attempt, so the dependency's segment hangs under the attempt that reached it.
  These are written here rather than by the SDK's aiohttp trace config, which would add a second,
  unannotated subsegment per request under each attempt.

**plain**: only what an ordinary team's service records, the X-Ray SDK's aiohttp trace config
(``aws_xray_trace_config()`` on the client session), with no subsegment or annotation of the shop's:

* one subsegment per attempt, directly under the request's segment, named by the host it went to
  (``127.0.0.1`` behind localcloud's proxy, the service's DNS name on ECS), namespace ``remote``,
  ``http.request`` (method, url) and, once an answer's headers came, ``http.response.status``
  (``fault`` for 5xx, ``error`` for 4xx). The trace config sends ``X-Amzn-Trace-Id`` with the
  subsegment as ``Parent`` itself.
* an attempt that got no answer carries ``fault``, its exception as cause and namespace ``local``
  (the trace config switches it for ``ClientConnectionError`` and any ``OSError``, which includes
  ``TimeoutError``): ``ClientConnectorError`` for a refused connection, ``ClientOSError`` (or
  ``ServerDisconnectedError``) for a reset, ``TimeoutError`` with no message when the attempt's
  ``ClientTimeout(total=…)`` fires before the headers. aiohttp reports that timeout through
  ``on_request_exception`` like any other failure, so the subsegment is ended and the context is
  back on the request's segment: no fix is needed (seen with aiohttp 3.14 and aws-xray-sdk 2.15,
  held by tests/test_shop_plain_tracing.py). A timeout while reading the body, after the headers
  came, fires after ``on_request_end`` ended the subsegment with the status: that attempt shows as
  answered.
* retries are consecutive attempt subsegments and nothing more; a call the breaker refuses sends
  nothing and records nothing (the request's segment, answered with the fallback, is all there is).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from aws_xray_sdk.core.models import http
from aws_xray_sdk.ext.aiohttp.client import aws_xray_trace_config

from gameday.shop.breaker import BreakerState, CircuitBreaker, Permit
from gameday.shop.config import Tracing
from gameday.shop.retry import RetryPolicy, UpstreamServerError
from gameday.shop.tracing import TRACE_HEADER, subsegment, trace_header


@dataclass(frozen=True)
class Reply:
    """A dependency's answer below 500 (a 4xx is an answer, for the caller to pass on)."""

    status: int
    body: Any


class CircuitOpen(Exception):
    """The breaker refused the call; nothing was sent. Callers answer with their fallback."""


class DependencyFailed(Exception):
    """Every attempt failed (or the error was not worth retrying); the cause is chained."""


class AttemptTrace(Protocol):
    @property
    def headers(self) -> Mapping[str, str]:
        """To send with the attempt: the trace header, when it is ours to send."""
        ...

    def answered(self, status: int, content_length: int) -> None: ...


class CallTrace(Protocol):
    """What one logical call records, in the shape the tracing mode writes."""

    def refused(self, state: BreakerState) -> None: ...

    def admitted(self, state: BreakerState) -> None: ...

    def ended(self, attempts: int, outcome: str, state_after: BreakerState) -> None: ...

    def abandoned(self, attempts: int) -> None: ...

    def attempt(self, number: int, method: str, url: str) -> AbstractContextManager[AttemptTrace]: ...


def client_session(tracing: Tracing) -> aiohttp.ClientSession:
    """The session bff's dependencies share; in plain mode the SDK's trace config records each request."""
    return aiohttp.ClientSession(trace_configs=[aws_xray_trace_config()] if tracing is Tracing.PLAIN else [])


class Dependency:
    def __init__(
        self,
        name: str,
        base_url: str,
        session: aiohttp.ClientSession,
        breaker: CircuitBreaker,
        policy: RetryPolicy,
        tracing: Tracing,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.breaker = breaker
        self._session = session
        self._policy = policy
        self._tracing = tracing

    async def call(
        self, method: str, path: str, *, body: object = None, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """Raise :class:`CircuitOpen` or :class:`DependencyFailed`, or return the reply."""
        with _open_call(self._tracing, self.name) as trace:
            permit = self.breaker.acquire()
            if permit is not None:
                return await self._admitted(trace, permit, method, path, body, dict(headers or {}))
            trace.refused(self.breaker.state)
        raise CircuitOpen(self.name)

    async def _admitted(
        self, trace: CallTrace, permit: Permit, method: str, path: str, body: object, headers: dict[str, str]
    ) -> Reply:
        trace.admitted(permit.state)
        attempts = 0
        try:
            async for attempt in self._policy.retrying():
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    reply = await self._attempt(trace, attempts, method, path, body, headers)
        except Exception as error:
            trace.ended(attempts, "failed", self.breaker.record(permit, failed=True))
            raise DependencyFailed(f"{self.name}: {type(error).__name__}: {error}") from error
        except BaseException:
            self.breaker.abandon(permit)
            trace.abandoned(attempts)
            raise
        trace.ended(attempts, "ok", self.breaker.record(permit, failed=False))
        return reply

    async def _attempt(
        self, trace: CallTrace, number: int, method: str, path: str, body: object, headers: dict[str, str]
    ) -> Reply:
        url = self.base_url + path
        with trace.attempt(number, method, url) as attempt:
            timeout = aiohttp.ClientTimeout(total=self._policy.attempt_timeout_s)
            sent = {**headers, **attempt.headers}
            request = self._session.request(method, url, json=body, headers=sent, timeout=timeout)
            async with request as response:
                content = await response.read()
            attempt.answered(response.status, len(content))
            if response.status >= 500:
                raise UpstreamServerError(response.status)
            return Reply(response.status, _decode(content))


def _open_call(tracing: Tracing, dependency: str) -> AbstractContextManager[CallTrace]:
    if tracing is Tracing.PLAIN:
        return nullcontext(PlainCall())
    return _annotated_call(dependency)


@contextmanager
def _annotated_call(dependency: str) -> Iterator[CallTrace]:
    with subsegment(f"{dependency}-call") as wrapper:
        wrapper.put_annotation("dependency", dependency)
        yield AnnotatedCall(dependency, wrapper)


class AnnotatedCall:
    """The ``<dependency>-call`` wrapper's annotations and one annotated subsegment per attempt."""

    def __init__(self, dependency: str, wrapper: Any) -> None:
        self._dependency = dependency
        self._wrapper = wrapper

    def refused(self, state: BreakerState) -> None:
        self._annotate(circuit_open=True, breaker_state=str(state), attempts=0, outcome="short_circuit")

    def admitted(self, state: BreakerState) -> None:
        self._annotate(circuit_open=False, breaker_state=str(state))

    def ended(self, attempts: int, outcome: str, state_after: BreakerState) -> None:
        self._annotate(attempts=attempts, outcome=outcome, breaker_state_after=str(state_after))

    def abandoned(self, attempts: int) -> None:
        self._annotate(attempts=attempts)

    @contextmanager
    def attempt(self, number: int, method: str, url: str) -> Iterator[AttemptTrace]:
        with subsegment(self._dependency, "remote") as entity:
            entity.put_annotation("attempt", number)
            entity.put_annotation("dependency", self._dependency)
            entity.put_http_meta(http.METHOD, method)
            entity.put_http_meta(http.URL, url)
            entity.http["request"]["traced"] = True
            yield AnnotatedAttempt(entity)

    def _annotate(self, **annotations: str | int | bool) -> None:
        for key, value in annotations.items():
            self._wrapper.put_annotation(key, value)


class AnnotatedAttempt:
    def __init__(self, entity: Any) -> None:
        self._entity = entity
        self.headers = {TRACE_HEADER: trace_header(entity)}

    def answered(self, status: int, content_length: int) -> None:
        self._entity.put_http_meta(http.STATUS, status)
        self._entity.put_http_meta(http.CONTENT_LENGTH, content_length)


class PlainCall:
    """Records nothing of its own: the session's trace config records each request it sends."""

    def refused(self, state: BreakerState) -> None:
        pass

    def admitted(self, state: BreakerState) -> None:
        pass

    def ended(self, attempts: int, outcome: str, state_after: BreakerState) -> None:
        pass

    def abandoned(self, attempts: int) -> None:
        pass

    def attempt(self, number: int, method: str, url: str) -> AbstractContextManager[AttemptTrace]:
        return nullcontext(PlainAttempt())


class PlainAttempt:
    def __init__(self) -> None:
        self.headers: Mapping[str, str] = {}  # the trace config adds the trace header to the request

    def answered(self, status: int, content_length: int) -> None:
        pass


def _decode(content: bytes) -> Any:
    """JSON bodies as values; anything else (a proxy's HTML page) as an error message."""
    try:
        return json.loads(content)
    except ValueError:
        return {"error": content.decode("utf-8", "replace")[:200]}
