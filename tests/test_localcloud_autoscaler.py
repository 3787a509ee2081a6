"""The autoscaler without processes: target tracking with a fake clock, activities, the stack schema."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from gameday.errors import InputError
from gameday.localcloud.api import ServiceScaling, SuspendedState
from gameday.localcloud.autoscaler import Decision, Direction, TargetTracker, target_capacity
from gameday.localcloud.autoscaler_runner import Autoscaler, NotScaled
from gameday.localcloud.stack import Scaling, Stack, load_stack

CPU = {"min": 1, "max": 6, "policy": {"metric": "cpu", "target": 50}}


def _scaling(**changes: Any) -> Scaling:
    return Scaling.model_validate({**CPU, "scale_out_cooldown": "10s", "scale_in_cooldown": "30s", **changes})


# --- the decision --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "metric", "expected"),
    [
        (2, 100.0, 4),  # twice the target: twice the tasks
        (2, 51.0, 3),  # just above target rounds up
        (4, 50.0, 4),  # on target
        (4, 10.0, 1),  # idle: down to what the load needs
        (3, 40.0, 3),  # 2 tasks would run at 60, above target: no scale-in
        (3, 31.0, 3),  # 2 tasks would run at 46.5, under target but above 90 % of it: stays
        (3, 30.0, 2),  # 2 tasks would run at 45, 90 % of the target: in
        (3, 1000.0, 6),  # clamped to max
        (3, 0.0, 1),  # clamped to min
    ],
)
def test_target_capacity_is_ceil_of_capacity_times_metric_over_target_within_bounds(
    capacity: int, metric: float, expected: int
) -> None:
    assert target_capacity(capacity, metric, _scaling()) == expected


def test_no_reading_never_scales() -> None:
    assert TargetTracker(_scaling()).decide(0.0, 2, None) is None


def test_on_target_is_no_change() -> None:
    assert TargetTracker(_scaling()).decide(0.0, 2, 50.0) is None


def test_scale_out_waits_out_its_cooldown() -> None:
    tracker = TargetTracker(_scaling())
    assert tracker.decide(100.0, 2, 100.0) == Decision(capacity=2, desired=4, metric=100.0)
    assert tracker.decide(109.9, 4, 100.0) is None
    later = tracker.decide(110.0, 4, 100.0)
    assert later is not None and later.desired == 6 and later.direction is Direction.OUT


def test_scale_in_waits_out_its_cooldown() -> None:
    tracker = TargetTracker(_scaling())
    first = tracker.decide(0.0, 6, 20.0)
    assert first is not None and first.desired == 3 and first.direction is Direction.IN
    assert tracker.decide(29.0, 3, 10.0) is None
    assert tracker.decide(30.0, 3, 10.0) == Decision(capacity=3, desired=1, metric=10.0)


def test_scale_out_during_a_scale_in_cooldown_is_immediate() -> None:
    tracker = TargetTracker(_scaling())
    assert tracker.decide(0.0, 4, 10.0) is not None  # in to 1; scale-in cools down until 30 s
    out = tracker.decide(1.0, 1, 200.0)
    assert out == Decision(capacity=1, desired=4, metric=200.0)


def test_a_scale_in_does_not_wait_for_the_scale_out_cooldown() -> None:
    tracker = TargetTracker(_scaling())
    assert tracker.decide(0.0, 2, 100.0) is not None
    assert tracker.decide(1.0, 4, 10.0) == Decision(capacity=4, desired=1, metric=10.0)


def test_a_suspended_direction_decides_nothing_and_starts_no_cooldown() -> None:
    tracker = TargetTracker(_scaling())
    assert tracker.decide(0.0, 2, 100.0, frozenset({Direction.OUT})) is None
    assert tracker.decide(1.0, 2, 10.0, frozenset({Direction.OUT})) == Decision(2, 1, 10.0)  # in still may
    assert tracker.decide(2.0, 1, 200.0) == Decision(1, 4, 200.0)  # no cooldown from the held one


def test_a_scale_in_goes_no_further_than_the_settled_reading_allows() -> None:
    tracker = TargetTracker(_scaling())
    assert tracker.decide(0.0, 4, 10.0, settled=48.0) is None  # a dip in a steady load: stays at 4
    assert tracker.decide(1.0, 4, 10.0, settled=20.0) == Decision(4, 2, 10.0)  # as far as 20 allows
    assert tracker.decide(40.0, 2, 100.0, settled=10.0) == Decision(2, 4, 100.0)  # out ignores it


# --- the loop, on fake services and metrics -----------------------------------------------------


class FakeService:
    def __init__(self, desired: int) -> None:
        self.desired = self.running = desired

    async def set_desired(self, count: int) -> int:
        previous, self.desired = self.desired, count
        return previous


class FakeMetrics:
    """Series by metric name; every dimension filter matches, and ``since`` is ignored."""

    def __init__(self, **series: list[float]) -> None:
        self.series = series

    def recent(self, namespace: str, name: str, dimensions: Mapping[str, str], since: float) -> list[float]:
        return self.series.get(name, [])


def _stack(scaling: dict[str, Any] | None, queues: dict[str, Any] | None = None) -> Stack:
    service = {"command": ["python", "-c", "pass"], "replicas": 2, "scaling": scaling}
    document = {"name": "t", "entry": {"service": "api", "port": 0}, "services": {"api": service}}
    return Stack.model_validate({**document, "queues": queues or {}})


def _autoscaler(
    scaling: dict[str, Any], metrics: FakeMetrics, clock: list[float], **stack: Any
) -> tuple[Autoscaler, FakeService]:
    service = FakeService(2)
    return Autoscaler(_stack(scaling, **stack), {"api": service}, metrics, clock=lambda: clock[0]), service


def test_a_scale_out_is_recorded_in_progress_until_the_tasks_run() -> None:
    clock = [1000.0]
    autoscaler, service = _autoscaler(CPU, FakeMetrics(CPUUtilization=[90.0, 110.0]), clock)

    asyncio.run(autoscaler.evaluate())

    assert service.desired == 4
    [activity] = autoscaler.activities.between(0, 2000)
    assert activity.resource_id == "service/localcloud/api"
    assert activity.scalable_dimension == "ecs:service:DesiredCount"
    assert activity.description == "Setting desired count to 4."
    assert "AlarmHigh" in activity.cause and "triggered policy api-cpu-target-tracking" in activity.cause
    assert activity.status_code == "InProgress" and activity.end_time is None
    assert activity.start_time == 1000.0
    assert set(activity.model_dump()) >= {"ActivityId", "ResourceId", "StatusCode", "EndTime"}  # AWS's names

    service.running, clock[0] = 4, 1001.0
    asyncio.run(autoscaler.evaluate())  # on target now: no new activity, the old one settles

    [done] = autoscaler.activities.between(0, 2000)
    assert done.status_code == "Successful" and done.end_time == 1001.0
    assert autoscaler.describe("api") == ServiceScaling(
        **Scaling.model_validate(CPU).model_dump(), suspended_state=SuspendedState(), last_activity=done
    )


def test_one_noisy_second_in_the_window_does_not_scale() -> None:
    autoscaler, service = _autoscaler(CPU, FakeMetrics(CPUUtilization=[10.0, 10.0, 130.0]), [0.0])
    asyncio.run(autoscaler.evaluate())  # the window averages 50: on target
    assert service.desired == 2 and autoscaler.activities.between(0, 10) == []


def test_an_unfinished_activity_is_overridden_by_the_next() -> None:
    clock = [0.0]
    metrics = FakeMetrics(CPUUtilization=[100.0])
    autoscaler, _ = _autoscaler({**CPU, "scale_out_cooldown": "0s"}, metrics, clock)
    asyncio.run(autoscaler.evaluate())  # 2 → 4, tasks never come up
    clock[0] = 1.0
    asyncio.run(autoscaler.evaluate())  # 4 → 6

    first, second = autoscaler.activities.between(0, 10)
    assert (first.status_code, first.end_time) == ("Overridden", 1.0)
    assert (second.description, second.status_code) == ("Setting desired count to 6.", "InProgress")
    assert autoscaler.activities.between(0.5, 10) == [second]


def test_requests_per_target_divides_the_entry_requests_by_running_tasks() -> None:
    policy = {**CPU, "policy": {"metric": "requests-per-target", "target": 10}}
    metrics = FakeMetrics(RequestCount=[60.0, 40.0], RunningTaskCount=[2.0, 2.0])
    autoscaler, service = _autoscaler(policy, metrics, [0.0])
    assert autoscaler.reading("api", _scaling(**policy), 0.0) == 25.0
    asyncio.run(autoscaler.evaluate())
    assert service.desired == 5  # ceil(2 * 25 / 10)


def test_backlog_per_task_has_no_reading_without_running_tasks() -> None:
    policy = {**CPU, "policy": {"metric": "backlog-per-task", "target": 5, "queue": "orders"}}
    queues: dict[str, Any] = {"orders": {}}
    metrics = FakeMetrics(ApproximateNumberOfMessagesVisible=[30.0], RunningTaskCount=[0.0])
    autoscaler, service = _autoscaler(policy, metrics, [0.0], queues=queues)
    asyncio.run(autoscaler.evaluate())
    assert service.desired == 2 and autoscaler.activities.between(0, 10) == []

    metrics.series["RunningTaskCount"] = [2.0]
    asyncio.run(autoscaler.evaluate())
    assert service.desired == 6  # 15 messages per task against 5: clamped to max


def test_a_service_without_scaling_is_left_alone() -> None:
    service = FakeService(2)
    autoscaler = Autoscaler(_stack(None), {"api": service}, FakeMetrics(CPUUtilization=[100.0]))
    asyncio.run(autoscaler.evaluate())
    assert service.desired == 2 and autoscaler.describe("api") is None


def test_suspended_scaling_holds_a_desired_count_set_from_outside_until_resumed() -> None:
    autoscaler, service = _autoscaler(CPU, FakeMetrics(CPUUtilization=[5.0]), [0.0])
    held = SuspendedState(scale_in=True, scale_out=True)
    assert autoscaler.suspend("api", held) == SuspendedState()
    service.desired = service.running = 6  # a fault set it; the policy would scale in to 1
    asyncio.run(autoscaler.evaluate())
    assert service.desired == 6 and autoscaler.activities.between(0, 10) == []
    scaling = autoscaler.describe("api")
    assert scaling is not None and scaling.suspended_state == held
    assert held.model_dump() == {"DynamicScalingInSuspended": True, "DynamicScalingOutSuspended": True}

    assert autoscaler.suspend("api", SuspendedState()) == held
    asyncio.run(autoscaler.evaluate())
    assert service.desired == 1


def test_only_a_scaled_service_can_be_suspended() -> None:
    autoscaler = Autoscaler(_stack(None), {"api": FakeService(2)}, FakeMetrics())
    with pytest.raises(NotScaled):
        autoscaler.suspend("api", SuspendedState(scale_out=True))


# --- the stack schema ----------------------------------------------------------------------------

STACK = """\
name: t
entry: {service: api, port: 0}
services:
  api:
    command: [python, -c, pass]
    replicas: 2
    scaling:
      min: 1
      max: 4
      policy: {metric: cpu, target: 50}
      scale_out_cooldown: 5s
  worker:
    command: [python, -c, pass]
    scaling: {min: 1, max: 3, policy: {metric: backlog-per-task, target: 10, queue: orders}}
