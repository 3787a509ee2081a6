"""A guardrail breach on localcloud ends the run: faults reverted, load stopped, verdict ABORTED."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from gameday.cli import main
from gameday.evidence.bundle import RunEvidence
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import pid_alive, wait_until

pytestmark = pytest.mark.e2e

DURATION_S = 25


def _running(shop: RunningLocalcloud, service: str) -> int:
    return sum(1 for t in shop.client.state().services[service].tasks if t.status == "RUNNING")


def _run(shop: RunningLocalcloud, tmp_path: Path, name: str, fault: str, guardrails: str) -> tuple[int, Path]:
    """Run a short scenario with one fault and ``guardrails`` on the shop; its exit code and run folder."""
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        yaml.safe_dump({"targets": {"local": {"kind": "localcloud", "control_url": shop.client.base_url}}})
    )
    scenario = tmp_path / f"{name}.yaml"
    scenario.write_text(
        f"""\
name: {name}
description: A fault that hurts more than the guardrails allow, so they must end the run.
duration: {DURATION_S}s
load: {{shape: step, users: 6, step_users: 0, step_every: 30s, max_users: 6, spawn_rate: 6}}
faults:
  - {fault}
guardrails: {guardrails}
expect:
  - {{score: availability, min: 0.5}}
"""
    )
    reports = tmp_path / "reports"
    exit_code = main(["run", str(scenario), "--targets", str(targets), "--reports", str(reports)])
    return exit_code, (reports / "latest").resolve()


def test_an_error_rate_breach_aborts_reverts_and_stops_the_load(
    shop: RunningLocalcloud, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Every bff task stops: the load balancer answers 503 to every request until replacements are
    # healthy, so the breach does not depend on which requests the shoppers happen to make.
    exit_code, run_dir = _run(
        shop,
        tmp_path,
        "bff-gone",
        "{kind: kill-tasks, at: 5s, for: 15s, target: {service: bff}, percent: 100}",
        "{max_error_rate: 0.05, window: 5s}",
    )

    err = capfd.readouterr().err
    assert exit_code == 3, err
    evidence = RunEvidence.load(run_dir)
    assert evidence.aborted_reason is not None
    assert evidence.aborted_reason.startswith("guardrail: error rate ")
    assert "above max_error_rate 0.05" in evidence.aborted_reason
    assert json.loads((run_dir / "scores.json").read_text())["verdict"] == "ABORTED"
    assert evidence.ended_at - evidence.started_at < DURATION_S  # ended early, not at the scenario's end

    abort = json.loads((run_dir / "abort.json").read_text())
    assert abort["reason"] == evidence.aborted_reason
    (fault,) = evidence.faults
    assert fault.landed, fault.detail
    assert fault.injected_at is not None and fault.reverted_at is not None
    assert fault.injected_at < abort["breached_at"] <= fault.reverted_at <= abort["reverted_at"]
    assert abort["abort_to_reverted_ms"] == pytest.approx(
        (abort["reverted_at"] - abort["breached_at"]) * 1000, abs=0.1
    )
    ledger = [json.loads(line)["event"] for line in (run_dir / "ledger.jsonl").read_text().splitlines()]
    assert ledger == ["intent", "injected", "reverted"]

    started = re.search(r"load started \(pid (\d+)\)", err)
    assert started is not None
    assert not pid_alive(int(started.group(1)))
    assert "ABORT, guardrail: error rate" in err
    # The scheduler brings bff back; the module's other tests start from a whole shop.
    assert wait_until(lambda: _running(shop, "bff") == 2, 30.0, interval_s=0.5)


def test_a_p95_latency_breach_aborts_and_reverts(
    shop: RunningLocalcloud, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Every catalog call from bff waits 600 ms: pages slow down without failing, so only the latency
    # guardrail can end the run (the error-rate one beside it stays quiet).
    exit_code, run_dir = _run(
        shop,
        tmp_path,
        "catalog-slow",
        "{kind: add-latency, at: 5s, for: 15s, target: {path: bff->catalog}, delay_ms: 600}",
        "{max_error_rate: 0.5, max_p95_ms: 300, window: 5s}",
    )

    err = capfd.readouterr().err
    assert exit_code == 3, err
    evidence = RunEvidence.load(run_dir)
    assert evidence.aborted_reason is not None
    assert re.fullmatch(
        r"guardrail: p95 latency \d+ ms over the last 5s \(\d+ requests\) is above max_p95_ms 300",
        evidence.aborted_reason,
    ), evidence.aborted_reason
    assert evidence.ended_at - evidence.started_at < DURATION_S
    abort = json.loads((run_dir / "abort.json").read_text())
    (fault,) = evidence.faults
    assert fault.landed, fault.detail
    assert fault.injected_at is not None and fault.reverted_at is not None
    assert fault.injected_at < abort["breached_at"] <= fault.reverted_at
    assert shop.client.state().path_faults.get("bff->catalog") is None
