"""The step schedule as a pure function of run time, kept apart from Locust.

Locust's ``LoadTestShape`` asks "how many users now?" once a second; answering that from a plain
value makes the schedule testable without importing Locust (whose gevent patching must stay out of
test and orchestrator processes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gameday.durations import parse_duration
from gameday.scenario import StepLoad

ENV_PREFIX = "GAMEDAY_LOAD_"
_STANDALONE_DEFAULTS: dict[str, object] = {
    "shape": "step",
    "users": 1,
    "step_users": 1,
    "step_every": "30s",
    "max_users": 10,
    "spawn_rate": 10,
}
_STANDALONE_DURATION = "10m"


@dataclass(frozen=True)
class StepSchedule:
    """``load.users`` at first, ``+load.step_users`` every ``load.step_every`` up to ``load.max_users``,
    and the end of the test once ``duration_s`` has passed."""

    load: StepLoad
    duration_s: float

    def at(self, run_time: float) -> tuple[int, float] | None:
        """(users, spawn rate) at ``run_time`` seconds into the test; None when the test is over."""
        if run_time >= self.duration_s:
            return None
        steps = int(run_time // self.load.step_every)
        users = min(self.load.users + steps * self.load.step_users, self.load.max_users)
        return users, self.load.spawn_rate


def schedule_from_env(environ: Mapping[str, str]) -> StepSchedule:
    """The schedule for plain ``locust -f``, where no run config exists.

    Each StepLoad field may be set as ``GAMEDAY_LOAD_<FIELD>`` (``GAMEDAY_LOAD_MAX_USERS=20``), the
    test length as ``GAMEDAY_LOAD_DURATION`` (``90s``); anything unset takes a small default.
    """
    fields = ("users", "step_users", "step_every", "max_users", "spawn_rate")
    variables = {name: ENV_PREFIX + name.upper() for name in fields}
    given = {name: environ[variable] for name, variable in variables.items() if variable in environ}
    load = StepLoad.model_validate({**_STANDALONE_DEFAULTS, **given})
    duration = parse_duration(environ.get(ENV_PREFIX + "DURATION", _STANDALONE_DURATION))
    return StepSchedule(load, duration)
