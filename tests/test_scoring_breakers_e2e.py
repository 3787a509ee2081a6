"""Breaker and retry scores on a real game day: catalog is blackholed behind bff, and the traces bff
sent to localcloud's daemon show the breaker opening during the outage and closing after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gameday.evidence.records import Verdict
from gameday.run.orchestrator import run_game_day
from gameday.targets import LocalTarget
from localcloud.launcher import RunningLocalcloud

pytestmark = pytest.mark.e2e


def test_a_blackholed_catalog_opens_and_then_closes_the_breaker(
    shop: RunningLocalcloud, tmp_path: Path
) -> None:
    scenario = tmp_path / "blackhole-catalog.yaml"
    scenario.write_text(
        """\
name: blackhole-catalog
description: catalog is unreachable from bff for 6 s; bff's breaker must open and close again.
duration: 15s
load: {shape: step, users: 10, step_users: 0, step_every: 60s, max_users: 10, spawn_rate: 10}
faults:
  - {kind: break-network, at: 2s, for: 6s, target: {path: bff->catalog}, mode: blackhole}
expect:
  - {score: breaker_time_to_open_s, dependency: catalog, max: 10s}
  - {score: breaker_time_to_close_s, dependency: catalog, max: 7s}
  - {score: breaker_shed, dependency: catalog, min: 0.01}
  - {score: retry_amplification, dependency: catalog, max: 3}
"""
    )
    target = LocalTarget(kind="localcloud", stack=Path("unused.yaml"), control_url=shop.client.base_url)

    outcome = run_game_day(scenario, "local", target, tmp_path / "reports")

    scores = {s.name: s for s in outcome.card.scores}
    opened, closed = scores["breaker_time_to_open_s"], scores["breaker_time_to_close_s"]
    assert opened.verdict is Verdict.PASS, opened.why
    assert closed.verdict is Verdict.PASS, closed.why
    assert opened.value is not None and 0 <= opened.value <= 10
    assert closed.value is not None and 0 <= closed.value <= 7
    assert scores["breaker_shed"].verdict is Verdict.PASS, scores["breaker_shed"].why
    assert scores["retry_amplification"].verdict is Verdict.PASS, scores["retry_amplification"].why
