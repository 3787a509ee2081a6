"""``gameday init``: a team's new game-day repository, ready to validate, test and run in CI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from gameday.cli import main

EXPECTED = {
    ".github/workflows/gameday.yml",
    ".gitignore",
    "README.md",
    "conftest.py",
    "gameday.schema.json",
    "loadprofiles/shop_users.py",
    "pytest.ini",
    "scenarios/catalog-latency.yaml",
    "scenarios/orders-task-loss.yaml",
    "targets.yaml",
    "tests/test_orders_recovery.py",
}


def _files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A repository as ``gameday init`` leaves it."""
    root = tmp_path / "game-days"
    assert main(["init", str(root)]) == 0
    out = capsys.readouterr().out
    assert {line.split(": ")[0] for line in out.splitlines() if line.endswith(": written")} == {
        str(root / name) for name in EXPECTED
    }
    return root


def test_init_writes_a_repository_whose_scenarios_validate(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert set(_files(repo)) == EXPECTED
    monkeypatch.chdir(repo)
    # catalog-latency's load is loadprofiles/shop_users.py: validate imports it and finds both classes;
    # --target local checks the faults against the packaged demo stack the scaffold's target runs
    scenarios = ["scenarios/catalog-latency.yaml", "scenarios/orders-task-loss.yaml"]
    assert main(["validate", "--target", "local", *scenarios]) == 0
    out = capsys.readouterr().out
    assert "scenarios/orders-task-loss.yaml: ok (orders-task-loss: 1 fault(s), 45s)" in out
    assert "scenarios/catalog-latency.yaml: ok (catalog-latency: 1 fault(s), 45s)" in out


def test_a_second_init_changes_nothing_and_names_every_file_it_kept(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "targets.yaml").write_text("targets: {}\n", encoding="utf-8")  # the team's own by now
    (repo / "scenarios" / "orders-task-loss.yaml").unlink()
    before = _files(repo)
    monkeypatch.chdir(repo)
    assert main(["init"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "scenarios/orders-task-loss.yaml: written" in lines
    kept = sorted(line.removesuffix(": left alone (it exists)") for line in lines if "left alone" in line)
    assert kept == sorted(name for name in EXPECTED if name != "scenarios/orders-task-loss.yaml")
    after = _files(repo)
    assert {name: after[name] for name in before} == before
    assert after["targets.yaml"] == "targets: {}\n"


def test_the_workflow_runs_pytest_and_always_keeps_the_run_folders(repo: Path) -> None:
    workflow: dict[Any, Any] = yaml.safe_load((repo / ".github/workflows/gameday.yml").read_text())
    assert workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    runs = " && ".join(step.get("run", "") for step in steps)
    assert "pip install" in runs and "pytest" in runs
    assert "@GAMEDAY_VERSION@" not in runs
    (upload,) = [step for step in steps if str(step.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "reports/runs/"


def test_the_repository_ignores_reports_and_collects_its_scenarios(repo: Path) -> None:
    assert "reports/" in (repo / ".gitignore").read_text().splitlines()
    assert "gameday_scenarios = scenarios/*.yaml" in (repo / "pytest.ini").read_text()
    first = (repo / "scenarios" / "orders-task-loss.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../gameday.schema.json"


def test_the_scenarios_match_the_schema_their_first_line_names(repo: Path) -> None:
    validator = Draft202012Validator(json.loads((repo / "gameday.schema.json").read_text()))
    for scenario in sorted((repo / "scenarios").glob("*.yaml")):
        assert [error.message for error in validator.iter_errors(yaml.safe_load(scenario.read_text()))] == []


def test_pytest_finds_the_scenarios_and_the_fixtures_the_tests_ask_for(repo: Path) -> None:
    """pytest as CI runs it there, planning its fixtures without running a game day."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--setup-plan", "-q", "-p", "no:cacheprovider"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for item in (
        "scenarios/catalog-latency.yaml::catalog-latency[local]",
        "scenarios/orders-task-loss.yaml::orders-task-loss[local]",
        "tests/test_orders_recovery.py::test_the_resilience_score_stays_high[local]",
        "SETUP    M orders_task_loss (fixtures used: gameday_run)",
    ):
        assert item in result.stdout


def test_init_into_a_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a folder\n")
    assert main(["init", str(notes)]) == 2
    assert main(["init", str(notes / "game-days")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{notes}: is a file; gameday init needs a folder (new or existing)"
    assert err[1].startswith(f"{notes / 'game-days'}/") and err[1].endswith(
        ": cannot write it: Not a directory"
    )
    assert len(err) == 2
    assert notes.read_text() == "not a folder\n"
