"""What every scenario fault entry shares: when, for how long, through what, on which logical name.

The kind says what harm; the target (localcloud or AWS) decides how, never the scenario. ``via``
only matters on AWS: ``api`` makes direct calls, ``fis`` runs an AWS FIS experiment. Kinds that
AWS can only do through FIS derive from :class:`FisOnly`, which defaults to ``fis`` and refuses
``api`` at validation time. Each kind's own model lives in its package under ``faults/`` and is
found through the ``gameday.faults`` entry points (:mod:`faults.catalogue`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from gameday.durations import Seconds
from gameday.limits import MAX_COUNT
from gameday.shared import Strict
from gameday.yamlfile import hinted

NAME_PATTERN = hinted(
    r"^[a-z0-9][a-z0-9-]*$", "use lowercase letters, digits and '-' only, starting with a letter or digit"
)
ZONE_PATTERN = hinted(
    r"^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", "write an Availability Zone by name, e.g. us-east-1a"
)
PATH_PATTERN = hinted(
    r"^[a-z0-9][a-z0-9-]*->[a-z0-9][a-z0-9-]*$", "write a path as caller->callee, e.g. bff->catalog"
)
Via = Literal["api", "fis"]


class ServiceSelection(Strict):
    """A logical service, e.g. ``{service: orders}``, or only its tasks in one Availability Zone.

    ``zone`` is what an FIS task filter on ``AvailabilityZone`` means: the share is taken of the
    tasks placed in that zone, which is how a game day takes out part of one zone.
    """

    service: str = Field(pattern=NAME_PATTERN)
    zone: str | None = Field(default=None, pattern=ZONE_PATTERN, description="only tasks in this zone")

    @property
    def label(self) -> str:
        return f"service:{self.service}" + (f"@{self.zone}" if self.zone else "")

    @property
    def where(self) -> str:
        """The tasks for people: "service orders" or "service orders in us-east-1a"."""
        return f"service {self.service}" + (f" in {self.zone}" if self.zone else "")


class QueueSelection(Strict):
    """A logical queue, e.g. ``{queue: orders}``."""

    queue: str = Field(pattern=NAME_PATTERN)

    @property
    def label(self) -> str:
        return f"queue:{self.queue}"


class PathSelection(Strict):
    """A network path from one service to a dependency, e.g. ``{path: bff->orders}``."""

    path: str = Field(pattern=PATH_PATTERN)

    @property
    def label(self) -> str:
        return f"path:{self.path}"

    @property
    def source(self) -> str:
        return self.path.split("->", 1)[0]

    @property
    def destination(self) -> str:
        return self.path.split("->", 1)[1]


class FaultBase(Strict):
    """When a fault starts (``at``) and how long its window lasts (``for``), from the run's start.

    A kind's model narrows ``kind`` to a one-value Literal, its name in scenarios.
    """

    kind: str
    at: Seconds
    for_: Seconds = Field(alias="for", gt=0)
    via: Via = "api"

    @property
    def end(self) -> float:
        return self.at + self.for_

    @property
    def target_label(self) -> str:
        """The logical resource for people, e.g. ``service:orders``."""
        raise NotImplementedError

    def task_share_percent(self, desired: int) -> float | None:
        """The percent of a service's ``desired`` tasks the fault takes; None when it takes no tasks.

        The blast-radius check holds every fault that answers a number to the target's limit.
        """
        return None


class FisOnly(FaultBase):
    """AWS has no direct API for this harm: only an FIS experiment can do it."""

    via: Via = "fis"

    @model_validator(mode="after")
    def _no_direct_api(self) -> FisOnly:
        if self.via == "api":
            raise ValueError("AWS has no direct API for this fault; use via: fis")
        return self


class ServiceTasks(FaultBase):
    """A fault on a share of a service's running tasks: a ``count`` or a ``percent`` of them.

    The kind's own validator says whether neither (every task) is allowed.
    """

    target: ServiceSelection
    count: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    percent: float | None = Field(default=None, gt=0, le=100)

    @property
    def target_label(self) -> str:
        return self.target.label

    def task_share_percent(self, desired: int) -> float | None:
        """A percent as written; a count against ``desired``; neither means every task."""
        if self.percent is not None:
            return self.percent
        if self.count is None:
            return 100.0
        if desired == 0:
            return 0.0
        return 100.0 * min(self.count, desired) / desired
