"""The autoscaler: once a second, reads each scaled service's metric and sets its desired count.

It reads the same per-second series the metrics recorder keeps for CloudWatch-style queries
(averaged over the policy's ``window``), asks the service's :class:`TargetTracker` for a decision,
applies it through the scheduler like UpdateService, and records the scaling activity.

Like a scalable target's ``SuspendedState``, a service's dynamic scaling out and in can each be
suspended (a fault that sets the desired count itself does this, so the policy does not undo it);
a suspended direction makes no decision and starts no cooldown.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from gameday.localcloud.api import ServiceScaling, SuspendedState
from gameday.localcloud.autoscaler import Decision, Direction, TargetTracker
from gameday.localcloud.autoscaler_activities import ActivityLog, ScalingActivity, resource_id
from gameday.localcloud.metrics import CLUSTER, load_balancer_name
from gameday.localcloud.stack import Scaling, Stack

EVALUATION_OFFSET_S = 0.25  # evaluate just after the recorder has sampled the whole second
SCALE_IN_WINDOWS = 5  # scale-in also reads this many windows back (AWS: 15 datapoints against 3)


class MetricSource(Protocol):
    def recent(
        self, namespace: str, name: str, dimensions: Mapping[str, str], since: float
    ) -> list[float]: ...


class ScalableService(Protocol):
    @property
    def desired(self) -> int: ...

    @property
    def running(self) -> int: ...

    async def set_desired(self, count: int) -> int: ...


class NotScaled(KeyError):
    """The service has no auto scaling to suspend or resume."""


class Autoscaler:
    def __init__(
        self,
        stack: Stack,
        services: Mapping[str, ScalableService],
        metrics: MetricSource,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.activities = ActivityLog()
        self._trackers = {
            name: TargetTracker(service.scaling)
            for name, service in stack.services.items()
            if service.scaling is not None
        }
        self._suspended = {name: SuspendedState() for name in self._trackers}
        self._services = services
        self._metrics = metrics
        self._load_balancer = load_balancer_name(stack.name)
        self._clock = clock

    async def run(self) -> None:
        """Evaluate every policy once a second until cancelled."""
        while True:
            now = self._clock()
            await asyncio.sleep(math.floor(now) + 1 + EVALUATION_OFFSET_S - now)
            await self.evaluate()

    async def evaluate(self) -> None:
        """One evaluation of every policy: settle finished activities, then scale where needed."""
        now = self._clock()
        for name, tracker in self._trackers.items():
            service = self._services[name]
            self.activities.settle(name, service.running, now)
            reading = self.reading(name, tracker.scaling, now)
            settled = self.reading(name, tracker.scaling, now, SCALE_IN_WINDOWS)
            decision = tracker.decide(now, service.desired, reading, _held(self._suspended[name]), settled)
            if decision is not None:
                self.activities.start(_activity(name, tracker.scaling, decision, now))
                await service.set_desired(decision.desired)
                self.activities.settle(name, service.running, now)

    def suspend(self, service: str, state: SuspendedState) -> SuspendedState:
        """Set which directions of the service's dynamic scaling are suspended; returns the previous state.

        Raises :class:`NotScaled` for a service without auto scaling.
        """
        if service not in self._suspended:
            raise NotScaled(service)
        previous, self._suspended[service] = self._suspended[service], state
        return previous

    def reading(self, service: str, scaling: Scaling, now: float, windows: int = 1) -> float | None:
        """The policy's metric averaged over ``windows`` of its window; None when there is no data."""
        since = now - scaling.window * windows
        policy = scaling.policy
        cluster = {"ClusterName": CLUSTER, "ServiceName": service}
        if policy.metric == "cpu":
            return _mean(self._metrics.recent("AWS/ECS", "CPUUtilization", cluster, since))
        if policy.metric == "requests-per-target":
            load_balancer = {"LoadBalancer": self._load_balancer}
            total = _mean(self._metrics.recent("AWS/ApplicationELB", "RequestCount", load_balancer, since))
        else:
            queue = {"QueueName": policy.queue or ""}
            total = _mean(self._metrics.recent("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue, since))
        tasks = _mean(self._metrics.recent("ECS/ContainerInsights", "RunningTaskCount", cluster, since))
        return None if total is None or not tasks else total / tasks

    def describe(self, service: str) -> ServiceScaling | None:
        """The service's scaling config and last activity, for GET /state; None when it does not scale."""
        tracker = self._trackers.get(service)
        if tracker is None:
            return None
        last = self.activities.last(service)
        return ServiceScaling(
            **tracker.scaling.model_dump(),
            suspended_state=self._suspended[service],
            last_activity=last.as_aws() if last else None,
        )


def _held(state: SuspendedState) -> frozenset[Direction]:
    """The directions ``state`` suspends, as the tracker takes them."""
    return frozenset(
        direction
        for direction, held in ((Direction.IN, state.scale_in), (Direction.OUT, state.scale_out))
        if held
    )


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _activity(service: str, scaling: Scaling, decision: Decision, now: float) -> ScalingActivity:
    policy = scaling.policy
    alarm = "AlarmHigh" if decision.direction is Direction.OUT else "AlarmLow"
    cause = (
        f"monitor alarm TargetTracking-{resource_id(service)}-{alarm}-{policy.metric} in state ALARM "
        f"triggered policy {service}-{policy.metric}-target-tracking"
    )
    details = (
        f"{policy.metric} averaged {decision.metric:g} over {scaling.window:g}s against a target of "
        f"{policy.target:g} at desired count {decision.capacity}"
    )
    return ScalingActivity(service=service, desired=decision.desired, cause=cause, details=details, start=now)
