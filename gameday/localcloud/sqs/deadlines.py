"""A heap of messages keyed by the time they next change state, with lazy deletion.

Both waiting rooms of a queue use it: delayed messages (keyed by when they become visible) and
in-flight messages (keyed by when their visibility timeout runs out). Deleting a message or
changing its visibility does not search the heap; the old entry just goes stale (its epoch no
longer matches the message's) and is dropped when it surfaces. When stale entries outnumber live
ones the heap is rebuilt, which keeps memory proportional to live messages at amortised O(1) cost.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from heapq import heapify, heappop, heappush

from gameday.localcloud.sqs.message import Message

_COMPACT_SLACK = 64


def worth_compacting(entries: int, live: int) -> bool:
    """Rebuild a lazily-deleted structure once stale entries outnumber live ones (amortised O(1))."""
    return entries > 2 * live + _COMPACT_SLACK


class DeadlineHeap:
    def __init__(self) -> None:
        self._entries: list[tuple[float, int, int, Message]] = []
        self._order = itertools.count()  # ties keep insertion order and never compare messages
        self._live = 0

    def __len__(self) -> int:
        """Live messages only; stale entries are invisible to callers."""
        return self._live

    def push(self, deadline: float, message: Message) -> None:
        """Track ``message`` in its current epoch; the caller has just moved it into this room."""
        heappush(self._entries, (deadline, next(self._order), message.epoch, message))
        self._live += 1

    def forget(self) -> None:
        """A tracked message left this room by another way (deleted, visibility changed)."""
        self._live -= 1
        if worth_compacting(len(self._entries), self._live):
            self._entries = [entry for entry in self._entries if entry[2] == entry[3].epoch]
            heapify(self._entries)

    def pop_due(self, now: float) -> Iterator[Message]:
        """Remove and yield the live messages whose deadline is at or before ``now``."""
        while self._entries and self._entries[0][0] <= now:
            _, _, epoch, message = heappop(self._entries)
            if epoch == message.epoch:
                self._live -= 1
                yield message

    def next_deadline(self) -> float | None:
        """Earliest deadline on the heap (possibly of a stale entry: an early wake-up is harmless)."""
        return self._entries[0][0] if self._entries else None
