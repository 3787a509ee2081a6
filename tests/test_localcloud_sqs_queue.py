"""The queue store on its own, with a fake clock so that time passing is exact and instant."""

from __future__ import annotations

import heapq
from collections import deque
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from gameday.localcloud.sqs import QueueStats, QueueStore, SqsError
from gameday.localcloud.sqs import deadlines as deadlines_module
from gameday.localcloud.sqs import queue as queue_module
from gameday.localcloud.sqs.queue import POISON_PILL_RECEIVES, Queue


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(clock: FakeClock) -> Queue:
    store = QueueStore(clock)
    store.create_queue("orders", visibility_timeout_s=30)
    return store.queue("orders")


def test_send_receive_delete_keeps_counts(queue: Queue) -> None:
    for n in range(3):
        queue.send(f"order {n}")
    assert queue.stats() == QueueStats(visible=3, in_flight=0, delayed=0, oldest_age_s=0.0)

    received = queue.receive(2)
    assert [m.body for m in received] == ["order 0", "order 1"]
    assert queue.stats().visible == 1 and queue.stats().in_flight == 2

    for message in received:
        assert message.receipt_handle is not None
        queue.delete(message.receipt_handle)
    assert queue.stats() == QueueStats(visible=1, in_flight=0, delayed=0, oldest_age_s=0.0)


def test_delayed_message_turns_visible_when_its_delay_is_over(queue: Queue, clock: FakeClock) -> None:
    queue.send("later", delay_s=5)
    assert queue.stats().delayed == 1
    assert queue.receive(10) == []
    clock.advance(5)
    assert queue.stats().visible == 1
    assert [m.body for m in queue.receive(10)] == ["later"]


def test_queue_delay_applies_when_the_send_names_none(queue: Queue, clock: FakeClock) -> None:
    queue.settings = queue.settings.updated({"DelaySeconds": "3"})
    queue.send("a")
    queue.send("b", delay_s=0)
    assert (queue.stats().delayed, queue.stats().visible) == (1, 1)


def test_expired_visibility_returns_the_message_with_a_higher_receive_count(
    queue: Queue, clock: FakeClock
) -> None:
    queue.send("job")
    first = queue.receive(1, visibility_timeout_s=10)[0]
    first_handle = first.receipt_handle
    assert first_handle is not None
    clock.advance(9.9)
    assert queue.receive(1) == []
    clock.advance(0.1)
    again = queue.receive(1)
    assert [m.message_id for m in again] == [first.message_id]
    assert again[0].receive_count == 2

    queue.delete(first_handle)  # stale handle: accepted, but the message stays (at-least-once)
    assert queue.stats().in_flight == 1
    assert again[0].receipt_handle is not None
    queue.delete(again[0].receipt_handle)
    assert queue.stats() == QueueStats(visible=0, in_flight=0, delayed=0, oldest_age_s=0.0)


def test_latest_handle_still_deletes_after_visibility_ran_out(queue: Queue, clock: FakeClock) -> None:
    queue.send("job")
    handle = queue.receive(1, visibility_timeout_s=1)[0].receipt_handle
    assert handle is not None
    clock.advance(2)
    assert queue.stats().visible == 1
    queue.delete(handle)
    assert queue.stats().visible == 0
    assert queue.receive(10) == []


def test_change_visibility(queue: Queue, clock: FakeClock) -> None:
    queue.send("job")
    handle = queue.receive(1)[0].receipt_handle
    assert handle is not None
    queue.change_visibility(handle, 100)
    clock.advance(50)
    assert queue.stats().in_flight == 1
    queue.change_visibility(handle, 0)
    assert queue.stats().visible == 1
    with pytest.raises(SqsError) as not_in_flight:
        queue.change_visibility(handle, 10)
    assert not_in_flight.value.shape == "MessageNotInflight"


@pytest.mark.parametrize("handle", ["garbage", "", "b3RoZXIKaWQKbm9uY2U="])  # last: another queue's
def test_malformed_or_foreign_receipt_handles_are_invalid(queue: Queue, handle: str) -> None:
    with pytest.raises(SqsError) as invalid:
        queue.delete(handle)
    assert invalid.value.shape == "ReceiptHandleIsInvalid"


