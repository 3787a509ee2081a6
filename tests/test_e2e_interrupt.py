"""However a run ends, nothing is left broken: reverted faults, stopped load, stopped localcloud."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import psutil
import pytest
from killed_run import run_until_landed
from shop_target import write_local_targets, write_shop_stack

from gameday.localcloud.client import LocalcloudClient
from gameday.processes import pid_alive, wait_until

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e

SCENARIO = """\
name: interrupted
description: A run that is stopped from outside while its fault is active.
duration: 40s
load: {shape: step, users: 2, step_users: 0, step_every: 60s, max_users: 2}
faults:
  - {kind: kill-tasks, at: 3s, for: 20s, target: {service: orders}, count: 1}
expect:
  - {score: availability, min: 0.9}
"""


def _start_run(tmp_path: Path) -> tuple[subprocess.Popen[str], LocalcloudClient, int]:
    """Start ``gameday run`` and return once its fault has landed, with the load process's pid."""
    targets, control = write_local_targets(tmp_path, write_shop_stack(tmp_path))
    (tmp_path / "scenario.yaml").write_text(SCENARIO)
    run = [
        "run",
        str(tmp_path / "scenario.yaml"),
        "--targets",
        str(targets),
        "--reports",
        str(tmp_path / "reports"),
    ]
    process, load_pid = run_until_landed(run, stdout=subprocess.PIPE)
    return process, LocalcloudClient(control), load_pid


def _load_workers(load_pid: int) -> list[int]:
    """The load process's worker processes (one per core by default): they must go with it."""
    workers = [child.pid for child in psutil.Process(load_pid).children()]
    assert workers, "the load process runs its users on worker processes"
    return workers


def _pids(client: LocalcloudClient) -> list[int]:
    state = client.state()
    tasks = [task for service in state.services.values() for task in service.tasks]
    return [state.pid] + [task.pid for task in tasks if task.status == "RUNNING"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_aborts_the_run_reverts_and_stops_everything(tmp_path: Path, sig: signal.Signals) -> None:
    process, client, load_pid = _start_run(tmp_path)
    pids = [*_pids(client), load_pid, *_load_workers(load_pid)]
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 3, stderr
    assert "ABORTED" in stdout
    run_dir = (tmp_path / "reports" / "latest").resolve()
    ledger = [json.loads(line)["event"] for line in (run_dir / "ledger.jsonl").read_text().splitlines()]
    assert ledger == ["intent", "injected", "reverted"]
    assert json.loads((run_dir / "scores.json").read_text())["verdict"] == "ABORTED"
    assert not client.reachable()
    assert wait_until(lambda: not any(pid_alive(pid) for pid in pids), 10)


def test_sigkill_of_the_harness_takes_localcloud_and_its_tasks_with_it(tmp_path: Path) -> None:
    process, client, load_pid = _start_run(tmp_path)
    pids = [*_pids(client), load_pid, *_load_workers(load_pid)]
    process.kill()
    process.wait(timeout=10)
    assert wait_until(lambda: not any(pid_alive(pid) for pid in pids), 15)
    assert not client.reachable()
