"""Each FIS action localcloud can do, as the local fault entries that keep its meaning.

An action maps only when every parameter that changes what it does has a local equivalent: the
share of tasks, the zone, the port and direction of a blackhole, the sources of latency, the
share of invocations. Parameters that only concern how FIS delivers a fault on AWS (the SSM
sidecar's dependencies, the ECS fault endpoints) change nothing here. Anything else is refused
with its place in the template, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faults.fis_template.local_targets import LocalTarget, Refused
from gameday.localcloud.stack import Stack
from gameday.yamltree import Location

Entry = dict[str, Any]  # a local fault entry, without at/for
Mapper = Callable[["Action"], list[tuple[str, Entry]]]
SERVED_PORT = 8080  # the port the shop's services serve on, on AWS and behind localcloud's proxies
WAIT = "aws:fis:wait"


class Action:
    """One action of the template with its resolved target, and where it stands in the file."""

    def __init__(self, name: str, action: dict[str, Any], target: LocalTarget | None, stack: Stack) -> None:
        self.name = name
        self.parameters: dict[str, str] = {
            str(key): str(value) for key, value in (action.get("parameters") or {}).items()
        }
        self._target = target
        self.stack = stack

    @property
    def target(self) -> LocalTarget:
        assert self._target is not None  # every mapped action acts on a target
        return self._target

    def at(self, parameter: str) -> Location:
        return ("actions", self.name, "parameters", parameter)

    def whole(self, parameter: str, default: int, low: int = 0, high: int = 10**9) -> int:
        value = self.parameters.get(parameter, str(default))
        if not value.isdigit() or not low <= int(value) <= high:
            raise Refused(self.at(parameter), f"is '{value}', not a whole number from {low} to {high}")
        return int(value)

    def only(self, parameter: str, allowed: str, why: str) -> None:
        """``parameter`` must be absent or ``allowed``: localcloud cannot do what another value means."""
        value = self.parameters.get(parameter, allowed)
        if value.lower() != allowed.lower():
            raise Refused(self.at(parameter), f"is '{value}'; {why}")

    def all_tasks(self, what: str) -> None:
        if self.target.selection != "ALL":
            raise Refused(
                (*self.target.loc, "selectionMode"),
                f"is {self.target.selection}; localcloud {what} for every task of a service, so use ALL",
            )


def _share(action: Action) -> Entry:
    """FIS selectionMode as a local count/percent; COUNT and PERCENT pick across one service only."""
    mode = action.target.selection
    if mode == "ALL":
        return {}
    if len(action.target.services) > 1:
        raise Refused(
            (*action.target.loc, "selectionMode"),
            f"is {mode} of the tasks of every service; FIS picks across them all, localcloud per "
            "service: name one service (parameters.service) or use ALL",
        )
    number = mode[mode.index("(") + 1 : -1]
    return {"count": int(number)} if mode.startswith("COUNT") else {"percent": float(number)}


def _tasks_of(action: Action) -> list[tuple[str, Entry]]:
    """One ``target`` per service the tasks belong to, keeping the zone."""
    zone = {"zone": action.target.zone} if action.target.zone else {}
    return [(service, {"service": service, **zone}) for service in action.target.services]


def _stop_task(action: Action) -> list[tuple[str, Entry]]:
    share = _share(action) or {"percent": 100}
    return [(service, {"kind": "kill-tasks", "target": t, **share}) for service, t in _tasks_of(action)]


def _cpu_stress(action: Action) -> list[tuple[str, Entry]]:
    action.only("workers", "0", "localcloud burns every CPU a task may use")
    load = action.whole("percent", 100, 0, 100)
    share = _share(action)
    return [
        (service, {"kind": "stress-cpu", "target": t, "load_percent": load, **share})
        for service, t in _tasks_of(action)
    ]


def _paths(action: Action, direction: str) -> list[str]:
    """The dependency paths out of (egress) or into (ingress) the target's services, or its path."""
    if action.target.path is not None:
        return [action.target.path]
    services = action.target.services
    edges = [(caller, callee) for caller, s in action.stack.services.items() for callee in s.depends_on]
    chosen = [f"{a}->{b}" for a, b in edges if (a if direction == "egress" else b) in services]
    if not chosen:
        raise Refused(
            (*action.target.loc,),
            f"{', '.join(services)} has no {direction} path to a service of stack {action.stack.name}",
        )
    return chosen