def test_age_of_oldest_message_follows_deletes(queue: Queue, clock: FakeClock) -> None:
    queue.send("old")
    clock.advance(10)
    queue.send("young")
    clock.advance(5)
    assert queue.stats().oldest_age_s == 15
    (old,) = queue.receive(1)
    assert old.receipt_handle is not None
    queue.delete(old.receipt_handle)
    assert queue.stats().oldest_age_s == 5


def test_age_of_oldest_message_leaves_out_poison_pills(queue: Queue, clock: FakeClock) -> None:
    queue.send("poison")
    clock.advance(10)
    queue.send("fresh", delay_s=100)  # delayed, so only the poison pill can be received
    clock.advance(5)
    assert queue.stats().oldest_age_s == 15
    for _ in range(POISON_PILL_RECEIVES):
        (message,) = queue.receive(1, visibility_timeout_s=0)  # received, never deleted
        assert message.body == "poison"
    assert queue.stats().oldest_age_s == 5


def test_stale_entries_are_compacted_without_losing_live_messages(queue: Queue, clock: FakeClock) -> None:
    """Deletes and visibility changes far outnumber live messages, so every lazy structure compacts."""
    for n in range(300):
        queue.send(str(n))
    received = [m for _ in range(30) for m in queue.receive(10, visibility_timeout_s=1)]
    for message in received:
        for seconds in (5, 3, 1):  # three stale in-flight heap entries per message
            assert message.receipt_handle is not None
            queue.change_visibility(message.receipt_handle, seconds)
    clock.advance(1)  # all visible again; their latest handles still delete them
    keep = {received[0].message_id} | {m.message_id for m in received[251:]}
    for message in received:
        if message.message_id not in keep:
            assert message.receipt_handle is not None
            queue.delete(message.receipt_handle)
    assert queue.stats().visible == len(keep) == 50
    assert queue.stats().oldest_age_s == 1
    left = {m.message_id for _ in range(10) for m in queue.receive(10)}
    assert left == keep


def test_store_errors_and_names(clock: FakeClock) -> None:
    store = QueueStore(clock)
    store.create_queue("b")
    store.create_queue("a", visibility_timeout_s=5)
    store.create_queue("a", visibility_timeout_s=5)  # same settings: idempotent
    assert store.names() == ["a", "b"]
    with pytest.raises(SqsError) as exists:
        store.create_queue("a", visibility_timeout_s=6)
    assert exists.value.shape == "QueueNameExists"
    with pytest.raises(SqsError) as missing:
        store.stats("nope")
    assert missing.value.shape == "QueueDoesNotExist"


class _ThrottleAndSlow:
    def __init__(self) -> None:
        self.admit = False

    def admit_send(self) -> bool:
        return self.admit

    def extra_delay_s(self) -> float:
        return 7.0


def test_fault_seam_can_throttle_sends_and_delay_deliveries(clock: FakeClock) -> None:
    store = QueueStore(clock)
    store.create_queue("orders")
    fault = _ThrottleAndSlow()
    store.set_faults("orders", fault)
    with pytest.raises(SqsError) as throttled:
        store.queue("orders").send("x")
    assert (throttled.value.shape, throttled.value.legacy_code) == ("RequestThrottled", "RequestThrottled")

    fault.admit = True
    store.queue("orders").send("x")
    assert store.stats("orders").delayed == 1
    clock.advance(7)
    assert store.stats("orders").visible == 1

    store.set_faults("orders", None)
    store.queue("orders").send("y")
    assert store.stats("orders").visible == 2


class _CountingDeque(deque[Any]):
    ops = 0

    def append(self, item: Any) -> None:
        _CountingDeque.ops += 1
        super().append(item)

    def popleft(self) -> Any:
        _CountingDeque.ops += 1
        return super().popleft()


