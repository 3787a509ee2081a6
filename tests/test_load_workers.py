"""Distributed load with local processes: remote workers (``gameday worker``) carry a whole game day.

Two workers are started as separate processes before ``gameday run --expect-workers 2``; the run's
load master waits for them, hands them the load config, and every request they made must be in the
run's requests.jsonl under their worker index. Workers that never come make a clear error.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from shop_target import write_local_targets

from gameday.errors import EnvironmentProblem
from gameday.evidence.records import LoadSecond, RequestRecord
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.localcloud.ports import free_port
from gameday.processes import child_options, pid_alive, terminate, wait_until
from loadprofiles.config import WorkerOptions
from loadprofiles.launcher import LoadProcess
from loadprofiles.wire import parse_master

pytestmark = pytest.mark.e2e

SCENARIO = """\
name: two-remote-workers
description: The load of a short game day comes from two workers started apart from the run.
duration: 12s
load: {shape: step, users: 4, step_users: 0, step_every: 60s, max_users: 4, spawn_rate: 4}
faults:
  - {kind: kill-tasks, at: 4s, for: 4s, target: {service: catalog}, count: 1}
expect:
  - {score: availability, min: 0.5}
"""


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[str]]]:
    """Worker processes a test started; each must have ended by the end, or it is stopped and fails."""
    started: list[subprocess.Popen[str]] = []
    yield started
    leftovers = [w.pid for w in started if w.poll() is None]
    for worker in started:
        terminate(worker, grace_s=5)
    assert leftovers == [], "workers must leave when the master quits"


def start_worker(port: int, log: Path, started: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    with log.open("a") as stderr:
        worker = subprocess.Popen(
            [sys.executable, "-m", "gameday.cli", "worker", "--master", f"127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
            **child_options(),
        )
    started.append(worker)
    return worker


def _targets_for(shop: RunningLocalcloud, folder: Path) -> Path:
    """A targets file whose ``local`` target is the module's running localcloud."""
    targets, control = write_local_targets(folder)
    targets.write_text(targets.read_text().replace(control, shop.client.base_url))
    return targets


def test_two_remote_workers_carry_a_run_and_every_request_is_recorded(
    shop: RunningLocalcloud, tmp_path: Path, workers: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    for n in range(2):
        start_worker(port, tmp_path / f"worker-{n}.log", workers)
    targets = _targets_for(shop, tmp_path)
    (tmp_path / "scenario.yaml").write_text(SCENARIO)
    command = [sys.executable, "-m", "gameday.cli", "run", str(tmp_path / "scenario.yaml")]
    command += ["--targets", str(targets), "--reports", str(tmp_path / "reports")]
    command += ["--expect-workers", "2", "--master-port", str(port)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)

    run_dir = (tmp_path / "reports" / "latest").resolve()
    load_log = (run_dir / "load.log").read_text() if (run_dir / "load.log").exists() else ""
    assert result.returncode == 0, result.stderr + load_log
    assert "2 load worker(s) connected (0 local)" in result.stderr
    config = json.loads((run_dir / "load.json").read_text())
    assert (config["local_workers"], config["expect_workers"], config["master_port"]) == (0, 2, port)

    lines = (run_dir / "requests.jsonl").read_text().splitlines()
    records = [RequestRecord.model_validate_json(line) for line in lines]
    by_worker = Counter(r.worker for r in records)
    assert set(by_worker) == {0, 1}, by_worker  # both workers' requests, none without a worker
    assert all(count >= 5 for count in by_worker.values()), by_worker
    seconds = [json.loads(line) for line in (run_dir / "load_seconds.jsonl").read_text().splitlines()]
    assert sum(s["requests"] for s in seconds) == len(records)
    assert max(s["users"] for s in seconds) == 4
    # The master told them to quit once the run was over: nothing is left running.
    assert wait_until(lambda: all(w.poll() is not None for w in workers), timeout_s=15)
    assert [w.returncode for w in workers] == [0, 0]


def test_ctrl_c_while_waiting_for_workers_stops_the_load_before_any_fault(
    shop: RunningLocalcloud, tmp_path: Path
) -> None:
    targets = _targets_for(shop, tmp_path)
    (tmp_path / "scenario.yaml").write_text(SCENARIO)
    command = [sys.executable, "-m", "gameday.cli", "run", str(tmp_path / "scenario.yaml")]
    command += ["--targets", str(targets), "--reports", str(tmp_path / "reports")]
    command += ["--expect-workers", "1", "--master-port", str(free_port())]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    load_pid = 0
    for line in run.stderr:
        if match := re.search(r"load started \(pid (\d+)\)", line):
            load_pid = int(match.group(1))
        if "waiting for 1 remote worker" in line:
            break
    run.send_signal(signal.SIGINT)
    _stdout, stderr = run.communicate(timeout=60)

    assert run.returncode == 3, stderr
    assert "interrupted by SIGINT while the load was starting; no fault was injected" in stderr
    assert load_pid and not pid_alive(load_pid)
    ledger = (tmp_path / "reports" / "latest" / "ledger.jsonl").resolve()
    assert not ledger.exists() or ledger.read_text() == ""


def test_remote_workers_that_never_come_are_a_clear_error(tmp_path: Path) -> None:
    config = {
        "host": "http://127.0.0.1:9",
        "load": {"shape": "step", "users": 1, "step_users": 0, "step_every": "60s", "max_users": 1},
        "duration_s": 30,
        "requests_path": str(tmp_path / "requests.jsonl"),
        **WorkerOptions(expect_workers=1, master_port=free_port()).config_fields(),
        "workers_timeout_s": 1,
    }
    (tmp_path / "load.json").write_text(json.dumps(config))
    notes: list[str] = []
    load = LoadProcess.start(tmp_path / "load.json", lambda _s: None, tmp_path / "load.log", notes.append)
    try:
        with pytest.raises(
            EnvironmentProblem, match=r"only 0 of 1 load workers .*gameday worker --master HOST:"
        ):
            load.wait_started(timeout=60)
        assert load.wait(timeout=30) == 3
    finally:
        load.stop()
    assert any("waiting for 1 remote worker" in note for note in notes), notes
    assert load.requests_total == 0
    assert not pid_alive(load.pid)


@pytest.mark.parametrize(
    ("address", "expected"),
    [("10.0.0.5", ("10.0.0.5", 5557)), ("10.0.0.5:6000", ("10.0.0.5", 6000)), ("box:5557", ("box", 5557))],
)
def test_master_address(address: str, expected: tuple[str, int]) -> None:
    assert parse_master(address) == expected


@pytest.mark.parametrize("address", [":5557", "box:", "box:http", "box:70000"])
def test_a_bad_master_address_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="expected HOST or HOST:PORT"):
        parse_master(address)


