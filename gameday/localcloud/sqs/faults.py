"""The seam where queue faults plug in.

A fault injector that throttles a queue or slows its deliveries does not edit the queue's code: it
installs an object with these two answers on ``Queue.faults`` (through ``QueueStore.set_faults``)
and removes it on revert. The queue asks on every send, so a change takes effect at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from gameday.localcloud.api import QueueFaultSpec


class QueueFaults(Protocol):
    def admit_send(self) -> bool:
        """False rejects this send with SQS's throttling error (``RequestThrottled``)."""
        ...

    def extra_delay_s(self) -> float:
        """Seconds added to this message's delay before it can be delivered."""
        ...


class NoFaults:
    """A healthy queue: every send is admitted and delivered on time."""

    def admit_send(self) -> bool:
        return True

    def extra_delay_s(self) -> float:
        return 0.0


NO_FAULTS: QueueFaults = NoFaults()


class InjectedFaults:
    """Throttles a share of sends and delays every message that is admitted."""

    def __init__(self, spec: QueueFaultSpec, chance: Callable[[], float] = random.random) -> None:
        self.spec = spec
        self._chance = chance

    def admit_send(self) -> bool:
        return self._chance() >= self.spec.throttle_share

    def extra_delay_s(self) -> float:
        return self.spec.delay_s


def describe(faults: QueueFaults) -> QueueFaultSpec | None:
    """The fault set on a queue as GET /state shows it; None for a healthy queue."""
    return faults.spec if isinstance(faults, InjectedFaults) else None
