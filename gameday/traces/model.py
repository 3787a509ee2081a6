"""Calls, attempts and traced requests: what retry and breaker scores judge.

A **call** is one logical call from a service to a dependency: the first attempt and every retry
of it. An **attempt** is one request that left the caller. A **traced request** is one request a
service served (its segment), with the dependencies it called: a request that usually calls a
dependency but did not is how a breaker that sends nothing shows in standard traces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

Outcome = Literal["ok", "failed", "short_circuit", "in_progress"]
Found = Literal["wrapper", "inferred", "aws", "shed"]
"""How a call was found: a subsegment around its attempts that says it is the call (a breaker
annotation); attempts grouped by inference; one AWS SDK subsegment, which holds its own retries;
a request that skipped a dependency its route always calls (a breaker that sent nothing)."""
FOUND_WORDS: dict[str, str] = {
    "wrapper": "marked by a breaker annotation",
    "inferred": "grouped from plain attempts",
    "aws": "AWS SDK calls",
    "shed": "refused by the breaker, told from requests that skipped it",
}

UNKNOWN_CALLER = "unknown"


class Caller(NamedTuple):
    """A calling service and which of its instances (task, container, pod, host) made the call."""

    name: str
    instance: str | None  # None when its segments do not say
    shared: bool = False  # the instance is a container name every task of the service shares

    @property
    def distinct(self) -> bool:
        """Whether this instance can be told apart from the service's other instances."""
        return self.instance is not None and not self.shared

    def label(self) -> str:
        return self.name if self.instance is None else f"{self.name} ({self.instance})"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One request that left the caller for the dependency."""

    start: float
    end: float | None  # None while in progress
    status: int | None  # None when no response arrived (timeout, refused connection)
    fault: bool
    error: bool
    throttle: bool

    @property
    def failed(self) -> bool:
        """Worth retrying: 5xx, throttled, no answer or never finished. A plain 4xx is an answer,
        even where an SDK flags it as a fault (the Python SDK flags every AWS error answer so)."""
        if self.throttle:
            return True
        if self.status is not None:
            return self.status >= 500 or self.status == 429 or self.end is None
        return self.end is None or self.fault or self.error


@dataclass(frozen=True, slots=True)
class Call:
    """One logical call from a service to a dependency, with every attempt made for it."""

    trace_id: str
    caller: str  # the name of the segment the call was made from
    caller_instance: str | None  # which task or host of the caller, when its segments say
    dependency: str
    start: float
    end: float | None  # None while in progress
    attempts: tuple[Attempt, ...]
    outcome: Outcome
    found: Found = "wrapper"
    instance_shared: bool = False  # caller_instance names a container every task shares
    retries_seen: bool = True  # False: the SDK may have retried without recording it
    attempts_timed: bool = True  # False: some attempts are known by count only (``aws.retries``)

    @property
    def short_circuited(self) -> bool:
        return self.outcome == "short_circuit"

    @property
    def finished(self) -> bool:
        return self.outcome != "in_progress"

    @property
    def latency_ms(self) -> float:
        if self.end is None:
            raise ValueError("a call in progress has no latency")
        return (self.end - self.start) * 1000

    @property
    def who(self) -> Caller:
        return Caller(self.caller, self.caller_instance, self.instance_shared)


class TracedRequest(NamedTuple):
    """A request a calling service served, as its segment shows it."""

    trace_id: str
    caller: Caller
    route: str  # method and path with ids generalised: ``GET /catalog/{id}``
    start: float
    end: float | None
    dependencies: frozenset[str]  # logical names of the dependencies it called
    status: int | None = None  # the answer the service gave (http.response.status), when recorded
