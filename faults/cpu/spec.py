"""The ``stress-cpu`` scenario entry: which service, how hard, and in how many of its tasks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from gameday.faultspecs import FisOnly, ServiceTasks


class StressCpu(FisOnly, ServiceTasks):
    """Burn CPU in a service's tasks (all of them, or a count or percent) for the window."""

    kind: Literal["stress-cpu"]
    load_percent: int = Field(default=100, ge=1, le=100)

    @model_validator(mode="after")
    def _one_share(self) -> StressCpu:
        if self.count is not None and self.percent is not None:
            raise ValueError("give at most one of count or percent (none: every task)")
        return self
