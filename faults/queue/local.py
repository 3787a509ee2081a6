"""throttle-queue on localcloud: fewer consumers, a delay on every message, or rejected sends.

``consumer`` turns the queue's consumer services down to ``consumers`` tasks with the desired
count (like ECS UpdateService) and puts back each service's exact prior count. A consumer that
auto scales would have its policy undo that within seconds, so its dynamic scaling is suspended
first (as operators do with a scalable target's SuspendedState) and its exact prior suspended
state put back once the prior count runs again. ``delay`` and ``reject-sends`` set the queue's
fault in localcloud's SQS endpoint, which a healthy queue does not have, so undoing them is
clearing it. The revert plan carries the control API's URL, the queue,
the services and their prior counts, so ``gameday rollback`` undoes the change from the ledger
alone; a localcloud that no longer answers took its queues and tasks with it.

Which services consume a queue is read from the stack file: a service that lists the queue under
``queues`` and that nothing calls (it is not the entry and no service ``depends_on`` it) can only
be working from the queue, so it consumes; a service that serves requests and lists the queue is
taken as a sender. In the shop, ``worker`` consumes ``orders`` and ``orders`` sends to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from botocore.client import BaseClient

from faults.api_change import ApiChangeInjector
from faults.base import FaultNotLanded
from faults.queue.spec import ThrottleQueue
from gameday.errors import InputError, Problem
from gameday.localcloud.api import PlatformState, QueueFaultSpec, SuspendedState
from gameday.localcloud.client import LocalcloudClient, LocalcloudError
from gameday.localcloud.stack import load_stack
from gameday.processes import wait_until
from gameday.targets import LocalTarget
from gameday.yamlfile import read_yaml

REVERT_ACTION = "localcloud-queue-throttle"
SCALE_IN_SUSPENDED = "DynamicScalingInSuspended"
SCALE_OUT_SUSPENDED = "DynamicScalingOutSuspended"
RESTORE_TIMEOUT_S = 30.0  # restored consumer tasks start and pass their health check
POLL_INTERVAL_S = 0.2


@runtime_checkable
class QueueControlApi(Protocol):
    """The part of ``localcloud.client.LocalcloudClient`` this provider uses."""

    def state(self) -> PlatformState: ...

    def set_desired(self, service: str, count: int) -> int: ...

    def set_scaling_suspended(self, service: str, *, scale_in: bool, scale_out: bool) -> SuspendedState: ...

    def set_queue_fault(
        self, queue: str, *, throttle_share: float = 0.0, delay_s: float = 0.0
    ) -> QueueFaultSpec: ...

    def clear_queue_fault(self, queue: str) -> None: ...


def queue_consumers(stack_path: Path, queue: str) -> list[str]:
    """The services that consume ``queue``: they list it and receive no requests (see the module
    doc). None is bad input, reported at the queue in the stack file."""
    stack = load_stack(stack_path)
    called = {stack.entry.service} | {
        name for service in stack.services.values() for name in service.depends_on
    }
    consumers = sorted(
        name for name, service in stack.services.items() if queue in service.queues and name not in called
    )
    if not consumers:
        users = sorted(name for name, service in stack.services.items() if queue in service.queues)
        message = (
            f"no service consumes queue '{queue}' (services that list it: {', '.join(users) or 'none'}; "
            "a consumer lists the queue and receives no requests)"
        )
        _, lines = read_yaml(stack_path)
        raise InputError([Problem(str(stack_path), lines.get(("queues", queue)), f"queues.{queue}", message)])
    return consumers


class LocalQueueThrottle:
    """One throttle-queue fault on localcloud, as :class:`faults.api_change.ApiChange` wants it."""

    def __init__(
        self, client: QueueControlApi, control_url: str, fault: ThrottleQueue, consumers: list[str]
    ) -> None:
        self._client = client
        self._control_url = control_url
        self._fault = fault
        self._queue = fault.target.queue
        self._consumers = consumers  # empty unless the mode is consumer
        self._prior: dict[str, int] = {}
        self._scaling: dict[str, dict[str, bool]] = {}  # consumers that scale: their prior SuspendedState

    def describe(self) -> str:
        if self._fault.mode == "consumer":
            consumers = ", ".join(self._consumers)
            return f"turn the consumers of queue {self._queue} ({consumers}) down to {self._fault.consumers}"
        return f"set a queue fault on {self._queue}: {self._spec()}"

    def prepare(self) -> dict[str, Any]:
        state = _state(self._client)
        if self._queue not in state.queues:
            raise FaultNotLanded(f"localcloud has no queue named '{self._queue}'")
        if state.queue_faults.get(self._queue) is not None:
            raise FaultNotLanded(
                f"queue {self._queue} already has a fault: {state.queue_faults[self._queue]}"
            )
        services = state.services
        missing = [name for name in self._consumers if name not in services]
        if missing:
            raise FaultNotLanded(
                f"localcloud runs no consumer service {', '.join(missing)} of queue {self._queue}"
            )
        self._prior = {name: services[name].desired for name in self._consumers}
        self._scaling = {
            name: scaling.suspended_state.model_dump()
            for name in self._consumers
            if (scaling := services[name].scaling) is not None
        }
        if self._consumers and all(count <= self._fault.consumers for count in self._prior.values()):
            raise FaultNotLanded(
                f"the consumers of queue {self._queue} already run at most {self._fault.consumers} task(s): "
                + ", ".join(f"{name} desired {count}" for name, count in self._prior.items())
            )
        return {
            "action": REVERT_ACTION,
            "control_url": self._control_url,
            "queue": self._queue,
            "desired": dict(self._prior),
            "clear_queue_fault": self._fault.mode != "consumer",
            "scaling_suspended": dict(self._scaling),
        }

    def apply(self) -> tuple[str, list[str]]:
        try:
            if self._fault.mode == "consumer":
                for name in self._scaling:
                    self._client.set_scaling_suspended(name, scale_in=True, scale_out=True)
                for name in self._consumers:
                    self._client.set_desired(name, self._fault.consumers)
                changes = ", ".join(f"{name} from {count}" for name, count in self._prior.items())
                held = f" (auto scaling of {', '.join(self._scaling)} suspended)" if self._scaling else ""
                return f"desired count of {changes} to {self._fault.consumers}{held}", list(self._consumers)
            shown = self._client.set_queue_fault(self._queue, **self._spec())
        except LocalcloudError as error:
            raise FaultNotLanded(str(error)) from error
        return f"queue {self._queue} fault set: {shown}", [self._queue]

    def not_observed(self) -> str | None:
        state = _state(self._client)
        if self._fault.mode != "consumer":
            shown = state.queue_faults.get(self._queue)
            if shown is not None and shown.model_dump() == self._spec():
                return None
            return f"localcloud shows the queue's fault as {shown}"
        for name in self._consumers:
            service = state.services[name]
            if service.desired != self._fault.consumers or service.running > self._fault.consumers:
                return f"localcloud shows {name} at desired {service.desired}, running {service.running}"
        return None

    def _spec(self) -> dict[str, float]:
        """The queue fault as localcloud's control API takes it and shows it in ``queue_faults``."""
        return {
            "throttle_share": float(self._fault.share or 0.0),
            "delay_s": float(self._fault.delay or 0.0),
        }


