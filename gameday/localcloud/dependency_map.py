"""The dependencies of a localcloud stack, by the names scenarios grade them under, and how each
shows in the traces its tasks send.

A service some other service depends on is a dependency under its own name. Its callers reach it
through one proxy listener per edge (``bff->catalog``), so in traces it is a request to
``127.0.0.1:<that listener's port>`` (what the X-Ray SDK's HTTP patches record), or a node named
after it (the shop's own tracing, which also annotates ``dependency``). A queue is a dependency
under its own name, or ``<queue>-queue`` when a service has that name (the shop's ``orders``
queue is ``orders-queue``); its calls are AWS SDK calls to SQS naming the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from gameday.localcloud.api import PlatformState
from gameday.localcloud.stack import Stack
from gameday.traces.dependencies import DependencyMatch


def dependency_names(stack: Stack) -> dict[str, str]:
    """Each dependency's name → what it is (``service catalog``, ``queue orders``)."""
    edges = (f"{caller}->{callee}" for caller, s in stack.services.items() for callee in s.depends_on)
    return _names(stack.services, edges, stack.queues)


def dependency_map(state: PlatformState) -> dict[str, list[DependencyMatch]]:
    """The running stack's map, from its control API's ``/state`` (listener ports are chosen at
    start, so only the running stack knows them)."""
    paths = state.paths
    mapped: dict[str, list[DependencyMatch]] = {}
    for name, what in _names(state.services, paths, state.queues).items():
        kind, real = what.split(" ", 1)
        if kind == "queue":
            mapped[name] = [DependencyMatch(aws="sqs", resource=real)]
            continue
        listeners = [
            DependencyMatch(host=_host_port(url)) for edge, url in paths.items() if edge.endswith(f"->{real}")
        ]
        mapped[name] = [DependencyMatch(annotation=real), DependencyMatch(name=real), *listeners]
    return mapped


def _names(services: Iterable[str], edges: Iterable[str], queues: Iterable[str]) -> dict[str, str]:
    known_services = set(services)
    names = {edge.split("->", 1)[1]: f"service {edge.split('->', 1)[1]}" for edge in edges if "->" in edge}
    for queue in queues:
        names[f"{queue}-queue" if queue in known_services else queue] = f"queue {queue}"
    return dict(sorted(names.items()))


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}"
