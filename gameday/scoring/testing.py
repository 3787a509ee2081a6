"""A synthetic game day with known answers, for testing scorers, reports and the run folder.

Shipped with the package (as structlog ships ``structlog.testing``) so every part of gameday and
its plugins can test against the same evidence. The numbers are chosen so every score can be
checked by hand:

* a 60 s run: baseline [0, 20), fault [20, 40), recovery [40, 60) seconds after the start;
* 10 requests a second. Baseline: 100 ms, every tenth 200 ms, all succeed (p95 200 ms).
  Fault: 300 ms, every fifth 900 ms (p95 900 ms); the first request of each of its first
  ``fault_failure_seconds`` seconds fails (10 of 200 by default: availability exactly 95 %).
  Recovery: 100 ms, all succeed.
* orders runs 4 of 4 tasks; the kill-tasks fault lands at +20 s, the per-second metrics show 2
  running from +21 s and 4 again ``recovers_after`` seconds after the fault (7 s by default).
  bff runs 2 of 2 throughout.
"""

from __future__ import annotations

import math

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import FaultRecord, LoadSecond, MetricPoint, Phase, RequestRecord, TaskEvent
from gameday.evidence.stats import percentile
from gameday.scenario import Scenario
from gameday.scoring.task_counts import DESIRED, NAMESPACE, RUNNING

T0 = 1_700_000_000.0
DURATION_S = 60
FAULT_AT_S = 20
FAULT_FOR_S = 20
PER_SECOND = 10


def synthetic_scenario(task_recovery_max: str = "10s", fault_availability_min: float = 0.95) -> Scenario:
    """The scenario the synthetic run was "run" from; its thresholds all pass by default."""
    return Scenario.model_validate(
        {
            "name": "synthetic-orders-loss",
            "description": "Half of the orders tasks are stopped while shoppers browse and check out.",
            "duration": f"{DURATION_S}s",
            "load": {"shape": "step", "users": 2, "step_users": 2, "step_every": "20s", "max_users": 6},
            "faults": [
                {
                    "kind": "kill-tasks",
                    "at": f"{FAULT_AT_S}s",
                    "for": f"{FAULT_FOR_S}s",
                    "target": {"service": "orders"},
                    "percent": 50,
                }
            ],
            "expect": [
                {"score": "availability", "phase": "baseline", "min": 0.99},
                {"score": "availability", "phase": "fault", "min": fault_availability_min},
                {"score": "availability", "phase": "recovery", "min": 0.99},
                {"score": "p95_latency_ms", "phase": "baseline", "max": 500},
                {"score": "p95_latency_ms", "phase": "fault", "max": 1000},
                {"score": "task_recovery_s", "service": "orders", "max": task_recovery_max},
            ],
        }
    )


def synthetic_evidence(
    recovers_after: float | None = 7.0, fault_failure_seconds: int = 10, landed: bool = True
) -> RunEvidence:
    """The evidence of the synthetic run; ``recovers_after=None`` means orders never recovers."""
    requests = [
        _request(second, i, fault_failure_seconds) for second in range(DURATION_S) for i in range(PER_SECOND)
    ]
    injected = T0 + FAULT_AT_S
    return RunEvidence(
        run_id="20231114T221320Z-synthetic-orders-loss",
        scenario_name="synthetic-orders-loss",
        target_name="local",
        started_at=T0,
        ended_at=T0 + DURATION_S,
        phases=[
            Phase(name="baseline", start=T0, end=T0 + FAULT_AT_S),
            Phase(name="fault", start=T0 + FAULT_AT_S, end=T0 + FAULT_AT_S + FAULT_FOR_S),
            Phase(name="recovery", start=T0 + FAULT_AT_S + FAULT_FOR_S, end=T0 + DURATION_S),
        ],
        requests=requests,
        load_seconds=_load_seconds(requests),
        metrics=_task_metrics("orders", 4, landed, recovers_after) + _task_metrics("bff", 2, False, None),
        events=_events(injected, recovers_after) if landed else [],
        traces=[{"id": "1-65540000-000000000000000000000001", "name": "bff", "start_time": T0 + 1}],
        faults=[
            FaultRecord(
                id="f1-kill-tasks",
                kind="kill-tasks",
                target="service:orders",
                planned_at=injected,
                injected_at=injected,
                window_end=injected + FAULT_FOR_S,
                reverted_at=T0 + DURATION_S,
                landed=landed,
                detail="stopped 2 of 4 orders tasks" if landed else "no running orders task to stop",
                affected=["orders-1a", "orders-2b"] if landed else [],
            )
        ],
    )


def _request(second: int, i: int, fault_failure_seconds: int) -> RequestRecord:
    in_fault = FAULT_AT_S <= second < FAULT_AT_S + FAULT_FOR_S
    if in_fault:
        latency = 900.0 if i % 5 == 4 else 300.0
    else:
        latency = 200.0 if i == PER_SECOND - 1 and second < FAULT_AT_S else 100.0
    failed = in_fault and second < FAULT_AT_S + fault_failure_seconds and i == 0
    return RequestRecord(
        t=T0 + second + i / PER_SECOND,
        name="POST /checkout" if i % 2 else "GET /catalog",
        method="POST" if i % 2 else "GET",
        latency_ms=latency,
        status=502 if failed else 200,
        ok=not failed,
        error="HTTPError('502 Server Error')" if failed else None,
    )


def _load_seconds(requests: list[RequestRecord]) -> list[LoadSecond]:
    seconds = []
    for second in range(DURATION_S):
        batch = [r for r in requests if math.floor(r.t - T0) == second]
        latencies = [r.latency_ms for r in batch]
        seconds.append(
            LoadSecond(
                t=T0 + second,
                users=2 + 2 * (second // 20),
                requests=len(batch),
                failures=sum(1 for r in batch if not r.ok),
                p50_ms=percentile(latencies, 50),
                p95_ms=percentile(latencies, 95),
                p99_ms=percentile(latencies, 99),
            )
        )
    return seconds


def _task_metrics(service: str, desired: int, hit: bool, recovers_after: float | None) -> list[MetricPoint]:
    """Per-second counts; a hit service runs half its tasks from +1 s after the fault until it recovers."""
    dimensions = {"ClusterName": "localcloud", "ServiceName": service}
    points = []
    for second in range(DURATION_S + 1):
        since_fault = second - FAULT_AT_S
        recovered = recovers_after is not None and since_fault >= recovers_after
        running = desired // 2 if hit and since_fault >= 1 and not recovered else desired
        for name, value in ((RUNNING, running), (DESIRED, desired)):
            points.append(
                MetricPoint(t=T0 + second, namespace=NAMESPACE, name=name, dimensions=dimensions, value=value)
            )
    return points


def _events(injected: float, recovers_after: float | None) -> list[TaskEvent]:
    events = [
        TaskEvent(t=injected + 0.5, service="orders", task_id=task, kind="stopped", stop_code="UserInitiated")
        for task in ("orders-1a", "orders-2b")
    ]
    if recovers_after is not None:
        for task in ("orders-3c", "orders-4d"):
            events.append(
                TaskEvent(t=injected + recovers_after - 3.5, service="orders", task_id=task, kind="started")
            )
            events.append(
                TaskEvent(t=injected + recovers_after - 0.5, service="orders", task_id=task, kind="healthy")
            )
    return events
