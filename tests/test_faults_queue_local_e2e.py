"""throttle-queue mode consumer in a whole game day on the real shop: the worker is turned down, the
orders queue backs up while checkout keeps succeeding, and after the revert the worker is back and
drains the backlog — all of it visible in the run's evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import MetricPoint
from gameday.localcloud.api import SuspendedState
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import wait_until
from gameday.run.orchestrator import run_game_day
from gameday.targets import LocalTarget

pytestmark = pytest.mark.e2e

SCENARIO = """\
name: worker-paused
description: The worker stops consuming orders for a while; checkout must not notice.
duration: 14s
# Half the requests are checkouts (each one order on the queue), so the paused window holds orders for
# sure rather than by the shop flow's one-in-ten chance.
load:
  shape: steady
  users: 8
  spawn_rate: 8
  flow:
    http:
      requests:
        - {method: POST, path: /checkout, json: {item_id: sku-001, quantity: 1}, expect_status: 201}
        - {method: GET, path: /catalog}
faults:
  - {kind: throttle-queue, at: 2s, for: 7s, target: {queue: orders}, mode: consumer}
expect:
  - {score: availability, phase: fault, min: 0.95}
"""


def _series(metrics: list[MetricPoint], name: str, dimension: str) -> list[tuple[float, float]]:
    return [(m.t, m.value) for m in metrics if m.name == name and dimension in m.dimensions.values()]


def test_a_paused_worker_backs_the_queue_up_and_it_drains_after_the_revert(
    shop: RunningLocalcloud, shop_stack: Path, tmp_path: Path
) -> None:
    running, stack = shop, shop_stack
    scenario = tmp_path / "worker-paused.yaml"
    scenario.write_text(SCENARIO)
    target = LocalTarget(kind="localcloud", stack=stack, control_url=running.client.base_url)

    outcome = run_game_day(scenario, "local", target, tmp_path / "reports")

    evidence = RunEvidence.load(outcome.run_dir)
    (fault,) = evidence.faults
    assert fault.landed, fault.detail
    assert fault.affected == ["worker"]
    assert fault.injected_at is not None and fault.reverted_at is not None
    desired = _series(evidence.metrics, "DesiredTaskCount", "worker")
    before = [v for t, v in desired if t < fault.injected_at]
    during = [v for t, v in desired if fault.injected_at + 1 < t < fault.window_end]
    after = [v for t, v in desired if t > fault.reverted_at + 1]
    assert before and set(before) == {1.0}
    assert during and set(during) == {0.0}
    # After the revert: the prior count, or more once the backlog policy (max 2) works it off.
    assert after and set(after) <= {1.0, 2.0}
    worker_scaling = [a for a in evidence.scaling if a.service == "worker"]
    assert not [a for a in worker_scaling if fault.injected_at <= a.t <= fault.window_end]  # suspended
    if 2.0 in after:
        assert any("AlarmHigh" in a.cause and a.t >= fault.window_end for a in worker_scaling)
    backlog = _series(evidence.metrics, "ApproximateNumberOfMessagesVisible", "orders")
    # About four checkouts a second, so orders wait in the queue while the worker is paused.
    assert max(v for t, v in backlog if fault.injected_at < t <= fault.window_end) >= 1
    assert backlog[-1][1] == 0  # the worker came back and drained it
    assert outcome.card.verdict.value == "PASS", outcome.card.reason
    lines = (outcome.run_dir / "ledger.jsonl").read_text().splitlines()
    ledger = [json.loads(line)["event"] for line in lines]
    assert ledger == ["intent", "injected", "reverted"]
    # The worker auto scales (min 1): only its suspended scaling kept it at 0 during the window.
    freely = SuspendedState()
    assert json.loads(lines[0])["revert_plan"]["scaling_suspended"] == {"worker": freely.model_dump()}
    assert fault.detail.endswith("(auto scaling of worker suspended)")
    state = running.client.state()
    scaling = state.services["worker"].scaling
    assert scaling is not None and scaling.suspended_state == freely

    def settled() -> bool:
        worker = running.client.state().services["worker"]
        return worker.desired == worker.running in {1, 2}

    assert wait_until(settled, 30)  # a scale-in may still be stopping a task
    assert state.queue_faults["orders"] is None