queues:
  orders: {}
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "stack.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_stack(path)
    return [str(problem).removeprefix(f"{path}:") for problem in caught.value.problems]


def test_a_scaling_section_loads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(STACK, encoding="utf-8")
    scaling = load_stack(path).services["api"].scaling
    assert scaling is not None
    assert (scaling.min, scaling.max, scaling.policy.type, scaling.policy.target) == (
        1,
        4,
        "target-tracking",
        50,
    )
    assert (scaling.scale_out_cooldown, scaling.scale_in_cooldown, scaling.window) == (5.0, 30.0, 3.0)


def test_bad_scaling_fields_are_located(tmp_path: Path) -> None:
    text = STACK.replace("max: 4", "max: 0").replace("scale_out_cooldown: 5s", "scale_out_cooldown: soon")
    assert _problems(tmp_path, text) == [
        "9: services.api.scaling.max: must be at least 1",
        "11: services.api.scaling.scale_out_cooldown: "
        "'soon' is not a duration (use 30s, 2m, 1m30s or 1500ms)",
    ]


def test_scaling_must_fit_the_stack(tmp_path: Path) -> None:
    text = STACK.replace("min: 1\n", "min: 3\n").replace(
        "metric: backlog-per-task, target: 10, queue: orders", "metric: requests-per-target, target: 10"
    )
    assert _problems(tmp_path, text) == [
        "6: services.api.replicas: replicas (2) must lie within scaling min..max (3..4)",
        "14: services.worker.scaling.policy.metric: "
        "requests-per-target counts the entry's requests: only 'api' can use it",
    ]
    assert _problems(tmp_path, STACK.replace("queue: orders", "queue: order")) == [
        "14: services.worker.scaling.policy.queue: no queue named 'order' (known: orders)"
    ]


def test_bounds_and_queue_rules(tmp_path: Path) -> None:
    text = STACK.replace("min: 1\n", "min: 5\n").replace(", queue: orders", "")
    assert _problems(tmp_path, text) == [
        "7: services.api.scaling: min (5) must not be above max (4)",
        "14: services.worker.scaling.policy: "
        "'queue' is required for backlog-per-task and only allowed with it",
    ]
