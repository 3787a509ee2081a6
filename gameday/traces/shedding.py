"""Calls a circuit breaker refused, told from behaviour when no annotation says so.

For each route of a caller (method and path of its requests), the baseline shows the share of
requests that called the dependency. A route that called it on nearly every baseline request
(:data:`DEPENDENT_SHARE`, over at least :data:`MIN_BASELINE_REQUESTS`) depends on it; from the
outage on, a finished request of such a route that made no attempt at the dependency was
short-circuited, provided its caller instance had already seen a call to the dependency fail (a
breaker opens on failures, and each instance has its own). A route that never or only sometimes
calls the dependency (a cache, a branch, a validation error answered early) says nothing about
the breaker and is not used, and neither is a request that skipped the dependency because it
failed before reaching it, on an instance whose calls to it had not failed.

The limit of the method: a request that skipped the dependency for another reason, on an
instance whose calls to it had failed, also counts as shed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gameday.traces.model import Call, Caller, TracedRequest

DEPENDENT_SHARE = 0.98
MIN_BASELINE_REQUESTS = 5

RouteKey = tuple[str, str]  # (caller service, route)


def dependent_routes(
    requests: Sequence[TracedRequest], dependency: str, baseline: tuple[float, float]
) -> set[RouteKey]:
    """The routes whose baseline requests (nearly) always called ``dependency``."""
    seen: dict[RouteKey, list[int]] = {}
    start, end = baseline
    for request in requests:
        if start <= request.start < end:
            tally = seen.setdefault((request.caller.name, request.route), [0, 0])
            tally[0] += 1
            tally[1] += dependency in request.dependencies
    return {
        route
        for route, (total, calling) in seen.items()
        if total >= MIN_BASELINE_REQUESTS and calling / total >= DEPENDENT_SHARE
    }


def first_failures(calls: Iterable[Call], since: float) -> dict[Caller, float]:
    """When each caller instance first saw a call to the dependency fail, from ``since`` on."""
    first: dict[Caller, float] = {}
    for call in calls:
        if call.outcome == "failed" and call.start >= since and call.end is not None:
            known = first.get(call.who)
            if known is None or call.end < known:
                first[call.who] = call.end
    return first


def shed_calls(
    requests: Sequence[TracedRequest],
    dependency: str,
    routes: set[RouteKey],
    failed_at: Mapping[Caller, float],
) -> list[Call]:
    """A short-circuited call for each finished request of a route in ``routes`` that did not call
    ``dependency``, made after its instance first saw a call fail (``failed_at``); it lasts as long
    as the request (what the user waited for the fallback)."""
    shed = []
    for request in requests:
        failed = failed_at.get(request.caller)
        if (
            failed is not None
            and request.start >= failed
            and request.end is not None
            and dependency not in request.dependencies
            and (request.caller.name, request.route) in routes
        ):
            shed.append(_shed(request, dependency))
    return shed


def _shed(request: TracedRequest, dependency: str) -> Call:
    caller: Caller = request.caller
    return Call(
        trace_id=request.trace_id,
        caller=caller.name,
        caller_instance=caller.instance,
        dependency=dependency,
        start=request.start,
        end=request.end,
        attempts=(),
        outcome="short_circuit",
        found="shed",
        instance_shared=caller.shared,
    )
