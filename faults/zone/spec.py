"""The ``impair-zone`` scenario entry: one Availability Zone, cut off or slowed, its tasks stopped."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from gameday.faultspecs import ZONE_PATTERN, FisOnly
from gameday.shared import Strict

DEFAULT_DELAY_MS = 200  # FIS aws:ecs:task-network-latency's own defaults
DEFAULT_JITTER_MS = 10


class ZoneSelection(Strict):
    """An Availability Zone by name, e.g. ``{zone: us-east-1a}``: the same name locally and on AWS."""

    zone: str = Field(pattern=ZONE_PATTERN)

    @property
    def label(self) -> str:
        return f"zone:{self.zone}"


class ImpairZone(FisOnly):
    """Take an Availability Zone out, as a zonal outage does: every connection into it is blackholed
    (or slowed) for the window, and every task placed in it is stopped at ``at``.

    The services' schedulers replace the stopped tasks in the zones that still work; the game day
    watches whether the stack keeps serving from them. AWS has no single call for this: only an
    FIS experiment can cut a zone's subnets.
    """

    kind: Literal["impair-zone"]
    target: ZoneSelection
    network: Literal["blackhole", "latency", "none"] = Field(
        default="blackhole", description="what connections into the zone suffer for the window"
    )
    stop_tasks: bool = Field(default=True, description="stop every task placed in the zone at `at`")
    delay_ms: int | None = Field(default=None, ge=1, le=60_000, description="only with network: latency")
    jitter_ms: int | None = Field(default=None, ge=0, le=60_000, description="only with network: latency")

    @model_validator(mode="after")
    def _does_something(self) -> ImpairZone:
        if self.network == "none" and not self.stop_tasks:
            raise ValueError("network none with stop_tasks false does nothing: give one of them")
        if self.network != "latency" and (self.delay_ms is not None or self.jitter_ms is not None):
            raise ValueError("delay_ms and jitter_ms only apply to network: latency")
        return self

    @property
    def target_label(self) -> str:
        return self.target.label

    @property
    def zone(self) -> str:
        return self.target.zone

    def network_fault(self) -> dict[str, Any] | None:
        """The zone fault as localcloud's control API takes it (a path fault's spec); None: no fault."""
        if self.network == "none":
            return None
        if self.network == "latency":
            return {
                "mode": "latency",
                "delay_ms": DEFAULT_DELAY_MS if self.delay_ms is None else self.delay_ms,
                "jitter_ms": DEFAULT_JITTER_MS if self.jitter_ms is None else self.jitter_ms,
            }
        return {"mode": "blackhole"}
