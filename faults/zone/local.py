"""impair-zone on localcloud: the control API's zone fault, then a stop for each task in the zone.

The fault is set before the tasks are stopped so that their replacements are placed in the zones
that still work, as ECS places them away from an impaired zone. The evidence is localcloud's own:
the zone shows the fault as set, and every stopped task is shown stopped with its process gone.
A zone with no task in it is not impaired in any way a game day could see, so the fault does not
land and nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from faults.base import FaultNotLanded, InjectOutcome
from faults.kill_tasks.core import MAX_REASON_CHARS
from faults.kind import RevertPlanModel
from faults.zone.spec import ImpairZone
from gameday.errors import EnvironmentProblem
from gameday.localcloud.api import PATH_FAULT, PathFaultSpec, PlatformState, TaskStatus, TaskStopped
from gameday.localcloud.client import LocalcloudClient, LocalcloudError
from gameday.processes import pid_alive, wait_until

STOP_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.2


class ClearLocalZoneFault(RevertPlanModel):
    """The zone fault set on localcloud, cleared through the control API that set it."""

    action: Literal["localcloud-clear-zone-fault"]
    control_url: str
    zone: str
    fault: PathFaultSpec


class ZoneStillImpaired(EnvironmentProblem):
    """The zone fault could not be cleared."""


@runtime_checkable
class ZoneControlApi(Protocol):
    """The part of ``localcloud.client.LocalcloudClient`` this provider uses."""

    def state(self) -> PlatformState: ...

    def stop_task(self, service: str, task_id: str, reason: str) -> TaskStopped: ...

    def set_zone_fault(self, zone: str, mode: str, **params: Any) -> PathFaultSpec: ...

    def clear_zone_fault(self, zone: str) -> None: ...


@dataclass(frozen=True)
class PlacedTask:
    service: str
    id: str
    pid: int


class LocalZoneInjector:
    """One impair-zone entry on localcloud."""

    def __init__(
        self,
        fault: ImpairZone,
        client: ZoneControlApi,
        control_url: str,
        *,
        fault_id: str,
        run_id: str,
        stop_timeout_s: float = STOP_TIMEOUT_S,
    ) -> None:
        self.fault_id = fault_id
        self._zone = fault.zone
        self._stop_tasks = fault.stop_tasks
        spec = fault.network_fault()
        self._fault = PATH_FAULT.validate_python(spec) if spec is not None else None
        self._client = client
        self._control_url = control_url
        self._reason = f"gameday run {run_id}: impair-zone {fault_id}"[:MAX_REASON_CHARS]
        self._stop_timeout_s = stop_timeout_s
        self._applied = False  # set before the call: a call that timed out may still have acted
        self._stopped: list[str] = []  # tasks asked to stop, as they are asked

    def describe(self) -> str:
        harms = [_fault_text(self._fault)] if self._fault is not None else []
        harms += ["stop every task placed in it"] if self._stop_tasks else []
        return f"impair zone {self._zone}: " + " and ".join(harms)

    def revert_plan(self) -> dict[str, Any]:
        if self._fault is None:
            return {
                "action": "none",
                "why": "stopped tasks are replaced by the service scheduler; there is nothing to undo",
                "platform": f"localcloud at {self._control_url}",
            }
        return {
            "action": "localcloud-clear-zone-fault",
            "control_url": self._control_url,
            "zone": self._zone,
            "fault": self._fault.model_dump(mode="json"),
        }

    def inject(self) -> InjectOutcome:
        try:
            return self._impair()
        except FaultNotLanded as problem:
            return InjectOutcome(landed=False, detail=problem.reason, affected=list(self._stopped))

    def revert(self) -> None:
        """Clear the zone fault if this injector set one; stopped tasks were replaced by the scheduler."""
        if self._applied and self._fault is not None:
            clear_zone_fault(self._client, self._zone, self._fault)

    def _impair(self) -> InjectOutcome:
        state = self._state()
        if self._zone not in state.zones:
            return _not_landed(f"localcloud has no zone {self._zone} (it has: {', '.join(state.zones)})")
        present = state.zone_faults.get(self._zone)
        if present is not None:
            return _not_landed(
                f"zone {self._zone} is already impaired ({_fault_text(present)}); left as it was"
            )
        placed = _placed_in(state, self._zone)
        if not placed:
            return _not_landed(
                f"nothing to impair: no live task is placed in zone {self._zone} ({_placement(state)})"
            )
        done = []
        if self._fault is not None:
            self._set_fault()
            done.append(f"{_fault_text(self._fault)} ({len(placed)} task(s) behind it)")
        if self._stop_tasks:
            self._stop(placed)
            done.append(f"stopped {len(self._stopped)} task(s) placed there: {', '.join(self._stopped)}")
        return InjectOutcome(
            landed=True,
            detail=f"zone {self._zone}: " + "; ".join(done),
            affected=[self._zone, *self._stopped],
        )

    def _set_fault(self) -> None:
        assert self._fault is not None
        self._applied = True
        spec = self._fault.model_dump()
        try:
            self._client.set_zone_fault(self._zone, spec.pop("mode"), **spec)
        except LocalcloudError as error:
            raise FaultNotLanded(str(error)) from error
        shown = self._state().zone_faults.get(self._zone)
        if shown != self._fault:
            raise FaultNotLanded(f"localcloud shows zone {self._zone}'s fault as {shown} after it was set")

    def _stop(self, placed: list[PlacedTask]) -> None:
        for task in placed:
            try:
                self._client.stop_task(task.service, task.id, self._reason)
            except LocalcloudError as error:
                if error.status != 404:  # 404: already stopping (an impaired zone fails health)
                    raise FaultNotLanded(
                        f"{error}; {len(self._stopped)} task(s) asked to stop before"
                    ) from error
            self._stopped.append(task.id)
        pending = list(placed)

        def all_stopped() -> bool:
            live = {(t.service, t.id) for t in _placed_in(self._state(), self._zone)}
            pending[:] = [t for t in placed if (t.service, t.id) in live or pid_alive(t.pid)]
            return not pending

        if not wait_until(all_stopped, self._stop_timeout_s, interval_s=POLL_INTERVAL_S):
            raise FaultNotLanded(
                f"{len(pending)} of {len(placed)} task(s) in zone {self._zone} not shown as stopped after "
                f"{self._stop_timeout_s:g}s: {', '.join(t.id for t in pending)}"
            )

    def _state(self) -> PlatformState:
        try:
            return self._client.state()
        except LocalcloudError as error:
            raise FaultNotLanded(str(error)) from error


def clear_zone_fault(client: ZoneControlApi, zone: str, fault: PathFaultSpec) -> str:
    """Clear ``fault`` from ``zone`` only while the zone still carries it; one line of what was done."""
    try:
        shown = client.state().zone_faults.get(zone)
        if shown is not None and shown != fault:
            return f"zone {zone} now carries a fault this run did not set ({_fault_text(shown)}); left alone"
        client.clear_zone_fault(zone)
        if client.state().zone_faults.get(zone) is not None:
            raise ZoneStillImpaired(f"zone {zone} still shows a fault after it was cleared")
    except LocalcloudError as error:
        raise ZoneStillImpaired(f"zone {zone}: {error}") from error
    return f"zone {zone} {'cleared' if shown is not None else 'already clear'}"


def clear_zone_fault_from_plan(plan: dict[str, Any], _context: object) -> str:
    """The ledger's reverter: clear the recorded zone fault through the recorded control API.

    A localcloud that no longer answers took its zones, and their faults, with it.
    """
    recorded = ClearLocalZoneFault.model_validate(plan)
    client = LocalcloudClient(recorded.control_url)
    if client.reachable():
        return clear_zone_fault(client, recorded.zone, recorded.fault)
    return (
        f"nothing to undo: no localcloud answers at {recorded.control_url}, and its zone faults ended with it"
    )


def _placed_in(state: PlatformState, zone: str) -> list[PlacedTask]:
    """The live (not stopped) tasks placed in ``zone``, every service's."""
    return [
        PlacedTask(service, task.id, task.pid)
        for service, described in sorted(state.services.items())
        for task in described.tasks
        if task.zone == zone and task.status != TaskStatus.STOPPED
    ]


def _placement(state: PlatformState) -> str:
    """Where the live tasks are, for the reason a zone had none: "us-east-1b: 3, us-east-1c: 2"."""
    counts: dict[str, int] = {}
    for described in state.services.values():
        for task in described.tasks:
            if task.status != TaskStatus.STOPPED:
                counts[task.zone] = counts.get(task.zone, 0) + 1
    return ", ".join(f"{zone}: {count}" for zone, count in sorted(counts.items())) or "no live task at all"


def _fault_text(fault: PathFaultSpec) -> str:
    if fault.mode == "latency":
        return f"delay every connection into the zone by {fault.delay_ms:g} ± {fault.jitter_ms:g} ms"
    return f"{fault.mode} every connection into the zone"


def _not_landed(detail: str) -> InjectOutcome:
    return InjectOutcome(landed=False, detail=detail)
