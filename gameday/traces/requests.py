"""The requests calling services served, each with the dependencies it called.

Standard instrumentation records nothing when a circuit breaker refuses a call: the request is
served (with a fallback, or failing fast) and no attempt appears. What does show is the request's
own segment, lacking the call its route always makes. So every request of a service seen calling
a dependency is kept here by *route*: its method and path with ids generalised (a path part
holding a digit becomes ``{id}``), as a segment records only the concrete URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from gameday.traces.calls import FoundCalls
from gameday.traces.index import EntityIndex
from gameday.traces.model import Caller, TracedRequest


def traced_requests(index: EntityIndex, found: FoundCalls) -> list[TracedRequest]:
    """The segments of every service that made a call, as requests with their dependencies."""
    callers = {call.caller for call in found.calls}
    shared: dict[frozenset[str], frozenset[str]] = {}  # one set object per combination of dependencies
    routes: dict[tuple[str, str | None], str] = {}
    requests = []
    for entity in index.entities.values():
        if not entity.is_segment or entity.method is None or entity.name not in callers:
            continue
        called = frozenset(found.called.get(entity.key, ()))
        route_key = (entity.method, entity.url)
        route = routes.get(route_key)
        if route is None:
            route = routes[route_key] = f"{entity.method} {generalised_path(entity.url)}"
        requests.append(
            TracedRequest(
                trace_id=entity.trace_id,
                caller=Caller(entity.name, entity.instance, entity.instance_shared),
                route=route,
                start=entity.start,
                end=entity.end,
                dependencies=shared.setdefault(called, called),
                status=entity.status,
            )
        )
    requests.sort(key=lambda r: r.start)
    return requests


def generalised_path(url: str | None) -> str:
    """``/catalog/sku-001?x=1`` → ``/catalog/{id}``: requests for different items share a route."""
    if not url:
        return "/"
    try:
        path = urlsplit(url).path or "/"
    except ValueError:
        path = url.split("?", 1)[0]
    return "/".join("{id}" if any(c.isdigit() for c in part) else part for part in path.split("/"))
