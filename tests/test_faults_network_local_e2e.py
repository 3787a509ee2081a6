"""Path faults in whole game days on the real shop: the harm shows in what shoppers and traces saw,
the ledger reads intent → injected → reverted, and the path carries traffic normally afterwards.

Each fault hits bff->catalog, the dependency behind nine in ten of the shop flow's requests, so a
short window holds enough requests to see the harm and bff's resilience answer it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from killed_run import run_until_landed, sigkill

from faults.network.probe import Seen, probe
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord
from gameday.evidence.stats import percentile
from gameday.ledger import Ledger
from gameday.localcloud.api import ResetSpec
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import pid_alive, wait_until
from gameday.run.orchestrator import RunOutcome, run_game_day
from gameday.targets import LocalTarget

ROOT = Path(__file__).resolve().parent.parent

EDGE = "bff->catalog"
pytestmark = pytest.mark.e2e


def _game_day(
    shop: RunningLocalcloud, tmp_path: Path, fault: str, *, users: int, duration: int
) -> RunEvidence:
    """Run a short scenario with one fault entry on bff->catalog; check what every path fault must."""
    scenario = tmp_path / "path-fault.yaml"
    scenario.write_text(
        f"""\
name: path-fault
description: A short game day with one path fault.
duration: {duration}s
load: {{shape: step, users: {users}, step_users: 0, step_every: 60s, max_users: {users}, spawn_rate: {users}}}
faults:
  - {{{fault}, target: {{path: {EDGE}}}}}
expect:
  - {{score: availability, phase: baseline, min: 0.9}}
"""
    )
    target = LocalTarget(
        kind="localcloud", stack=ROOT / "gameday" / "shop" / "stack.yaml", control_url=shop.client.base_url
    )
    outcome = run_game_day(scenario, "local", target, tmp_path / "reports")
    evidence = RunEvidence.load(outcome.run_dir)
    (record,) = evidence.faults
    assert record.landed, record.detail
    assert record.affected == [EDGE]
    assert _ledger(outcome) == ["intent", "injected", "reverted"]
    # Afterwards the path is clear and carries requests again.
    assert shop.client.state().path_faults[EDGE] is None
    after = probe(shop.client.state().paths[EDGE], 2.0)
    assert (after.seen, after.status) == (Seen.ANSWERED, 200)
    return evidence


def _ledger(outcome: RunOutcome) -> list[str]:
    lines = (outcome.run_dir / "ledger.jsonl").read_text().splitlines()
    return [json.loads(line)["event"] for line in lines]


def _in_phase(evidence: RunEvidence, phase: str) -> list[RequestRecord]:
    window = next(p for p in evidence.phases if p.name == phase)
    return [r for r in evidence.requests if window.start <= r.t < window.end]


def _catalog_calls(evidence: RunEvidence) -> list[dict[str, Any]]:
    """Every ``catalog-call`` subsegment bff sent, wherever it sits in the trace documents."""
    found: list[dict[str, Any]] = []

    def walk(document: dict[str, Any]) -> None:
        if document.get("name") == "catalog-call":
            found.append(document)
        for child in document.get("subsegments", []):
            walk(child)

    for document in evidence.traces:
        walk(document)
    return found


def test_a_blackholed_path_trips_the_breaker_and_shoppers_get_the_fallback(
    shop: RunningLocalcloud, tmp_path: Path
) -> None:
    # 12 s, as in ci-catalog-breaker: a bff task's breaker opens about 8 s into a blackhole (five
    # calls in a row must each wait out their attempts' 1 s timeouts), so 10 s left little room.
    evidence = _game_day(
        shop, tmp_path, "kind: break-network, at: 3s, for: 12s, mode: blackhole", users=6, duration=17
    )

    in_fault = _in_phase(evidence, "fault")
    degraded = [r for r in in_fault if r.name.endswith("(degraded)")]
    assert degraded, "no shopper got the degraded catalog while catalog was unreachable"
    assert not any(r.name.endswith("(degraded)") for r in _in_phase(evidence, "baseline"))
    outcomes = {call.get("annotations", {}).get("outcome") for call in _catalog_calls(evidence)}
    assert {"failed", "short_circuit"} <= outcomes


def test_latency_on_the_path_raises_the_p95_of_catalog_requests(
    shop: RunningLocalcloud, tmp_path: Path
) -> None:
    evidence = _game_day(
        shop,
        tmp_path,
        "kind: add-latency, at: 3s, for: 5s, delay_ms: 400, jitter_ms: 0",
        users=4,
        duration=11,
    )

    def catalog_p95(phase: str) -> float:
        return percentile([r.latency_ms for r in _in_phase(evidence, phase) if r.name == "GET /catalog"], 95)

    assert catalog_p95("fault") >= 400
    assert catalog_p95("baseline") < 400
    assert all(r.ok for r in evidence.requests)  # under bff's attempt timeout: slower, never failed


def test_failed_requests_on_the_path_reach_shoppers_as_errors_or_fallbacks(
    shop: RunningLocalcloud, tmp_path: Path
) -> None:
    evidence = _game_day(
        shop, tmp_path, "kind: fail-requests, at: 3s, for: 5s, share: 1.0, status: 503", users=4, duration=11
    )

    def harmed(requests: list[RequestRecord]) -> list[RequestRecord]:
        return [r for r in requests if r.status == 502 or r.name.endswith("(degraded)")]

    assert harmed(_in_phase(evidence, "fault"))
    assert not harmed(_in_phase(evidence, "baseline"))
    statuses = {
        attempt.get("http", {}).get("response", {}).get("status")
        for call in _catalog_calls(evidence)
        for attempt in call.get("subsegments", [])
    }
    assert 503 in statuses  # bff saw the injected answers on its attempts


def test_a_path_fault_left_by_a_killed_run_is_cleared_by_rollback(
    shop: RunningLocalcloud, tmp_path: Path
) -> None:
    """The harness dies with the fault applied; the ledger alone is enough to heal the path."""
    targets, scenario, reports = tmp_path / "targets.yaml", tmp_path / "killed.yaml", tmp_path / "reports"
    target = {"kind": "localcloud", "control_url": shop.client.base_url}
    targets.write_text(yaml.safe_dump({"targets": {"local": target}}))
    scenario.write_text(
        f"""\
name: killed
description: A run killed while its path fault is applied.
duration: 30s
load: {{shape: step, users: 1, step_users: 0, step_every: 60s, max_users: 1}}
faults:
  - {{kind: break-network, at: 2s, for: 20s, target: {{path: {EDGE}}}, mode: reset}}
expect:
  - {{score: availability, min: 0.5}}
"""
    )
    process, load_pid = run_until_landed(
        ["run", str(scenario), "--targets", str(targets), "--reports", str(reports)]
    )
    sigkill(process)
    assert wait_until(lambda: not pid_alive(load_pid), 15)
    assert shop.client.state().path_faults[EDGE] == ResetSpec()

    rolled = subprocess.run(
        [sys.executable, "-m", "gameday.cli", "rollback", str(reports / "latest")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert rolled.returncode == 0, rolled.stderr
    assert f"path {EDGE} cleared" in rolled.stdout
    assert Ledger((reports / "latest" / "ledger.jsonl").resolve()).unreverted() == []
    assert shop.client.state().path_faults[EDGE] is None
    assert probe(shop.client.state().paths[EDGE], 2.0).status == 200
