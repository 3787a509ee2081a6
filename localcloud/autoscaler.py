"""Target tracking, decided without processes: what desired count a metric reading calls for.

This is the arithmetic of Application Auto Scaling's target-tracking policies, kept apart from
metrics and schedulers so it can be checked with a fake clock: the new capacity is
``ceil(capacity * metric / target)`` clamped to ``[min, max]``; a scale-out waits out the
scale-out cooldown of the previous scale-out, a scale-in the scale-in cooldown of the previous
scale-in, and a scale-out during a scale-in cooldown happens at once, as AWS does. No reading (an
alarm in INSUFFICIENT_DATA) never scales.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from localcloud.stack import Scaling

_ROUNDING_DIGITS = 9  # 3 * 0.1 / 0.1 must stay 3, not ceil to 4


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


@dataclass(frozen=True)
class Decision:
    """A change of desired count and the reading that called for it."""

    capacity: int
    desired: int
    metric: float

    @property
    def direction(self) -> Direction:
        return Direction.OUT if self.desired > self.capacity else Direction.IN


def target_capacity(capacity: int, metric: float, scaling: Scaling) -> int:
    """The capacity that would bring ``metric`` to the policy's target, within the bounds."""
    wanted = math.ceil(round(capacity * metric / scaling.policy.target, _ROUNDING_DIGITS))
    return min(scaling.max, max(scaling.min, wanted))


class TargetTracker:
    """One service's policy and when it last scaled each way, so its cooldowns can hold."""

    def __init__(self, scaling: Scaling) -> None:
        self.scaling = scaling
        self._last: dict[Direction, float] = {}

    def decide(
        self, now: float, capacity: int, metric: float | None, suspended: frozenset[Direction] = frozenset()
    ) -> Decision | None:
        """The change to make at ``now``, or None: no reading, already on target, cooling down, or
        a direction that is ``suspended`` (like SuspendedState's DynamicScalingIn/OutSuspended).

        A returned decision starts its direction's cooldown at ``now``.
        """
        if metric is None:
            return None
        decision = Decision(capacity, target_capacity(capacity, metric, self.scaling), metric)
        if decision.desired == capacity or decision.direction in suspended:
            return None
        if self._cooling(decision.direction, now):
            return None
        self._last[decision.direction] = now
        return decision

    def _cooling(self, direction: Direction, now: float) -> bool:
        cooldown = (
            self.scaling.scale_out_cooldown if direction is Direction.OUT else self.scaling.scale_in_cooldown
        )
        last = self._last.get(direction)
        return last is not None and now - last < cooldown
