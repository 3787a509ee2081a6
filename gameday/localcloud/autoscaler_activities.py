"""Scaling activities as DescribeScalingActivities shows them, so scorers read local and AWS alike.

An activity is InProgress from the moment the desired count is set until the service runs exactly
that many tasks (then Successful, with its EndTime), or until a newer activity on the same service
replaces it (then Overridden).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from gameday.localcloud.api import DescribedActivity
from gameday.localcloud.metrics import CLUSTER

NAMESPACE = "ecs"
DIMENSION = "ecs:service:DesiredCount"


def resource_id(service: str) -> str:
    return f"service/{CLUSTER}/{service}"


@dataclass
class ScalingActivity:
    service: str
    desired: int
    cause: str
    details: str
    start: float
    end: float | None = None
    status: str = "InProgress"
    message: str | None = None
    activity_id: str = ""

    def __post_init__(self) -> None:
        self.activity_id = self.activity_id or str(uuid.uuid4())

    def as_aws(self) -> DescribedActivity:
        """The ScalingActivity shape of the Application Auto Scaling API (times in epoch seconds)."""
        return DescribedActivity(
            activity_id=self.activity_id,
            service_namespace=NAMESPACE,
            resource_id=resource_id(self.service),
            scalable_dimension=DIMENSION,
            description=f"Setting desired count to {self.desired}.",
            cause=self.cause,
            start_time=self.start,
            end_time=self.end,
            status_code=self.status,
            status_message=self.message,
            details=self.details,
        )


class ActivityLog:
    def __init__(self) -> None:
        self._activities: list[ScalingActivity] = []

    def start(self, activity: ScalingActivity) -> None:
        """Record a new activity; the service's unfinished one, if any, is Overridden by it."""
        previous = self.last(activity.service)
        if previous is not None and previous.status == "InProgress":
            previous.status, previous.end = "Overridden", activity.start
            previous.message = f"Overridden by setting desired count to {activity.desired}."
        self._activities.append(activity)

    def settle(self, service: str, running: int, now: float) -> None:
        """Mark the service's activity Successful once it runs exactly the count it asked for."""
        activity = self.last(service)
        if activity is not None and activity.status == "InProgress" and running == activity.desired:
            activity.status, activity.end = "Successful", now
            activity.message = (
                f"Successfully set desired count to {activity.desired}. Change successfully fulfilled by ecs."
            )

    def last(self, service: str) -> ScalingActivity | None:
        return next((a for a in reversed(self._activities) if a.service == service), None)

    def between(self, since: float, until: float) -> list[DescribedActivity]:
        """Activities that started in ``[since, until]``, oldest first."""
        return [a.as_aws() for a in self._activities if since <= a.start <= until]
