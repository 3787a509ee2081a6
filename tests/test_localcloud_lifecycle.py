"""Starting and ending localcloud: clear failures, and no process left behind whatever happens."""

from __future__ import annotations

import math
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from localcloud_apps.stacks import echo_service, http, task_pids, write_stack

from gameday.errors import EnvironmentProblem, InputError
from gameday.localcloud.launcher import start_localcloud
from gameday.processes import pid_alive, wait_until


@pytest.fixture
def marker() -> str:
    """Put into every task's environment, so a test can find any task process that survived."""
    return uuid.uuid4().hex


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _survivors(marker: str) -> list[int]:
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("LOCALCLOUD_TEST_MARKER") == marker:
                found.append(process.pid)
        except psutil.Error:
            continue
    return found


def _stack(directory: Path, marker: str, **bff: object) -> Path:
    env = {"LOCALCLOUD_TEST_MARKER": marker}
    return write_stack(
        directory,
        {
            "bff": {**echo_service(2, depends_on=["catalog"], env=env), **bff},
            "catalog": echo_service(1, env=env),
        },
        entry="bff",
    )


def test_sigkill_of_the_supervisor_takes_every_task_with_it(tmp_path: Path, marker: str) -> None:
    running = start_localcloud(_stack(tmp_path, marker), 0, detached=False, log_path=tmp_path / "log")
    pids = task_pids(running.state)
    assert len(pids) == 3 and all(pid_alive(pid) for pid in pids)
    running.process.send_signal(signal.SIGKILL)
    running.process.wait(timeout=5)
    assert wait_until(lambda: not any(pid_alive(pid) for pid in pids), 5)
    assert _survivors(marker) == []


def test_post_shutdown_stops_every_task_and_exits_0(tmp_path: Path, marker: str) -> None:
    running = start_localcloud(_stack(tmp_path, marker), 0, detached=True, log_path=tmp_path / "log")
    try:
        pids = task_pids(running.state)
        running.client.shutdown()
        assert running.process.wait(timeout=20) == 0
    finally:
        running.stop()
    assert not any(pid_alive(pid) for pid in pids)
    assert not running.client.reachable()


def test_with_no_healthy_task_the_entry_answers_503(tmp_path: Path) -> None:
    stack = write_stack(tmp_path, {"bff": echo_service(0)}, entry="bff")
    running = start_localcloud(stack, 0, detached=False, log_path=tmp_path / "log")
    try:
        assert running.state.ready is True
        status, body, _ = http("GET", f"{running.state.entry_url}/catalog")
        assert status == 503 and "Service Temporarily Unavailable" in body

        def elb_errors() -> float:
            points = running.client.metrics(0, math.inf)
            return sum(p.value for p in points if p.name == "HTTPCode_ELB_5XX_Count")

        assert wait_until(lambda: elb_errors() == 1, 5)
        request_counts = [p.value for p in running.client.metrics(0, math.inf) if p.name == "RequestCount"]
        assert set(request_counts) == {0.0}  # like an ALB, a request no target was chosen for is not counted
    finally:
        running.stop()


def test_a_taken_entry_port_is_one_clear_error(tmp_path: Path, marker: str, busy_port: int) -> None:
    stack = _stack(tmp_path, marker)
    stack.write_text(stack.read_text().replace("port: 0", f"port: {busy_port}"))
    with pytest.raises(EnvironmentProblem) as caught:
        start_localcloud(stack, 0, detached=False, log_path=tmp_path / "log")
    assert str(caught.value) == f"port {busy_port} is in use (entry listener for bff)"
    assert _survivors(marker) == []


def test_a_taken_control_port_exits_2_with_one_line(tmp_path: Path, marker: str, busy_port: int) -> None:
    command = [sys.executable, "-m", "gameday.localcloud", "serve", str(_stack(tmp_path, marker))]
    finished = subprocess.run(
        [*command, "--control-port", str(busy_port)], capture_output=True, text=True, timeout=30
    )
    assert finished.returncode == 2
    assert (
        finished.stderr
        == f"localcloud: port {busy_port} is in use (control API; is another localcloud running?)\n"
    )
    assert _survivors(marker) == []


def test_a_service_that_exits_at_once_fails_the_start(tmp_path: Path, marker: str) -> None:
    crash = [sys.executable, "-c", "import sys; print('boom: no config'); sys.exit(1)"]
    with pytest.raises(EnvironmentProblem) as caught:
        start_localcloud(
            _stack(tmp_path, marker, command=crash), 0, detached=False, log_path=tmp_path / "log"
        )
    assert str(caught.value) == (
        "service 'bff' did not start: its task exited with code 1 before it passed its health check "
        "(last output: boom: no config)"
    )
    assert _survivors(marker) == []


def test_a_service_that_never_becomes_healthy_fails_the_start(tmp_path: Path, marker: str) -> None:
    health_check = {"path": "/status/404", "interval": "0.2s", "timeout": "1s", "unhealthy_threshold": 2}
    stack = _stack(tmp_path, marker, health_check=health_check, start_timeout="1s")
    with pytest.raises(EnvironmentProblem) as caught:
        start_localcloud(stack, 0, detached=False, log_path=tmp_path / "log")
    assert (
        str(caught.value)
        == "service 'bff' did not start: Task did not pass its health check (/status/404) within 1s"
    )
    assert _survivors(marker) == []


def test_a_bad_stack_file_is_an_input_error_before_anything_starts(tmp_path: Path, marker: str) -> None:
    stack = _stack(tmp_path, marker)
    stack.write_text(stack.read_text().replace("- catalog", "- catalogue"))
    with pytest.raises(
        InputError, match=r"stack.yaml:\d+: services.bff.depends_on\[0\]: no service named 'catalogue'"
    ):
        start_localcloud(stack, 0, detached=False, log_path=tmp_path / "log")
    assert not (tmp_path / "log").exists()
