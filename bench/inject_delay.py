"""Scheduled time → harm observable: how late a fault really bites, as a run schedules it.

Each fault is planned a little ahead at a random phase of the run clock's tick, driven through the
Timeline like a run, and its harm is seen by a watcher that asks the target, not the injector:
a kill shows as a task no longer RUNNING in ``GET /state``, a broken path as a probe through the
edge's proxy that fails.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.injectors import break_path, kill_one_task
from bench.observe import answers, running_tasks
from bench.scheduled import DRIVE_TICK_S, ScheduledFault
from bench.watch import Watch
from faults.base import Injector
from faults.catalogue import FaultSpec
from gameday.localcloud.client import LocalcloudClient
from gameday.processes import wait_until

LEAD_S = 0.3  # plan this far ahead so the watcher is polling before the fault is due
HARM_TIMEOUT_S = 30.0
RECOVERY_TIMEOUT_S = 30.0
KILLED_SERVICES = ("orders", "catalog", "bff")  # in turn, so each has time to be replaced


@dataclass(frozen=True)
class Injection:
    kind: str
    delay_s: float  # planned time → harm observed
    after_due_s: float  # inject call started → harm observed (the delay without the clock's tick)


def timed_injection(
    spec: FaultSpec, injector: Injector, harm: Callable[[], bool], ledger: Path, rng: random.Random
) -> Injection | None:
    """One scheduled fault, reverted afterwards; None when no harm was seen in time."""
    planned_at = time.time() + LEAD_S + rng.uniform(0.0, DRIVE_TICK_S)
    watch = Watch(harm, HARM_TIMEOUT_S)
    fault = ScheduledFault(spec, injector, planned_at, ledger)
    fault.drive_until_due()
    seen = watch.seen_at()
    fault.timeline.revert_all()
    injected_at = fault.state.injected_at
    if seen is None or injected_at is None:
        return None
    return Injection(spec.kind, seen - planned_at, seen - injected_at)


def kill_task_injections(
    client: LocalcloudClient, ledger: Path, count: int, rng: random.Random
) -> list[Injection | None]:
    results = []
    for index in range(count):
        service = KILLED_SERVICES[index % len(KILLED_SERVICES)]
        if not wait_until(partial(_at_full_strength, client, service), RECOVERY_TIMEOUT_S):
            raise RuntimeError(f"service {service} did not get back to full strength")
        harm = _task_gone(client, service, running_tasks(client, service))
        spec, injector = kill_one_task(client, service, f"kill-{index}", rng)
        results.append(timed_injection(spec, injector, harm, ledger, rng))
    return results


def break_network_injections(
    client: LocalcloudClient, edge: str, ledger: Path, count: int, rng: random.Random
) -> list[Injection | None]:
    proxy_url = client.state().paths[edge]
    results = []
    for index in range(count):
        spec, injector = break_path(client, edge, f"break-{index}")
        results.append(timed_injection(spec, injector, lambda: not answers(proxy_url), ledger, rng))
        if not wait_until(lambda: answers(proxy_url), RECOVERY_TIMEOUT_S, interval_s=0.01):
            raise RuntimeError(f"{edge} did not relay again after its fault was reverted")
    return results


def _task_gone(client: LocalcloudClient, service: str, before: set[str]) -> Callable[[], bool]:
    return lambda: not before <= running_tasks(client, service)


def _at_full_strength(client: LocalcloudClient, service: str) -> bool:
    entry = client.state().services[service]
    return entry.desired == entry.running == entry.healthy
