"""The reversible fault the benchmarks use: break-network (reset) on one dependency edge.

The library's own localcloud provider is used when this version of gameday has one. Until then a
minimal stand-in sets the same localcloud path fault through the control API, and the benchmark
says so in its notes, because its figure then times the stand-in, not the library.
"""

from __future__ import annotations

from typing import Any

from faults.base import Injector, InjectOutcome
from faults.registry import build_injector
from gameday.errors import InputError
from gameday.faultspecs import BreakNetwork
from gameday.targets import LocalTarget
from localcloud.client import LocalcloudClient

RUN_ID = "bench"


def break_network(edge: str) -> BreakNetwork:
    spec = {"kind": "break-network", "target": {"path": edge}, "mode": "reset", "at": 0, "for": 60}
    return BreakNetwork.model_validate(spec)


def path_fault_injector(
    spec: BreakNetwork, client: LocalcloudClient, fault_id: str
) -> tuple[Injector, str | None]:
    """The injector, and a note when it is the stand-in rather than the library's provider."""
    target = LocalTarget(kind="localcloud", control_url=client.base_url)
    try:
        return build_injector(spec, target, fault_id=fault_id, run_id=RUN_ID, localcloud_client=client), None
    except InputError:
        note = "break-network has no localcloud provider yet: timed a control-API stand-in"
        return _ControlApiPathFault(client, spec.target.path, fault_id), note


class _ControlApiPathFault:
    """Stand-in: PUT/DELETE /paths/{edge}/fault, no harm confirmation of its own."""

    def __init__(self, client: LocalcloudClient, edge: str, fault_id: str) -> None:
        self.fault_id = fault_id
        self._client = client
        self._edge = edge

    def describe(self) -> str:
        return f"reset connections on {self._edge}"

    def revert_plan(self) -> dict[str, Any]:
        return {"action": "clear-path-fault", "edge": self._edge}

    def inject(self) -> InjectOutcome:
        self._client.set_path_fault(self._edge, "reset")
        return InjectOutcome(landed=True, detail=f"path fault reset set on {self._edge}")

    def revert(self) -> None:
        self._client.clear_path_fault(self._edge)
