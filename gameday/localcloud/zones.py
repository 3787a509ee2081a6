"""Availability Zones: where a new task is placed, and faults that impair a whole zone.

Placement follows ECS's spread across ``attribute:ecs.availability-zone``: a new task goes to the
allowed zone with the fewest live tasks of its service, ties to the zone listed first. A zone with
a fault gets no new task while an allowed zone without one exists (capacity in an impaired zone
is not used); only when every allowed zone is impaired does one take tasks.

A zone fault is a path fault on every connection into the zone's tasks (from the entry, each
dependency edge, the health checks), so a blackholed zone's tasks fail their checks and are
replaced in the zones still healthy: what lets a service keep serving from them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from gameday.localcloud.api import PathFaultSpec
from gameday.localcloud.proxy import FaultSlot


class Zone(FaultSlot):
    """One zone; its ``clients`` are the proxied connections relayed to its tasks now."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class Zones:
    def __init__(self, names: Sequence[str]) -> None:
        self._zones = {name: Zone(name) for name in names}

    @property
    def names(self) -> list[str]:
        return list(self._zones)

    def get(self, name: str) -> Zone | None:
        return self._zones.get(name)

    def __getitem__(self, name: str) -> Zone:
        return self._zones[name]

    def place(self, allowed: Sequence[str], live: Iterable[str]) -> str:
        """The zone for a new task; ``live`` holds the zone of each live task of its service."""
        healthy = [zone for zone in allowed if self._zones[zone].fault is None]
        tasks = Counter(live)
        return min(healthy or allowed, key=lambda zone: tasks[zone])  # min keeps the first of equals

    def describe(self) -> dict[str, PathFaultSpec | None]:
        return {name: zone.describe_fault() for name, zone in self._zones.items()}

    def clear(self) -> None:
        """Lift every zone's fault (a blackhole holds connections open until it is lifted)."""
        for zone in self._zones.values():
            zone.clear_fault()
