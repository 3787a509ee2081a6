"""Round robin over a service's healthy tasks.

Each listener (the entry balancer, every dependency edge) keeps its own turn, as each ALB target
group does, so traffic on one path does not skew the spread on another.
"""

from __future__ import annotations

from gameday.localcloud.scheduler import ServiceScheduler
from gameday.localcloud.tasks import Task


class RoundRobin:
    def __init__(self, scheduler: ServiceScheduler) -> None:
        self.service = scheduler.name
        self._scheduler = scheduler
        self._turn = 0

    def next(self) -> Task | None:
        """The next healthy task, or None when the service has none."""
        healthy = self._scheduler.healthy_tasks()
        if not healthy:
            return None
        task = healthy[self._turn % len(healthy)]
        self._turn += 1
        return task