def _blackhole_port(action: Action) -> list[tuple[str, Entry]]:
    action.all_tasks("cuts a path")
    action.only("protocol", "tcp", "localcloud's paths carry TCP only")
    port = action.whole("port", 0, 1, 65535)
    if port != SERVED_PORT:
        raise Refused(
            action.at("port"),
            f"is {port}; nothing on localcloud serves it (its services serve {SERVED_PORT})",
        )
    direction = action.parameters.get("trafficType", "")
    if direction not in ("ingress", "egress"):
        raise Refused(action.at("trafficType"), "must be ingress or egress")
    return [
        (path, {"kind": "break-network", "target": {"path": path}, "mode": "blackhole"})
        for path in _paths(action, direction)
    ]


def _latency(action: Action) -> list[tuple[str, Entry]]:
    action.all_tasks("slows a path")
    action.only("flowsPercent", "100", "localcloud slows every connection of a path")
    delay = {
        "delay_ms": action.whole("delayMilliseconds", 200, 1, 60_000),
        "jitter_ms": action.whole("jitterMilliseconds", 10, 0, 60_000),
    }
    sources = action.parameters.get("sources", "ALL")
    if sources == "ALL":
        return [
            (path, {"kind": "add-latency", "target": {"path": path}, **delay})
            for path in _paths(action, "egress")
        ]
    zones = action.stack.zones
    if sources in zones and action.target.every_service and action.target.zone is None:
        zone = {"target": {"zone": sources}, "network": "latency", "stop_tasks": False}
        return [(sources, {"kind": "impair-zone", **zone, **delay})]
    raise Refused(
        action.at("sources"),
        f"is '{sources}'; localcloud slows ALL of a service's paths, or every path into a zone of the "
        f"stack ({', '.join(zones)}) from the tasks of every service",
    )


def _disrupt_connectivity(action: Action) -> list[tuple[str, Entry]]:
    action.only("scope", "all", "localcloud cuts all traffic of a zone or a path, nothing narrower")
    if action.target.zone is not None:
        zone = {"target": {"zone": action.target.zone}, "network": "blackhole", "stop_tasks": False}
        return [(action.target.zone, {"kind": "impair-zone", **zone})]
    path = str(action.target.path)
    return [(path, {"kind": "break-network", "target": {"path": path}, "mode": "blackhole"})]


def _every_invocation(action: Action) -> None:
    action.only("invocationPercentage", "100", "localcloud delays every request of a path")


def _invocation_delay(action: Action) -> list[tuple[str, Entry]]:
    _every_invocation(action)
    delay = action.whole("startupDelayMilliseconds", 1000, 1, 60_000)
    path = str(action.target.path)
    return [(path, {"kind": "add-latency", "target": {"path": path}, "delay_ms": delay, "jitter_ms": 0})]


def _invocation_error(action: Action) -> list[tuple[str, Entry]]:
    """The function fails: behind API Gateway a Lambda error is a 502."""
    return _fail(action, 502)


def _integration_response(action: Action) -> list[tuple[str, Entry]]:
    status = action.whole("statusCode", 503, 0, 999)
    if status != 429 and not 500 <= status <= 599:
        raise Refused(action.at("statusCode"), f"is {status}; localcloud fails requests with 429 or a 5xx")
    return _fail(action, status)


def _fail(action: Action, status: int) -> list[tuple[str, Entry]]:
    action.only("preventExecution", "true", "localcloud answers in place of the function, never after it ran")
    share = action.whole("invocationPercentage", 100, 1, 100) / 100
    path = str(action.target.path)
    return [(path, {"kind": "fail-requests", "target": {"path": path}, "share": share, "status": status})]


# What each supported action becomes; the key order is the order people read them in.
MAPPERS: dict[str, Mapper] = {
    "aws:ecs:stop-task": _stop_task,
    "aws:ecs:task-cpu-stress": _cpu_stress,
    "aws:ecs:task-network-blackhole-port": _blackhole_port,
    "aws:ecs:task-network-latency": _latency,
    "aws:network:disrupt-connectivity": _disrupt_connectivity,
    "aws:lambda:invocation-add-delay": _invocation_delay,
    "aws:lambda:invocation-error": _invocation_error,
    "aws:lambda:invocation-http-integration-response": _integration_response,
}
SUPPORTED = (*MAPPERS, WAIT)
