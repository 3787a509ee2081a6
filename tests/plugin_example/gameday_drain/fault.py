"""drain-tasks: run a service on fewer tasks for the window, then put its desired count back.

A fault kind is one module: the scenario entry, the injector, the revert plan and the reverter
that undoes it from the run folder alone (``gameday rollback`` after the run died), and the
:class:`~faults.kind.FaultKind` registered under the ``gameday.faults`` entry point group.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from faults.base import Injector, InjectOutcome
from faults.kind import FaultKind, ProviderArgs, Revert, RevertContext, RevertPlanModel
from gameday.faultspecs import FaultBase, ServiceSelection
from gameday.localcloud.client import LocalcloudClient
from gameday.processes import wait_until
from gameday.targets import LocalTarget

SETTLE_S = 30.0  # tasks stop or start and pass their health check


class DrainTasks(FaultBase):
    """``{kind: drain-tasks, target: {service: catalog}, tasks: 1, at: 10s, for: 20s}``"""

    kind: Literal["drain-tasks"]
    target: ServiceSelection
    tasks: int = Field(ge=0, le=50, description="tasks left running in the window")

    @property
    def target_label(self) -> str:
        return self.target.label


class RestoreDesired(RevertPlanModel):
    """Everything the undo needs, written to the ledger before the fault is injected."""

    action: Literal["drain-tasks-restore"]
    control_url: str
    service: str
    desired: int = Field(ge=0)


def _settled(client: LocalcloudClient, service: str, count: int) -> bool:
    shown = client.state().services[service]
    return shown.desired == shown.running == count


class DrainInjector:
    """The contract every injector keeps: describe, revert plan first, inject, idempotent revert."""

    def __init__(self, fault: DrainTasks, control_url: str, fault_id: str) -> None:
        self.fault_id = fault_id
        self._fault = fault
        self._control_url = control_url
        self._client = LocalcloudClient(control_url)
        self._plan: dict[str, Any] | None = None

    def describe(self) -> str:
        return f"run service {self._fault.target.service} on {self._fault.tasks} task(s)"

    def revert_plan(self) -> dict[str, Any]:
        if self._plan is None:
            service = self._fault.target.service
            desired = self._client.state().services[service].desired
            self._plan = RestoreDesired(
                action="drain-tasks-restore", control_url=self._control_url, service=service, desired=desired
            ).model_dump()
        return self._plan

    def inject(self) -> InjectOutcome:
        service, count = self._fault.target.service, self._fault.tasks
        self._client.set_desired(service, count)
        if not wait_until(lambda: _settled(self._client, service, count), SETTLE_S):
            return InjectOutcome(landed=False, detail=f"{service} did not come down to {count} task(s)")
        return InjectOutcome(landed=True, detail=f"{service} runs {count} task(s)", affected=[service])

    def revert(self) -> None:
        if self._plan is not None:
            restore(self._plan, None)


def restore(plan: dict[str, Any], _context: RevertContext | None) -> str:
    """Put the recorded desired count back and wait for it; safe to run twice."""
    client = LocalcloudClient(plan["control_url"])
    if not client.reachable():
        return f"nothing to undo: no localcloud answers at {plan['control_url']}"
    client.set_desired(plan["service"], plan["desired"])
    if not wait_until(lambda: _settled(client, plan["service"], plan["desired"]), SETTLE_S):
        raise RuntimeError(f"{plan['service']} did not come back to {plan['desired']} task(s)")
    return f"{plan['service']} back to {plan['desired']} task(s)"


def _on_localcloud(fault: DrainTasks, target: LocalTarget, args: ProviderArgs) -> Injector:
    return DrainInjector(fault, target.control_url, args.fault_id)


KIND = FaultKind(spec=DrainTasks, local=_on_localcloud, reverts=[Revert(RestoreDesired, restore)])
