"""The path-fault flow, the same for every kind: check the path, apply, observe the harm, restore.

The three scenario kinds differ only in the harm they ask of the path, so they share one injector.
A path that already carries a fault is refused rather than overwritten: its prior state is not
"healthy", and a revert that cleared it would undo someone else's fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from faults.base import FaultNotLanded, InjectOutcome
from faults.network.spec import AddLatency, BreakNetwork, FailRequests
from gameday.processes import wait_until

PathFault = BreakNetwork | AddLatency | FailRequests
DEFAULT_EFFECT_TIMEOUT_S = 5.0  # on top of the delay a latency harm itself adds to each probe


@dataclass(frozen=True)
class PathHarm:
    """What the path should do instead of relaying: a dependency-proxy mode and its parameters."""

    mode: str  # blackhole, reset, latency or http-errors
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> PathHarm:
        """The inverse of :meth:`spec`, for a revert plan read back from the ledger."""
        return cls(mode=str(spec["mode"]), params={k: v for k, v in spec.items() if k != "mode"})

    def spec(self) -> dict[str, Any]:
        return {"mode": self.mode, **self.params}

    @property
    def added_delay_s(self) -> float:
        """The longest a request through the harmed path is held back on purpose."""
        if self.mode != "latency":
            return 0.0
        return (float(self.params["delay_ms"]) + float(self.params["jitter_ms"])) / 1000

    def describe(self, path: str) -> str:
        if self.mode == "blackhole":
            return f"blackhole path {path} (connections hang)"
        if self.mode == "reset":
            return f"reset every connection on path {path}"
        if self.mode == "latency":
            delay, jitter = self.params["delay_ms"], self.params["jitter_ms"]
            return f"add {delay:g} ± {jitter:g} ms to requests on path {path}"
        share, status = float(self.params["share"]), self.params["status"]
        return f"answer {share:.0%} of requests on path {path} with HTTP {status}"


def harm_for(fault: PathFault) -> PathHarm:
    """The harm a scenario entry asks for, in the proxy's terms."""
    if isinstance(fault, BreakNetwork):
        return PathHarm(fault.mode)
    if isinstance(fault, AddLatency):
        return PathHarm("latency", {"delay_ms": fault.delay_ms, "jitter_ms": fault.jitter_ms})
    return PathHarm("http-errors", {"share": fault.share, "status": fault.status})


@dataclass(frozen=True)
class Observation:
    harmed: bool
    detail: str  # what was seen, for the outcome either way


class PathPlatform(Protocol):
    """What the flow needs from a backend. Methods raise :class:`FaultNotLanded` on refusal."""

    @property
    def where(self) -> str: ...

    @property
    def poll_interval_s(self) -> float: ...

    def paths(self) -> list[str]:
        """The paths this backend can harm, by their logical name ``source->destination``."""
        ...

    def fault_on(self, path: str) -> dict[str, Any] | None:
        """The fault the path carries now, or None when it relays normally."""
        ...

    def apply(self, path: str, harm: PathHarm) -> None: ...

    def observe(self, path: str, harm: PathHarm) -> Observation:
        """Look at the path once: does it show ``harm``?"""
        ...

    def restore(self, path: str, harm: PathHarm) -> str:
        """Remove ``harm`` (only if it is the fault set) and confirm traffic flows; one line of what was
        done. Idempotent; raises when the path cannot be shown healthy again."""
        ...

    def revert_plan(self, path: str, harm: PathHarm) -> dict[str, Any]: ...


class PathFaultInjector:
    """One break-network, add-latency or fail-requests entry on one backend."""

    def __init__(
        self,
        fault: PathFault,
        platform: PathPlatform,
        *,
        fault_id: str,
        effect_timeout_s: float = DEFAULT_EFFECT_TIMEOUT_S,
    ) -> None:
        self.fault_id = fault_id
        self._path = fault.target.path
        self._harm = harm_for(fault)
        self._platform = platform
        self._effect_timeout_s = effect_timeout_s + self._harm.added_delay_s
        self._applied = False  # set before the apply call: a call that timed out may still have acted

    def describe(self) -> str:
        return self._harm.describe(self._path)

    def revert_plan(self) -> dict[str, Any]:
        return self._platform.revert_plan(self._path, self._harm)

    def inject(self) -> InjectOutcome:
        try:
            return self._apply_and_observe()
        except FaultNotLanded as problem:
            return InjectOutcome(landed=False, detail=problem.reason)

    def revert(self) -> None:
        """Restore the path if this injector touched it; a refused path is someone else's to mend."""
        if self._applied:
            self._platform.restore(self._path, self._harm)

    def _apply_and_observe(self) -> InjectOutcome:
        known = self._platform.paths()
        if self._path not in known:
            names = ", ".join(sorted(known)) or "none"
            return InjectOutcome(
                landed=False, detail=f"{self._platform.where} has no path {self._path} (it has: {names})"
            )
        present = self._platform.fault_on(self._path)
        if present is not None:
            return InjectOutcome(
                landed=False,
                detail=f"path {self._path} is already broken ({_spec_text(present)}); left as it was",
            )
        self._applied = True
        self._platform.apply(self._path, self._harm)
        seen: list[Observation] = []

        def harmed() -> bool:
            seen.append(self._platform.observe(self._path, self._harm))
            return seen[-1].harmed

        if not wait_until(harmed, self._effect_timeout_s, interval_s=self._platform.poll_interval_s):
            return InjectOutcome(
                landed=False,
                detail=f"{self.describe()} was set on {self._platform.where}, but the harm was not observed "
                f"within {self._effect_timeout_s:g}s: {seen[-1].detail}",
                affected=[self._path],
            )
        return InjectOutcome(
            landed=True, detail=f"{self.describe()}: {seen[-1].detail}", affected=[self._path]
        )


def _spec_text(spec: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in spec.items())
