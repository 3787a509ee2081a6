"""A team's own fault kind and score, installed as a package, in real game days on localcloud.

``tests/plugin_example`` is the package the README's "Write your own fault kind" section shows.
It is pip-installed into a folder of its own and put on ``PYTHONPATH`` for the gameday processes
only, so the rest of the suite never sees its entry points. One game day runs its ``drain-tasks``
fault and grades its ``min_running_tasks`` score; a second is SIGKILLed while the fault is
active, and ``gameday rollback`` puts the service's tasks back through the package's reverter.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from killed_run import run_until_landed, sigkill
from plugin_dist import env_with

from gameday.ledger import Ledger
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import pid_alive, wait_until

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = Path(__file__).resolve().parent / "plugin_example"
pytestmark = pytest.mark.e2e

GRADED = """\
name: drain-catalog
description: catalog runs on one task of two for 8 s; the shop keeps serving.
duration: 18s
load: {shape: step, users: 2, step_users: 0, step_every: 60s, max_users: 2}
faults:
  - {kind: drain-tasks, at: 5s, for: 8s, target: {service: catalog}, tasks: 1}
expect:
  - {score: availability, min: 0.9}
  - {score: min_running_tasks, service: catalog, phase: fault, min: 1}
"""
KILLED = GRADED.replace("name: drain-catalog", "name: drain-killed").replace("for: 8s", "for: 60s")
KILLED = KILLED.replace("duration: 18s", "duration: 90s")


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package pip-installed into a folder of its own (built from a copy: no build files
    are left in the checkout)."""
    source = tmp_path_factory.mktemp("plugin") / "gameday-drain"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("__pycache__"))
    site = tmp_path_factory.mktemp("site")
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*install, "--target", str(site), str(source)], check=True, timeout=180)
    assert list(site.glob("gameday_drain-*.dist-info/entry_points.txt"))
    return site


def _gameday(site: Path | None, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gameday.cli", *args],
        cwd=ROOT,
        env=env_with(site) if site is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _targets(folder: Path, shop: RunningLocalcloud) -> Path:
    """A targets file whose ``local`` is the module's running shop, which outlives a killed run."""
    path = folder / "targets.yaml"
    path.write_text(
        yaml.safe_dump({"targets": {"local": {"kind": "localcloud", "control_url": shop.client.base_url}}})
    )
    return path


def _catalog(shop: RunningLocalcloud) -> tuple[int, int]:
    shown = shop.client.state().services["catalog"]
    return shown.desired, shown.running


def test_a_plugin_kind_and_score_run_in_a_game_day(
    shop: RunningLocalcloud, plugin_site: Path, tmp_path: Path
) -> None:
    scenario = tmp_path / "drain.yaml"
    scenario.write_text(GRADED)
    unknown = _gameday(None, "validate", str(scenario))
    assert unknown.returncode == 2
    assert "faults[0].kind: 'drain-tasks' is not one of:" in unknown.stderr
    assert _gameday(plugin_site, "validate", str(scenario)).returncode == 0

    targets = _targets(tmp_path, shop)
    reports = tmp_path / "reports"
    ran = _gameday(plugin_site, "run", str(scenario), "--targets", str(targets), "--reports", str(reports))
    assert ran.returncode == 0, ran.stdout + ran.stderr

    run_dir = (reports / "latest").resolve()
    events = [json.loads(line)["event"] for line in (run_dir / "ledger.jsonl").read_text().splitlines()]
    assert events == ["intent", "injected", "reverted"]
    scores = json.loads((run_dir / "scores.json").read_text())["scores"]
    (drained,) = [s for s in scores if s["name"] == "min_running_tasks"]
    assert drained["subject"] == "service:catalog"
    assert drained["value"] == 1.0 and drained["verdict"] == "PASS", drained
    assert "min_running_tasks" in (run_dir / "summary.md").read_text()
    assert wait_until(lambda: _catalog(shop) == (2, 2), 30)


def test_rollback_after_sigkill_runs_the_plugins_reverter(
    shop: RunningLocalcloud, plugin_site: Path, tmp_path: Path
) -> None:
    scenario = tmp_path / "killed.yaml"
    scenario.write_text(KILLED)
    targets = _targets(tmp_path, shop)
    reports = tmp_path / "reports"
    run = ["run", str(scenario), "--targets", str(targets), "--reports", str(reports)]
    process, load_pid = run_until_landed(run, env_with(plugin_site))
    sigkill(process)
    assert wait_until(lambda: not pid_alive(load_pid), 15)
    assert _catalog(shop) == (1, 1)  # the fault outlived its run

    run_dir = (reports / "latest").resolve()
    without = _gameday(None, "rollback", str(run_dir), "--targets", str(targets))
    assert without.returncode != 0
    assert "drain-tasks-restore" in without.stderr
    assert _catalog(shop) == (1, 1)

    rolled = _gameday(plugin_site, "rollback", str(run_dir), "--targets", str(targets))
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert "catalog back to 2 task(s)" in rolled.stdout
    assert _catalog(shop) == (2, 2)
    assert Ledger(run_dir / "ledger.jsonl").unreverted() == []
