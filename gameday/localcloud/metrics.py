"""Per-second metrics under the names and dimensions CloudWatch uses for the same resources.

Scorers read ``RunningTaskCount`` or ``HTTPCode_ELB_5XX_Count`` the same way whether the points
came from gameday.localcloud or from CloudWatch. A point that sums or averages over one wall-clock second
(requests, errors, response time, CPU) is stamped with that second's start; a gauge (task counts,
queue depth) is stamped with the moment it was read, so a task stopped at 12.3 s never shows as
gone at 12.0 s. Like CloudWatch, an average over nothing is absent rather than zero:
``CPUUtilization`` needs a running task and ``TargetResponseTime`` a target response.

``RunningTaskCountByZone`` (ServiceName and AvailabilityZone) is localcloud's own: Container
Insights counts tasks per service only, and a point under its ``RunningTaskCount`` name with one
more dimension would be mixed into the service's count by readers that match on ServiceName.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import Counter, deque
from collections.abc import Mapping

from gameday.evidence.records import MetricPoint
from gameday.localcloud.balancer import EntryBalancer
from gameday.localcloud.scheduler import ServiceScheduler
from gameday.localcloud.sqs import QueueStore
from gameday.localcloud.tasks import TaskStatus

CLUSTER = "localcloud"
RUNNING_BY_ZONE = "RunningTaskCountByZone"
RETENTION_S = 2 * 3600
_INSIGHTS, _ECS, _ELB, _SQS = "ECS/ContainerInsights", "AWS/ECS", "AWS/ApplicationELB", "AWS/SQS"

SeriesKey = tuple[str, str, tuple[tuple[str, str], ...]]


class MetricsRecorder:
    def __init__(
        self,
        stack: str,
        schedulers: Mapping[str, ServiceScheduler],
        balancer: EntryBalancer,
        queues: QueueStore,
    ) -> None:
        self._load_balancer = load_balancer_name(stack)
        self._schedulers = schedulers
        self._balancer = balancer
        self._queues = queues
        self._series: dict[SeriesKey, deque[tuple[float, float]]] = {}

    async def run(self) -> None:
        """Sample at every whole second until cancelled."""
        while True:
            next_second = math.floor(time.time()) + 1
            await asyncio.sleep(max(0.0, next_second - time.time()))
            self.sample(float(next_second - 1))

    def sample(self, second: float) -> None:
        """Record the second that just ended: counters since the last sample, gauges as they are now."""
        now = second + 1
        for name, scheduler in self._schedulers.items():
            service = {"ClusterName": CLUSTER, "ServiceName": name}
            self._put(now, _INSIGHTS, "RunningTaskCount", service, scheduler.running)
            self._put(now, _INSIGHTS, "DesiredTaskCount", service, scheduler.desired)
            running = [task for task in scheduler.tasks if task.status is TaskStatus.RUNNING]
            in_zone = Counter(task.zone for task in running)
            for zone in scheduler.zones:
                self._put(
                    now, _INSIGHTS, RUNNING_BY_ZONE, {**service, "AvailabilityZone": zone}, in_zone[zone]
                )
            if running:
                cpu = sum(task.cpu_percent() for task in running) / len(running)
                self._put(second, _ECS, "CPUUtilization", service, cpu)
        counts = self._balancer.take_counts()
        balancer = {"LoadBalancer": self._load_balancer}
        self._put(second, _ELB, "RequestCount", balancer, counts.requests)
        self._put(second, _ELB, "HTTPCode_Target_5XX_Count", balancer, counts.target_5xx)
        self._put(second, _ELB, "HTTPCode_ELB_5XX_Count", balancer, counts.elb_5xx)
        if counts.target_responses:
            average = counts.response_time_total_s / counts.target_responses
            self._put(second, _ELB, "TargetResponseTime", balancer, average)
        for queue in self._queues.names():
            stats = self._queues.stats(queue)
            dimensions = {"QueueName": queue}
            self._put(now, _SQS, "ApproximateNumberOfMessagesVisible", dimensions, stats.visible)
            self._put(now, _SQS, "ApproximateNumberOfMessagesNotVisible", dimensions, stats.in_flight)
            self._put(now, _SQS, "ApproximateAgeOfOldestMessage", dimensions, stats.oldest_age_s)

    def between(self, since: float, until: float) -> list[MetricPoint]:
        """The points with ``since <= t <= until``, in time order."""
        points = [
            MetricPoint(t=t, namespace=namespace, name=name, dimensions=dict(dimensions), value=value)
            for (namespace, name, dimensions), series in self._series.items()
            for t, value in series
            if since <= t <= until
        ]
        return sorted(points, key=lambda point: point.t)

    def recent(self, namespace: str, name: str, dimensions: Mapping[str, str], since: float) -> list[float]:
        """The values of one series stamped at or after ``since``, oldest first (what an alarm reads)."""
        series = self._series.get((namespace, name, tuple(sorted(dimensions.items()))), deque())
        newest_first = itertools.takewhile(lambda point: point[0] >= since, reversed(series))
        return [value for _, value in newest_first][::-1]

    def _put(
        self, second: float, namespace: str, name: str, dimensions: dict[str, str], value: float
    ) -> None:
        key = (namespace, name, tuple(sorted(dimensions.items())))
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = deque(maxlen=RETENTION_S)
        series.append((second, float(value)))


def load_balancer_name(stack: str) -> str:
    """The ``LoadBalancer`` dimension of the entry's metrics, as CloudWatch names an ALB."""
    return f"app/{stack}/local"