def test_operation_cost_does_not_grow_with_depth(monkeypatch: pytest.MonkeyPatch) -> None:
    """Structural, not timed: one send/receive/delete/stats cycle touches as many entries at any depth."""
    heap_ops = 0

    def counting(function: Any) -> Any:
        def counted(*args: Any) -> Any:
            nonlocal heap_ops
            heap_ops += 1
            return function(*args)

        return counted

    monkeypatch.setattr(queue_module, "deque", _CountingDeque)
    monkeypatch.setattr(deadlines_module, "heappush", counting(heapq.heappush))
    monkeypatch.setattr(deadlines_module, "heappop", counting(heapq.heappop))

    def cycle_cost(depth: int) -> int:
        nonlocal heap_ops
        clock = FakeClock()
        store = QueueStore(clock)
        store.create_queue("q")
        queue = store.queue("q")
        for n in range(depth):
            queue.send(str(n))
        for n in range(depth // 2):
            queue.send(f"delayed {n}", delay_s=60)
        queue.receive(10)  # a few in flight too
        heap_ops = _CountingDeque.ops = 0
        for _ in range(5):
            queue.send("new")
            (message,) = queue.receive(1)
            assert message.receipt_handle is not None
            queue.delete(message.receipt_handle)
            queue.stats()
            clock.advance(0.01)
        return heap_ops + _CountingDeque.ops

    assert cycle_cost(20) == cycle_cost(20_000)


class QueueAgainstModel(RuleBasedStateMachine):
    """Random operation sequences; the store must agree with a naive model that scans everything."""

    @initialize()
    def start(self) -> None:
        self.clock = FakeClock()
        self.store = QueueStore(self.clock)
        self.store.create_queue("q", visibility_timeout_s=4)
        self.queue = self.store.queue("q")
        # message id -> [sent_at, hidden_until, receive_count, deleted]
        self.model: dict[str, list[Any]] = {}
        self.handles: list[tuple[str, str]] = []  # every handle ever given out, with its message id
        self.latest: dict[str, str] = {}

    def _visible(self, message_id: str) -> bool:
        _, hidden_until, _, deleted = self.model[message_id]
        return not deleted and hidden_until <= self.clock.now

    @rule(delay=st.sampled_from([None, 0, 1, 3]))
    def send(self, delay: int | None) -> None:
        message = self.queue.send("m", delay_s=delay)
        self.model[message.message_id] = [self.clock.now, self.clock.now + (delay or 0), 0, False]

    @rule(count=st.integers(1, 10), visibility=st.sampled_from([None, 0, 1, 5]))
    def receive(self, count: int, visibility: int | None) -> None:
        visible_before = {m for m in self.model if self._visible(m)}
        received = self.queue.receive(count, visibility)
        assert len(received) == min(count, len(visible_before))
        for message in received:
            assert message.message_id in visible_before
            record = self.model[message.message_id]
            record[1] = self.clock.now + (4 if visibility is None else visibility)
            record[2] += 1
            assert message.receive_count == record[2]
            assert message.receipt_handle is not None
            self.handles.append((message.receipt_handle, message.message_id))
            self.latest[message.message_id] = message.receipt_handle

    @precondition(lambda self: self.handles)
    @rule(pick=st.integers(0, 10_000))
    def delete(self, pick: int) -> None:
        handle, message_id = self.handles[pick % len(self.handles)]
        self.queue.delete(handle)
        if self.latest.get(message_id) == handle:
            self.model[message_id][3] = True

    @precondition(lambda self: self.handles)
    @rule(pick=st.integers(0, 10_000), timeout=st.sampled_from([0, 2, 6]))
    def change_visibility(self, pick: int, timeout: int) -> None:
        handle, message_id = self.handles[pick % len(self.handles)]
        record = self.model[message_id]
        in_flight = self.latest.get(message_id) == handle and not record[3] and record[1] > self.clock.now
        try:
            self.queue.change_visibility(handle, timeout)
        except SqsError as error:
            assert error.shape == "MessageNotInflight" and not in_flight
        else:
            assert in_flight
            record[1] = self.clock.now + timeout

    @rule(seconds=st.sampled_from([0.5, 1, 2, 5]))
    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @invariant()
    def counts_agree(self) -> None:
        now = self.clock.now
        live = [r for r in self.model.values() if not r[3]]
        hidden = [r for r in live if r[1] > now]
        pending_ages = [now - r[0] for r in live if r[2] < POISON_PILL_RECEIVES]
        assert self.queue.stats() == QueueStats(
            visible=len(live) - len(hidden),
            in_flight=sum(1 for r in hidden if r[2] > 0),
            delayed=sum(1 for r in hidden if r[2] == 0),
            oldest_age_s=max(pending_ages, default=0.0),
        )


QueueAgainstModel.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
test_queue_against_model = QueueAgainstModel.TestCase
