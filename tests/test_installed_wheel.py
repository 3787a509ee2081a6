"""gameday as a team gets it: a wheel built from this checkout, installed into a fresh virtualenv and
run from an empty folder, with the demo shop and catalogue it carries.

The fresh virtualenv gets gameday alone (``--no-deps``, offline); its dependencies are the project
virtualenv's, made visible by a ``.pth`` line, which adds that folder to ``sys.path`` without running
its ``.pth`` files, so the checkout's editable gameday never comes along. The folder the game day
runs in holds a ``loadprofiles/`` folder of Locust files, as a team's repository would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from shop_target import kill_one_scenario, write_local_targets

pytestmark = pytest.mark.e2e

CHECKOUT = Path(__file__).resolve().parent.parent
NOT_SOURCES = shutil.ignore_patterns(".*", "build", "reports", "*.egg-info", "__pycache__")
COMMAND_TIMEOUT_S = 120

TEAM_LOCUSTFILE = """from locust import HttpUser, task


class Shopper(HttpUser):
    @task
    def home(self) -> None:
        self.client.get("/")
"""

# A 14-second game day on the packaged shop: one of the four orders tasks is stopped.
SHORT_GAME_DAY = kill_one_scenario("installed-kill-one", duration_s=14, at_s=4, for_s=6)


@dataclass
class Installed:
    python: Path
    gameday: Path
    site: Path
    workdir: Path

    def run(self, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """A command in the empty folder (or ``cwd``), with nothing that points at the checkout or at
        CI's summary."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GITHUB_STEP_SUMMARY")}
        return subprocess.run(
            [str(arg) for arg in args],
            cwd=cwd or self.workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    # A copy, so the build never reads a stale build/ folder of the checkout nor writes into it.
    sources = root / "sources"
    shutil.copytree(CHECKOUT, sources, ignore=NOT_SOURCES)
    wheels = root / "dist"
    pip = [sys.executable, "-m", "pip"]
    build = [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(sources)]
    subprocess.run(build, check=True, capture_output=True, timeout=COMMAND_TIMEOUT_S)
    (wheel,) = wheels.glob("gameday-*.whl")

    environment = root / "venv"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    install = [*pip, "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)]
    subprocess.run(install, check=True, capture_output=True, timeout=COMMAND_TIMEOUT_S)
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    (site / "gameday-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    workdir = root / "team"
    (workdir / "loadprofiles").mkdir(parents=True)
    (workdir / "loadprofiles" / "shop_users.py").write_text(TEAM_LOCUSTFILE)
    yield Installed(python, environment / "bin" / "gameday", site, workdir)


def test_the_installed_packages_are_imported_not_the_checkout_nor_a_team_folder(installed: Installed) -> None:
    where = installed.run(
        installed.python,
        "-c",
        "import gameday, faults, loadprofiles, gameday.shop; "
        "print(gameday.__file__, faults.__file__, loadprofiles.__file__, sep='\\n')",
    )
    assert where.returncode == 0, where.stderr
    files = [Path(line) for line in where.stdout.splitlines()]
    assert [file.relative_to(installed.site).parts[0] for file in files] == [
        "gameday",
        "faults",
        "loadprofiles",
    ]


def test_the_catalogue_ships_and_is_found_by_name(installed: Installed) -> None:
    listed = installed.run(installed.gameday, "scenarios")
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^orders-task-loss\s+100s", listed.stdout, re.MULTILINE)
    # the FIS template file it names by relative path must have come along
    checked = installed.run(installed.gameday, "validate", "orders-fis-template", "--target", "local")
    assert checked.returncode == 0, checked.stderr
    assert f"{installed.site}/gameday/scenarios/orders-fis-template.yaml: ok" in checked.stdout


def test_a_game_day_on_the_packaged_shop_from_an_empty_folder(installed: Installed) -> None:
    write_local_targets(installed.workdir)  # a free control port, and no stack: the packaged shop
    (installed.workdir / "short.yaml").write_text(SHORT_GAME_DAY)

    up = installed.run(installed.gameday, "stack", "up")
    assert up.returncode == 0, up.stderr
    try:
        run = installed.run(installed.gameday, "run", "short.yaml", "--load-workers", "0")
    finally:
        down = installed.run(installed.gameday, "stack", "down")
    assert down.returncode == 0, down.stderr
    assert run.returncode == 0, run.stdout + run.stderr
    assert "fault f1-kill-tasks landed: stopped 1 of 4 running task(s)" in run.stderr

    report = installed.run(installed.gameday, "report", "reports/latest")
    assert report.returncode == 0, report.stderr
    assert "overall: PASS" in report.stdout
    latest = installed.workdir / "reports" / "latest"
    scores = json.loads((latest / "scores.json").read_text())
    assert [(s["name"], s["subject"], s["verdict"]) for s in scores["scores"]] == [
        ("availability", "phase:fault", "PASS")
    ]
    assert (latest / "report.html").is_file()


def test_init_writes_a_repository_whose_scenarios_validate(installed: Installed) -> None:
    """The scaffold ships in the wheel: a team's new repository checks out against the packaged shop."""
    made = installed.run(installed.gameday, "init", "repo")
    assert made.returncode == 0, made.stderr
    repo = installed.workdir / "repo"
    scenarios = sorted(str(path.relative_to(repo)) for path in (repo / "scenarios").glob("*.yaml"))
    assert (
        scenarios and (repo / "conftest.py").is_file() and (repo / "loadprofiles" / "shop_users.py").is_file()
    )
    checked = installed.run(installed.gameday, "validate", *scenarios, "--target", "local", cwd=repo)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count(": ok (") == len(scenarios)
