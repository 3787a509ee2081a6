"""Running and desired task counts of a service over time, from its Container Insights metrics.

Scoring grades recovery on this series and the report charts it; both must read the same numbers.
Evidence sources name services by their logical name in the ``ServiceName`` dimension, so this
works the same for localcloud and for ECS.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from gameday.evidence.records import MetricPoint

NAMESPACE = "ECS/ContainerInsights"
RUNNING = "RunningTaskCount"
DESIRED = "DesiredTaskCount"


@dataclass(frozen=True)
class TaskCount:
    t: float
    running: float
    desired: float

    @property
    def at_strength(self) -> bool:
        return self.running == self.desired


def _is_task_count(point: MetricPoint) -> bool:
    return (
        point.namespace == NAMESPACE
        and point.name in (RUNNING, DESIRED)
        and "ServiceName" in point.dimensions
    )


def services_with_task_counts(metrics: Iterable[MetricPoint]) -> list[str]:
    return sorted({p.dimensions["ServiceName"] for p in metrics if _is_task_count(p)})


def task_counts(metrics: Iterable[MetricPoint], service: str) -> list[TaskCount]:
    """One sample per timestamp, in time order, once both counts are known.

    The two metrics are separate datapoints; a count missing at a timestamp carries the last known
    value forward, which is how CloudWatch's own per-period view reads too.
    """
    at: dict[float, dict[str, float]] = defaultdict(dict)
    for point in metrics:
        if _is_task_count(point) and point.dimensions["ServiceName"] == service:
            at[point.t][point.name] = point.value
    running: float | None = None
    desired: float | None = None
    samples: list[TaskCount] = []
    for t in sorted(at):
        running = at[t].get(RUNNING, running)
        desired = at[t].get(DESIRED, desired)
        if running is not None and desired is not None:
            samples.append(TaskCount(t, running, desired))
    return samples
