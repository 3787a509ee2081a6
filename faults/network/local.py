"""Path faults on localcloud: the control API sets the fault on the edge's dependency proxy.

The control API's word is half the evidence; the other half is a probe sent through the edge's
proxy, as the source service would send it: a blackhole must leave it unanswered past a short
timeout, a reset must close it, latency must hold it at least the delay, and errors at share 1
must answer it with the status. A share below 1 may let one probe through, so there the state
alone is the evidence. Restoring clears the edge only while it still carries this fault, then
waits for a probe to be answered again.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from faults.base import FaultNotLanded
from faults.network.core import Observation, PathHarm
from faults.network.probe import ProbeResult, Seen, probe
from gameday.errors import EnvironmentProblem
from gameday.localcloud.api import PathFaultSpec, PlatformState
from gameday.localcloud.client import LocalcloudClient, LocalcloudError
from gameday.processes import wait_until

REVERT_ACTION = "localcloud-clear-path-fault"
PROBE_TIMEOUT_S = 0.5  # a healthy edge answers /health in milliseconds
FLOW_TIMEOUT_S = 10.0  # after a clear, how long the edge has to answer a probe again


class PathStillBroken(EnvironmentProblem):
    """The fault could not be cleared, or traffic did not flow again after it was."""


@runtime_checkable
class PathControlApi(Protocol):
    """The part of ``localcloud.client.LocalcloudClient`` this provider uses."""

    def state(self) -> PlatformState: ...

    def set_path_fault(self, edge: str, mode: str, **params: Any) -> PathFaultSpec: ...

    def clear_path_fault(self, edge: str) -> None: ...


class LocalcloudPaths:
    """localcloud's dependency edges, as :class:`faults.network.core.PathPlatform` wants them."""

    poll_interval_s = 0.1

    def __init__(self, client: PathControlApi, control_url: str) -> None:
        self._client = client
        self._control_url = control_url

    @property
    def where(self) -> str:
        return f"localcloud at {self._control_url}"

    def paths(self) -> list[str]:
        return sorted(self._state().paths)

    def fault_on(self, path: str) -> dict[str, Any] | None:
        fault = self._state().path_faults.get(path)
        return fault.model_dump() if fault is not None else None

    def apply(self, path: str, harm: PathHarm) -> None:
        try:
            self._client.set_path_fault(path, harm.mode, **harm.params)
        except LocalcloudError as error:
            raise FaultNotLanded(str(error)) from error

    def observe(self, path: str, harm: PathHarm) -> Observation:
        state = self._state()
        fault = state.path_faults.get(path)
        shown = fault.model_dump() if fault is not None else None
        if not _same(shown, harm.spec()):
            return Observation(False, f"localcloud shows the path's fault as {shown}")
        url = state.paths[path]
        if harm.mode == "http-errors" and float(harm.params["share"]) < 1:
            return Observation(True, "localcloud shows the fault set (a share below 1 is not probed)")
        if harm.mode == "latency":
            result = probe(url, PROBE_TIMEOUT_S + harm.added_delay_s)
        else:
            result = probe(url, PROBE_TIMEOUT_S)
        return Observation(_shows(harm, result), f"a probe through the path {result.describe()}")

    def restore(self, path: str, harm: PathHarm) -> str:
        try:
            return self._restore(path, harm)
        except FaultNotLanded as problem:  # the control API failed while restoring
            raise PathStillBroken(f"path {path}: {problem.reason}") from problem

    def _restore(self, path: str, harm: PathHarm) -> str:
        shown = self.fault_on(path)
        if shown is not None and not _same(shown, harm.spec()):
            return f"path {path} now carries a fault this run did not set ({shown}); left alone"
        try:
            self._client.clear_path_fault(path)
        except LocalcloudError as error:
            raise PathStillBroken(f"path {path}: {error}") from error
        if self.fault_on(path) is not None:
            raise PathStillBroken(f"path {path} still shows a fault after it was cleared")
        url = self._state().paths[path]
        answers: list[ProbeResult] = []

        def flows() -> bool:
            answers.append(probe(url, PROBE_TIMEOUT_S))
            return answers[-1].seen is Seen.ANSWERED

        if not wait_until(flows, FLOW_TIMEOUT_S, interval_s=self.poll_interval_s):
            raise PathStillBroken(
                f"path {path} was cleared but does not carry traffic after {FLOW_TIMEOUT_S:g}s: "
                f"the last probe {answers[-1].describe()}"
            )
        was = "cleared" if shown is not None else "already clear"
        return f"path {path} {was}; a probe through it {answers[-1].describe()}"

    def revert_plan(self, path: str, harm: PathHarm) -> dict[str, Any]:
        return {"action": REVERT_ACTION, "control_url": self._control_url, "edge": path, "fault": harm.spec()}

    def _state(self) -> PlatformState:
        try:
            return self._client.state()
        except LocalcloudError as error:
            raise FaultNotLanded(str(error)) from error


def clear_path_fault_from_plan(plan: dict[str, Any], _context: object) -> str:
    """The ledger's reverter: clear the recorded fault through the recorded control API.

    A localcloud that no longer answers took its proxies, and their faults, with it.
    """
    control_url = str(plan["control_url"])
    client = LocalcloudClient(control_url)
    if not client.reachable():
        return f"nothing to undo: no localcloud answers at {control_url}, and its path faults ended with it"
    return LocalcloudPaths(client, control_url).restore(str(plan["edge"]), PathHarm.from_spec(plan["fault"]))


def _shows(harm: PathHarm, result: ProbeResult) -> bool:
    if harm.mode == "blackhole":
        return result.seen is Seen.TIMED_OUT
    if harm.mode == "reset":
        return result.seen is Seen.CLOSED
    if harm.mode == "latency":
        least_s = (float(harm.params["delay_ms"]) - float(harm.params["jitter_ms"])) / 1000
        return result.seen is Seen.ANSWERED and result.elapsed_s >= least_s
    return result.seen is Seen.ANSWERED and result.status == harm.params["status"]


def _same(shown: dict[str, Any] | None, spec: dict[str, Any]) -> bool:
    """localcloud echoes the spec with its defaults filled in and numbers as floats."""
    return shown is not None and all(shown.get(key) == value for key, value in spec.items())
