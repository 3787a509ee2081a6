"""One standard SQS queue: where messages wait, who holds them, and how deep it is.

Every operation costs the same whatever the depth: visible messages sit in a deque (receive pops
from the front), delayed and in-flight ones in deadline heaps, receipt handles in a dict, and the
counts are kept as running totals. Time passes lazily: each operation first moves what is due
(delayed → visible, expired in flight → visible) and the endpoint's periodic tick does the same
for idle queues.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from gameday.localcloud.sqs import errors
from gameday.localcloud.sqs.checksums import md5_of_body
from gameday.localcloud.sqs.deadlines import DeadlineHeap, worth_compacting
from gameday.localcloud.sqs.faults import NO_FAULTS, QueueFaults
from gameday.localcloud.sqs.message import (
    AttributeValue,
    Message,
    MessageState,
    new_receipt_handle,
    parse_receipt_handle,
)
from gameday.localcloud.sqs.settings import QueueSettings
from gameday.localcloud.sqs.waiters import Waiters

# SQS leaves a message received this many times out of ApproximateAgeOfOldestMessage, so one poison
# pill does not hide how fresh the rest of the backlog is (SQS developer guide, CloudWatch metrics).
POISON_PILL_RECEIVES = 3
T = TypeVar("T")


@dataclass(frozen=True)
class QueueStats:
    """A queue's depth as the SQS CloudWatch metrics and ``GetQueueAttributes`` report it."""

    visible: int
    in_flight: int
    delayed: int
    oldest_age_s: float


