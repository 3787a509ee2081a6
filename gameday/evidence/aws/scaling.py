"""Application Auto Scaling activities on the mapped ECS services during the run window.

They say whether the service scaled when a fault asked it to, and why not when it did not
(``NotScaledReasons``), which task counts alone cannot tell.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.client import BaseClient

from gameday.aws_session import throttle_retry
from gameday.evidence.records import ScalingActivity
from gameday.targets import EcsService


@throttle_retry
def scaling_activities(
    client: BaseClient, logical: str, ecs: EcsService, since: float, until: float
) -> list[ScalingActivity]:
    """Activities (including not-scaled decisions) on the service's desired count started in the window."""
    pages = client.get_paginator("describe_scaling_activities").paginate(
        ServiceNamespace="ecs",
        ResourceId=f"service/{ecs.cluster}/{ecs.service}",
        ScalableDimension="ecs:service:DesiredCount",
        IncludeNotScaledActivities=True,
    )
    activities = [
        _activity(logical, raw)
        for page in pages
        for raw in page.get("ScalingActivities", [])
        if since <= raw["StartTime"].timestamp() < until
    ]
    return sorted(activities, key=lambda a: a.t)


def _activity(logical: str, raw: dict[str, Any]) -> ScalingActivity:
    ended = raw.get("EndTime")
    return ScalingActivity(
        t=raw["StartTime"].timestamp(),
        service=logical,
        status=str(raw.get("StatusCode", "")),
        description=str(raw.get("Description", "")),
        cause=str(raw.get("Cause", "")),
        ended_at=ended.timestamp() if isinstance(ended, datetime) else None,
        not_scaled=[str(r.get("Code", "")) for r in raw.get("NotScaledReasons", [])],
    )
