"""The command line as a user meets it: exit codes and one clear line per mistake, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from shop_target import write_local_targets, write_shop_stack

from gameday.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "scenarios" / "ci-orders-kill-one.yaml"


def _gameday(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gameday.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_validate_accepts_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *map(str, sorted((ROOT / "scenarios").glob("*.yaml")))]) == 0
    assert "ci-orders-kill-one.yaml: ok" in capsys.readouterr().out


def test_validate_reports_each_problem_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.read_text().replace("count: 1", "count: 0").replace("shape: step", "shape: stair"))
    result = _gameday("validate", str(bad), str(GOOD))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    shapes = "steady, step, ramp, spike, wave, replay"
    assert f"{bad}:9: load.shape: 'stair' is not one of: {shapes}" in result.stderr
    assert f"{bad}:22: faults[0].count: must be at least 1" in result.stderr
    assert f"{GOOD}: ok" in result.stdout


def test_run_with_a_bad_scenario_exits_2_before_touching_the_target(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    result = _gameday("run", str(bad), "--reports", str(tmp_path / "reports"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{bad}:1: description: required field is missing")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "reports").exists()


def test_run_with_an_unknown_target_exits_2(tmp_path: Path) -> None:
    result = _gameday("run", str(GOOD), "--target", "prod", "--reports", str(tmp_path / "reports"))
    assert result.returncode == 2
    assert "no target named 'prod' (known: local)" in result.stderr


def test_run_refuses_when_the_entry_port_is_taken(tmp_path: Path) -> None:
    """A port in use is a clear error, and nothing is left running."""
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        targets, _ = write_local_targets(tmp_path, write_shop_stack(tmp_path, entry_port=port))
        result = _gameday("run", str(GOOD), "--targets", str(targets), "--reports", str(tmp_path))
    assert result.returncode == 2
    assert f"port {port} is in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_stack_status_when_nothing_runs(tmp_path: Path) -> None:
    targets, _ = write_local_targets(tmp_path)
    result = _gameday("stack", "status", "--targets", str(targets))
    assert result.returncode == 3
    assert "localcloud is not running" in result.stdout


def test_report_on_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    result = _gameday("report", str(tmp_path))
    assert result.returncode == 2
    assert "not a run folder" in result.stderr


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path: Path) -> None:
    """`gameday init | head -1`: the reader leaves after a line; no traceback, the shell's SIGPIPE code."""
    command = [sys.executable, "-m", "gameday.cli", "init", str(tmp_path / "repo")]
    writer = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert writer.stdout is not None and writer.stderr is not None
    writer.stdout.close()  # nobody reads: the first line written breaks the pipe
    errors = writer.stderr.read().decode()
    assert writer.wait(timeout=60) == 141
    assert errors == ""
