"""All queues of one localcloud, addressed by name.

The supervisor creates the stack's queues here and reads their depth for metrics; the HTTP
endpoint translates SQS requests into calls on the same objects. Everything runs on the
supervisor's event loop, so there are no locks.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from gameday.localcloud.sqs import errors
from gameday.localcloud.sqs.faults import NO_FAULTS, QueueFaults
from gameday.localcloud.sqs.queue import Queue, QueueStats
from gameday.localcloud.sqs.settings import QueueSettings


class QueueStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        """``clock`` gives epoch seconds; tests pass a fake one to make time passing deterministic."""
        self._clock = clock
        self._queues: dict[str, Queue] = {}

    def create_queue(self, name: str, visibility_timeout_s: float = 30) -> None:
        """Declare a stack's queue; a second call with other settings raises ``QueueNameExists``."""
        settings = QueueSettings(visibility_timeout_s=visibility_timeout_s)
        queue = self._queues.get(name)
        if queue is None:
            self._queues[name] = Queue(name, settings, self._clock)
        elif queue.settings != settings:
            raise errors.queue_name_exists(name)

    def ensure_queue(self, name: str, attributes: dict[str, str]) -> Queue:
        """CreateQueue: a new queue, or the existing one when every given attribute already matches.

        Attributes left out are not compared, as in SQS, so a client may "create" a queue the stack
        declared without knowing its settings.
        """
        queue = self._queues.get(name)
        if queue is None:
            queue = self._queues[name] = Queue(name, QueueSettings().updated(attributes), self._clock)
        elif queue.settings.updated(attributes) != queue.settings:
            raise errors.queue_name_exists(name)
        return queue

    def queue(self, name: str) -> Queue:
        try:
            return self._queues[name]
        except KeyError:
            raise errors.queue_does_not_exist() from None

    def stats(self, name: str) -> QueueStats:
        return self.queue(name).stats()

    def names(self) -> list[str]:
        return sorted(self._queues)

    def set_faults(self, name: str, faults: QueueFaults | None) -> None:
        """Install (or with None, remove) a queue fault; see :mod:`gameday.localcloud.sqs.faults`."""
        self.queue(name).faults = faults or NO_FAULTS

    def tick(self) -> None:
        for queue in self._queues.values():
            queue.tick()
