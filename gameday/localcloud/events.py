"""The task event log: what ECS service events and stopped-task reasons say on AWS."""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import Literal

from gameday.evidence.records import TaskEvent

MAX_EVENTS = 100_000
EventKind = Literal["started", "healthy", "unhealthy", "stopped"]


class EventLog:
    """Events in time order, bounded so a long-lived stack cannot grow without end."""

    def __init__(self) -> None:
        self._events: deque[TaskEvent] = deque(maxlen=MAX_EVENTS)

    def record(
        self,
        service: str,
        task_id: str,
        kind: EventKind,
        zone: str,
        stop_code: str | None = None,
        reason: str | None = None,
    ) -> None:
        now = time.time()
        event = TaskEvent(
            t=now, service=service, task_id=task_id, kind=kind, zone=zone, stop_code=stop_code, reason=reason
        )
        self._events.append(event)
        detail = f" ({stop_code}: {reason})" if stop_code else ""
        sys.stdout.write(f"event: {task_id} {kind} in {zone}{detail}\n")
        sys.stdout.flush()

    def between(self, since: float, until: float) -> list[TaskEvent]:
        return [event for event in self._events if since <= event.t <= until]
