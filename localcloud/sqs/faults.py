"""The seam where queue faults plug in.

A fault injector that throttles a queue or slows its deliveries does not edit the queue's code: it
installs an object with these two answers on ``Queue.faults`` (through ``QueueStore.set_faults``)
and removes it on revert. The queue asks on every send, so a change takes effect at once.
"""

from __future__ import annotations

from typing import Protocol


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
