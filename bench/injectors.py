"""The library's own injectors for the faults the benchmarks time, built as a run builds them."""

from __future__ import annotations

import random

from faults.base import Injector
from faults.kill_tasks.spec import KillTasks
from faults.network.spec import BreakNetwork
from faults.registry import build_injector
from gameday.localcloud.client import LocalcloudClient
from gameday.targets import LocalTarget

RUN_ID = "bench"


def kill_one_task(
    client: LocalcloudClient, service: str, fault_id: str, rng: random.Random
) -> tuple[KillTasks, Injector]:
    spec = KillTasks.model_validate(
        {"kind": "kill-tasks", "target": {"service": service}, "count": 1, "at": 0, "for": 1}
    )
    injector = build_injector(
        spec, _target(client), fault_id=fault_id, run_id=RUN_ID, localcloud_client=client, rng=rng
    )
    return spec, injector


def break_path(client: LocalcloudClient, edge: str, fault_id: str) -> tuple[BreakNetwork, Injector]:
    """break-network in mode reset: a refused connection shows at once, a blackhole only on timeout."""
    spec = BreakNetwork.model_validate(
        {"kind": "break-network", "target": {"path": edge}, "mode": "reset", "at": 0, "for": 60}
    )
    injector = build_injector(
        spec, _target(client), fault_id=fault_id, run_id=RUN_ID, localcloud_client=client
    )
    return spec, injector


def _target(client: LocalcloudClient) -> LocalTarget:
    return LocalTarget(kind="localcloud", control_url=client.base_url)
