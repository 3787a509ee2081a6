"""Target tracking, decided without processes: what desired count a metric reading calls for.

This is the arithmetic of Application Auto Scaling's target-tracking policies, kept apart from
metrics and schedulers so it can be checked with a fake clock: the new capacity is
``ceil(capacity * metric / target)`` clamped to ``[min, max]``, except that scaling in goes only
as far as leaves the metric at most 90 % of the target, and only as far as the metric over a
five times longer window (``settled``) allows too: AWS scales in more gradually than out, its low
alarm sits at 90 % of the target and waits for 15 datapoints where the high one waits for 3. So a
noisy load near a step does not flap in and out. A
scale-out waits out the scale-out cooldown of the previous scale-out, a scale-in the scale-in
cooldown of the previous scale-in, and a scale-out during a scale-in cooldown happens at once, as
AWS does. No reading (an alarm in INSUFFICIENT_DATA) never scales.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from gameday.localcloud.stack import Scaling

_ROUNDING_DIGITS = 9  # 3 * 0.1 / 0.1 must stay 3, not ceil to 4
SCALE_IN_HEADROOM = 0.9  # after a scale-in the metric may reach this share of the target


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
    """The capacity that would bring ``metric`` to the policy's target (to 90 % of it when that
    means fewer tasks), within the bounds."""
    wanted = _capacity_for(capacity * metric, scaling.policy.target)
    if wanted < capacity:
        wanted = min(capacity, _capacity_for(capacity * metric, scaling.policy.target * SCALE_IN_HEADROOM))
    return min(scaling.max, max(scaling.min, wanted))


def _capacity_for(total: float, per_task: float) -> int:
    return math.ceil(round(total / per_task, _ROUNDING_DIGITS))


class TargetTracker:
    """One service's policy and when it last scaled each way, so its cooldowns can hold."""

    def __init__(self, scaling: Scaling) -> None:
        self.scaling = scaling
        self._last: dict[Direction, float] = {}

    def decide(
        self,
        now: float,
        capacity: int,
        metric: float | None,
        suspended: frozenset[Direction] = frozenset(),
        settled: float | None = None,
    ) -> Decision | None:
        """The change to make at ``now``, or None: no reading, already on target, cooling down, or
        a direction that is ``suspended`` (like SuspendedState's DynamicScalingIn/OutSuspended).
        A scale-in goes no further than the ``settled`` reading (the longer window's) allows.

        A returned decision starts its direction's cooldown at ``now``.
        """
        if metric is None:
            return None
        desired = target_capacity(capacity, metric, self.scaling)
        if desired < capacity and settled is not None:
            desired = min(capacity, max(desired, target_capacity(capacity, settled, self.scaling)))
        decision = Decision(capacity, desired, metric)
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