def test_worker_options_resolve_their_defaults() -> None:
    local = WorkerOptions().config_fields()
    assert local["local_workers"] >= 1 and local["master_port"] == 0  # one per core, any free port
    remote = WorkerOptions(expect_workers=3, master_bind="0.0.0.0").config_fields()
    assert (remote["local_workers"], remote["master_port"], remote["master_bind"]) == (0, 5557, "0.0.0.0")
    assert WorkerOptions(load_workers=2, expect_workers=1).config_fields()["local_workers"] == 2


def test_a_master_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = {
            "host": "http://127.0.0.1:9",
            "load": {"shape": "step", "users": 1, "step_users": 0, "step_every": "60s", "max_users": 1},
            "duration_s": 30,
            "requests_path": str(tmp_path / "requests.jsonl"),
            **WorkerOptions(load_workers=1, master_port=port).config_fields(),
        }
        (tmp_path / "load.json").write_text(json.dumps(config))
        load = LoadProcess.start(tmp_path / "load.json", lambda _s: None, tmp_path / "load.log")
        try:
            with pytest.raises(EnvironmentProblem, match=f"cannot listen on 127.0.0.1:{port}"):
                load.wait_started(timeout=60)
            assert load.wait(timeout=30) == 2
        finally:
            load.stop()


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # the name http.server calls
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


@pytest.fixture
def ok_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_worker_stopped_mid_run_sends_its_last_rows_and_the_other_carries_on(
    tmp_path: Path, ok_server: str, workers: list[subprocess.Popen[str]]
) -> None:
    config = {
        "host": ok_server,
        "load": {
            "shape": "steady",
            "users": 4,
            "spawn_rate": 4,
            "flow": {"http": {"requests": [{"path": "/"}]}},
        },
        "duration_s": 8,
        "requests_path": str(tmp_path / "requests.jsonl"),
        **WorkerOptions(expect_workers=2, master_port=free_port()).config_fields(),
    }
    (tmp_path / "load.json").write_text(json.dumps(config))
    seconds: list[LoadSecond] = []
    load = LoadProcess.start(tmp_path / "load.json", seconds.append, tmp_path / "load.log")
    try:
        for _ in range(2):
            start_worker(config["master_port"], tmp_path / "load.log", workers)
        load.wait_started(timeout=60)
        assert wait_until(lambda: sum(s.requests for s in seconds) > 0, timeout_s=15)
        leaving = workers[0]
        leaving.send_signal(signal.SIGTERM)
        assert leaving.wait(timeout=15) == 0
        left_at = time.time()
        assert load.wait(timeout=30) == 0, (tmp_path / "load.log").read_text()
    finally:
        load.stop()

    log = (tmp_path / "load.log").read_text()
    assert "quit." in log and "no final batch" not in log
    records = [
        RequestRecord.model_validate_json(line)
        for line in (tmp_path / "requests.jsonl").read_text().splitlines()
    ]
    assert load.requests_total == len(records)
    assert {r.worker for r in records} == {0, 1}
    # The one that stayed ran to the end, with the users of the one that left.
    after = [r for r in records if r.t > left_at]
    assert after and len({r.worker for r in after}) == 1  # indices go by connect order, not start order
    assert max(s.users for s in seconds if s.t > left_at) == 4
