"""Every load shape as a pure function of run time, kept apart from Locust.

Locust's ``LoadTestShape`` asks "how many users now?" once a second; answering that from a plain
value makes each shape testable without importing Locust (whose gevent patching must stay out of
test and orchestrator processes), and lets one Locust adapter serve every shape.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from gameday.loadspecs import LoadSpec, RampLoad, ReplayLoad, SpikeLoad, SteadyLoad, StepLoad, WaveLoad


def users_at(load: LoadSpec, run_time: float) -> int:
    """The users ``load`` asks for at ``run_time`` seconds into the test."""
    match load:
        case SteadyLoad():
            return load.users
        case StepLoad():
            steps = int(run_time // load.step_every)
            return min(load.users + steps * load.step_users, load.max_users)
        case RampLoad():
            share = min(run_time / load.over, 1.0)
            return round(load.users + share * (load.max_users - load.users))
        case SpikeLoad():
            return load.spike_users if load.at <= run_time < load.at + load.for_ else load.users
        case WaveLoad():
            # Starts at the trough (night), peaks half a period in (midday), back by a full period.
            rise = (1 - math.cos(2 * math.pi * run_time / load.period)) / 2
            return round(load.min_users + rise * (load.max_users - load.min_users))
        case ReplayLoad():
            row = bisect.bisect_right(load.points, run_time, key=lambda point: point[0]) - 1
            return load.points[max(row, 0)][1]


@dataclass(frozen=True)
class LoadSchedule:
    """``load``'s users at each moment, and the end of the test once ``duration_s`` has passed."""

    load: LoadSpec
    duration_s: float

    def __post_init__(self) -> None:
        if isinstance(self.load, ReplayLoad) and not self.load.points:
            raise ValueError("a replay load needs its points (read from its file when the scenario loads)")

    def at(self, run_time: float) -> tuple[int, float] | None:
        """(users, spawn rate) at ``run_time`` seconds into the test; None when the test is over."""
        if run_time >= self.duration_s:
            return None
        return users_at(self.load, max(run_time, 0.0)), self.load.spawn_rate
