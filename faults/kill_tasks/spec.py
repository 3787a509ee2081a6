"""The ``kill-tasks`` scenario entry: which service, and how many of its running tasks to stop."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from gameday.faultspecs import ServiceTasks


class KillTasks(ServiceTasks):
    """Stop a count or a percent of a service's running tasks once, at ``at``.

    ``for`` is the window the service has to cope; the scheduler, not a revert, brings tasks back.
    """

    kind: Literal["kill-tasks"]

    @model_validator(mode="after")
    def _count_or_percent(self) -> KillTasks:
        if (self.count is None) == (self.percent is None):
            raise ValueError("give exactly one of count or percent")
        return self
