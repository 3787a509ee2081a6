"""SIGKILL mid-fault: the next run refuses, `gameday rollback` closes the fault, then all is clear."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from killed_run import run_until_landed, sigkill

from gameday.ledger import Ledger
from gameday.localcloud.client import LocalcloudClient
from gameday.processes import pid_alive, wait_until

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e

SCENARIO = """\
name: killed
description: A run whose harness is SIGKILLed while its fault is active.
duration: 40s
load: {shape: step, users: 2, step_users: 0, step_every: 60s, max_users: 2}
faults:
  - {kind: kill-tasks, at: 3s, for: 20s, target: {service: orders}, count: 1}
expect:
  - {score: availability, min: 0.9}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _gameday(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gameday.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def _pids(client: LocalcloudClient) -> list[int]:
    state = client.state()
    tasks = [task for service in state.services.values() for task in service.tasks]
    return [state.pid] + [task.pid for task in tasks if task.status == "RUNNING"]


def test_sigkill_mid_fault_then_rollback(tmp_path: Path) -> None:
    stack = yaml.safe_load((ROOT / "gameday" / "shop" / "stack.yaml").read_text())
    stack["entry"]["port"] = 0
    (tmp_path / "stack.yaml").write_text(yaml.safe_dump(stack))
    control = f"http://127.0.0.1:{_free_port()}"
    target = {"kind": "localcloud", "stack": str(tmp_path / "stack.yaml"), "control_url": control}
    targets, scenario, reports = tmp_path / "targets.yaml", tmp_path / "scenario.yaml", tmp_path / "reports"
    targets.write_text(yaml.safe_dump({"targets": {"local": target}}))
    scenario.write_text(SCENARIO)
    run_args = ["run", str(scenario), "--targets", str(targets), "--reports", str(reports)]

    process, load_pid = run_until_landed(run_args)
    client = LocalcloudClient(control)
    pids = [*_pids(client), load_pid]
    sigkill(process)
    assert wait_until(lambda: not any(pid_alive(pid) for pid in pids), 15)

    run_dir = (reports / "latest").resolve()
    ledger_path = run_dir / "ledger.jsonl"
    assert [json.loads(line)["event"] for line in ledger_path.read_text().splitlines()] == [
        "intent",
        "injected",
    ]

    refused = _gameday(*run_args)
    assert refused.returncode == 2, refused.stderr
    assert (
        f"target 'local' has 1 unreverted fault from run {run_dir.name} (f1-kill-tasks); "
        f"run `gameday rollback {reports / 'runs' / run_dir.name}` first"
    ) in refused.stderr
    assert [p.name for p in (reports / "runs").iterdir()] == [run_dir.name]

    rolled = _gameday("rollback", str(reports / "latest"))
    assert rolled.returncode == 0, rolled.stderr
    assert f"reverted {run_dir.name} f1-kill-tasks (kill-tasks" in rolled.stdout
    assert Ledger(ledger_path).unreverted() == []

    again = _gameday("rollback", "--reports", str(reports))
    assert again.returncode == 0, again.stderr
    assert "nothing to roll back" in again.stdout
    assert not client.reachable()