class Queue:
    """A standard queue's messages; not thread-safe, everything runs on the supervisor's loop."""

    def __init__(self, name: str, settings: QueueSettings, clock: Callable[[], float]) -> None:
        self.name = name
        self.settings = settings
        self.created_at = clock()
        self.last_modified_at = self.created_at
        self.faults: QueueFaults = NO_FAULTS
        self.arrivals = Waiters()  # long-poll receivers parked until something turns visible
        self._clock = clock
        self._visible: deque[tuple[int, Message]] = deque()
        self._visible_count = 0
        self._delayed = DeadlineHeap()
        self._in_flight = DeadlineHeap()
        self._by_handle: dict[str, Message] = {}
        self._by_age: deque[Message] = deque()  # send order, for the age of the oldest message

    def send(
        self,
        body: str,
        *,
        delay_s: float | None = None,
        attributes: dict[str, AttributeValue] | None = None,
        system_attributes: dict[str, AttributeValue] | None = None,
    ) -> Message:
        """Enqueue a message; ``delay_s`` None means the queue's DelaySeconds."""
        if not self.faults.admit_send():
            raise errors.request_throttled()
        now = self._advance()
        message = Message(
            message_id=str(uuid.uuid4()),
            body=body,
            md5_of_body=md5_of_body(body),
            sent_at=now,
            attributes=attributes or {},
            system_attributes=system_attributes or {},
        )
        delay = (self.settings.delay_s if delay_s is None else delay_s) + self.faults.extra_delay_s()
        self._by_age.append(message)
        if delay > 0:
            message.move_to(MessageState.DELAYED)
            self._delayed.push(now + delay, message)
        else:
            self._make_visible(message)
        return message

    def receive(self, max_messages: int, visibility_timeout_s: float | None = None) -> list[Message]:
        """Take up to ``max_messages`` visible messages in flight, each with a fresh receipt handle."""
        now = self._advance()
        timeout = self.settings.visibility_timeout_s if visibility_timeout_s is None else visibility_timeout_s
        received: list[Message] = []
        while self._visible and len(received) < max_messages:
            epoch, message = self._visible.popleft()
            if epoch != message.epoch:
                continue
            self._visible_count -= 1
            self._hand_out(message, now, timeout)
            received.append(message)
        return received

    def delete(self, receipt_handle: str) -> None:
        """Delete by the latest receipt handle; a stale but well-formed handle does nothing, as in SQS."""
        message = self._message_for(receipt_handle)
        if message is None:
            return
        self._advance()
        self._leave(message)
        message.move_to(MessageState.DELETED)
        self._forget_handle(message)
        self._by_age = _compacted(
            self._by_age, self._live_count(), lambda m: m.state is not MessageState.DELETED
        )

    def change_visibility(self, receipt_handle: str, timeout_s: float) -> None:
        """Restart an in-flight message's visibility timeout from now (0 makes it visible at once)."""
        message = self._message_for(receipt_handle)
        now = self._advance()
        if message is None or message.state is not MessageState.IN_FLIGHT:
            raise errors.message_not_inflight()
        self._leave(message)
        if timeout_s > 0:
            message.move_to(MessageState.IN_FLIGHT)
            self._in_flight.push(now + timeout_s, message)
        else:
            self._make_visible(message)

    def stats(self) -> QueueStats:
        now = self._advance()
        return QueueStats(
            visible=self._visible_count,
            in_flight=len(self._in_flight),
            delayed=len(self._delayed),
            oldest_age_s=self._oldest_age(now),
        )

    def seconds_until_next_change(self) -> float | None:
        """How long until a delayed or in-flight message may turn visible (for long-poll wake-ups)."""
        deadlines = [
            d for d in (self._delayed.next_deadline(), self._in_flight.next_deadline()) if d is not None
        ]
        return max(0.0, min(deadlines) - self._clock()) if deadlines else None

    def tick(self) -> None:
        """Let time pass on an idle queue, so due messages turn visible and long polls wake."""
        self._advance()

    def touch(self) -> None:
        """Record an attribute change (LastModifiedTimestamp)."""
        self.last_modified_at = self._clock()

    def _advance(self) -> float:
        now = self._clock()
        for message in self._delayed.pop_due(now):
            self._make_visible(message)
        for message in self._in_flight.pop_due(now):
            self._make_visible(message)  # its receipt handle stays valid until the next receive
        return now

    def _make_visible(self, message: Message) -> None:
        self._visible.append((message.move_to(MessageState.VISIBLE), message))
        self._visible_count += 1
        self.arrivals.wake_all()

    def _hand_out(self, message: Message, now: float, timeout: float) -> None:
        self._forget_handle(message)
        message.receive_count += 1
        if message.first_received_at is None:
            message.first_received_at = now
        message.receipt_handle = new_receipt_handle(self.name, message.message_id)
        self._by_handle[message.receipt_handle] = message
        message.move_to(MessageState.IN_FLIGHT)
        self._in_flight.push(now + timeout, message)

    def _leave(self, message: Message) -> None:
        """Take a live message out of whichever room it is in; its entry there goes stale."""
        state = message.state
        message.move_to(state)  # same state, new epoch: the deque or heap entry is now stale
        if state is MessageState.VISIBLE:
            self._visible_count -= 1
            self._visible = _compacted(self._visible, self._visible_count, lambda e: e[0] == e[1].epoch)
        elif state is MessageState.IN_FLIGHT:
            self._in_flight.forget()
        elif state is MessageState.DELAYED:
            self._delayed.forget()

    def _live_count(self) -> int:
        return self._visible_count + len(self._in_flight) + len(self._delayed)

    def _message_for(self, receipt_handle: str) -> Message | None:
        identity = parse_receipt_handle(receipt_handle)
        if identity is None or identity[0] != self.name:
            raise errors.receipt_handle_is_invalid(receipt_handle)
        return self._by_handle.get(receipt_handle)

    def _forget_handle(self, message: Message) -> None:
        if message.receipt_handle is not None:
            del self._by_handle[message.receipt_handle]
            message.receipt_handle = None

    def _oldest_age(self, now: float) -> float:
        """Amortised O(1): the send-order deque drops dead and poison-pill heads as it goes."""
        while self._by_age and (
            self._by_age[0].state is MessageState.DELETED
            or self._by_age[0].receive_count >= POISON_PILL_RECEIVES
        ):
            self._by_age.popleft()
        return max(0.0, now - self._by_age[0].sent_at) if self._by_age else 0.0


def _compacted(entries: deque[T], live: int, is_live: Callable[[T], bool]) -> deque[T]:
    """Drop stale entries once they outnumber live ones: memory stays proportional, cost amortised O(1)."""
    if not worth_compacting(len(entries), live):
        return entries
    return deque(entry for entry in entries if is_live(entry))
