"""stress-cpu in a whole game day on the real shop: one catalog task burns CPU for the window, the
service's CPUUtilization shows it, and nothing burns once the fault is reverted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gameday.evidence.bundle import RunEvidence
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.run.orchestrator import run_game_day
from gameday.targets import LocalTarget

pytestmark = pytest.mark.e2e

SCENARIO = """\
name: catalog-burn
description: One catalog task burns most of a core for a while.
duration: 16s
load: {shape: step, users: 2, step_users: 0, step_every: 30s, max_users: 2, spawn_rate: 2}
faults:
  - {kind: stress-cpu, at: 3s, for: 7s, target: {service: catalog}, count: 1, load_percent: 80}
expect:
  - {score: availability, phase: fault, min: 0.9}
"""


def test_cpu_stress_shows_in_the_services_cpu_and_ends_with_the_revert(
    shop: RunningLocalcloud, shop_stack: Path, tmp_path: Path
) -> None:
    scenario = tmp_path / "catalog-burn.yaml"
    scenario.write_text(SCENARIO)
    target = LocalTarget(kind="localcloud", stack=shop_stack, control_url=shop.client.base_url)

    outcome = run_game_day(scenario, "local", target, tmp_path / "reports")

    evidence = RunEvidence.load(outcome.run_dir)
    (fault,) = evidence.faults
    assert fault.landed, fault.detail
    assert len(fault.affected) == 1 and fault.affected[0].startswith("catalog-")
    assert fault.injected_at is not None and fault.reverted_at is not None
    cpu = [
        (m.t, m.value)
        for m in evidence.metrics
        if m.name == "CPUUtilization" and m.dimensions.get("ServiceName") == "catalog"
    ]
    before = [v for t, v in cpu if t < fault.injected_at - 1]
    during = [v for t, v in cpu if fault.injected_at + 1 < t < fault.reverted_at - 1]
    after = [v for t, v in cpu if t > fault.reverted_at + 1]
    # One of two tasks burns up to 80 % of a core: the service's average rises by up to 40 points,
    # less when the machine's cores are busy with other work.
    assert before and during and after
    assert sum(during) / len(during) > max(before) + 10
    assert max(after) < min(during)
    lines = (outcome.run_dir / "ledger.jsonl").read_text().splitlines()
    ledger = [json.loads(line)["event"] for line in lines]
    assert ledger == ["intent", "injected", "reverted"]
    assert not any(task.stress for task in shop.client.state().services["catalog"].tasks)
