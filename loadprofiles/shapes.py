"""The Locust side of load shapes: one adapter between any schedule and Locust's once-a-second tick."""

from __future__ import annotations

from locust import LoadTestShape

from gameday.loadspecs import LoadSpec
from loadprofiles.schedule import LoadSchedule


class ScheduleShape(LoadTestShape):
    """Asks a :class:`LoadSchedule` for the users at Locust's run time, whichever shape it holds.

    Abstract for Locust (it needs a schedule, which Locust cannot give): the load process passes an
    instance to its Environment, and the locustfile subclasses it with a schedule from the environment.
    """

    abstract = True

    def __init__(self, schedule: LoadSchedule) -> None:
        super().__init__()
        self.schedule = schedule

    def tick(self) -> tuple[int, float] | None:
        return self.schedule.at(self.get_run_time())


def shape_for(load: LoadSpec, duration_s: float) -> ScheduleShape:
    """The shape the load process runs ``load`` with, ending the test after ``duration_s``."""
    return ScheduleShape(LoadSchedule(load, duration_s))