def undo_queue_throttle(plan: dict[str, Any], _context: object = None) -> str:
    """Put back the prior desired counts and clear the queue fault; confirm localcloud shows both,
    then put back each consumer's prior auto scaling state (resuming it only once the count runs)."""
    control_url, queue = str(plan["control_url"]), str(plan["queue"])
    client = LocalcloudClient(control_url)
    if not client.reachable():
        return (
            f"nothing to undo: no localcloud answers at {control_url}, and its queues and tasks ended with it"
        )
    desired = {str(name): int(count) for name, count in plan["desired"].items()}
    for name, count in desired.items():
        client.set_desired(name, count)
    if plan["clear_queue_fault"]:
        client.clear_queue_fault(queue)

    def restored() -> bool:
        state = client.state()
        services = state.services
        counts_back = all(
            services[name].running == count == services[name].desired for name, count in desired.items()
        )
        return counts_back and (not plan["clear_queue_fault"] or state.queue_faults.get(queue) is None)

    if not wait_until(restored, RESTORE_TIMEOUT_S, interval_s=0.2):
        raise LocalcloudError(
            f"queue {queue} is not shown restored by localcloud after {RESTORE_TIMEOUT_S:g}s"
        )
    scaling = {str(name): dict(state) for name, state in plan.get("scaling_suspended", {}).items()}
    for name, state in scaling.items():
        client.set_scaling_suspended(
            name, scale_in=state[SCALE_IN_SUSPENDED], scale_out=state[SCALE_OUT_SUSPENDED]
        )
    put_back = [f"{name} desired {count}" for name, count in desired.items()]
    put_back += [f"{name} auto scaling {_suspension(state)}" for name, state in scaling.items()]
    return f"queue {queue}: " + (", ".join(put_back) if put_back else "fault cleared")


def _suspension(state: dict[str, bool]) -> str:
    held = [d for d, key in (("in", SCALE_IN_SUSPENDED), ("out", SCALE_OUT_SUSPENDED)) if state[key]]
    return f"back to suspended {' and '.join(held)}" if held else "resumed"


def _state(client: QueueControlApi) -> PlatformState:
    try:
        return client.state()
    except LocalcloudError as error:
        raise FaultNotLanded(str(error)) from error


def throttle_queue_local(
    fault: ThrottleQueue, target: LocalTarget, client: QueueControlApi, *, fault_id: str
) -> ApiChangeInjector:
    """The injector for ``fault`` on ``target``; mode consumer reads the target's stack file now."""
    consumers = queue_consumers(target.stack, fault.target.queue) if fault.mode == "consumer" else []
    change = LocalQueueThrottle(client, target.control_url, fault, consumers)
    injector = ApiChangeInjector(change, undo_queue_throttle, _no_aws, fault_id=fault_id)
    injector.poll_interval_s = POLL_INTERVAL_S
    return injector


def _no_aws(service_name: str) -> BaseClient:
    """The change runs through localcloud's control API: its undo builds no AWS client."""
    raise AssertionError(f"a localcloud queue fault asked for an AWS {service_name} client")
