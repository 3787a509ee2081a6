"""Locust load shapes: the adapter between a schedule and Locust's once-a-second ``tick()``."""

from __future__ import annotations

import os

from locust import LoadTestShape

from loadprofiles.schedule import StepSchedule, schedule_from_env


class StepShape(LoadTestShape):
    """The step shape of a scenario's ``load``.

    The load process passes the schedule; under plain ``locust -f loadprofiles/locustfile.py`` Locust
    builds the shape without arguments, so it then reads ``GAMEDAY_LOAD_*`` environment variables.
    """

    def __init__(self, schedule: StepSchedule | None = None) -> None:
        super().__init__()
        self.schedule = schedule or schedule_from_env(os.environ)

    def tick(self) -> tuple[int, float] | None:
        return self.schedule.at(self.get_run_time())
