"""gameday's own pytest set-up, built on the fixtures gameday gives every team.

The catalogue's scenario files are tests through the ini option ``gameday_scenarios`` in
pyproject.toml (``make test`` names the one CI runs). Tests of the public API ask for
``short_game_day``: one short run of the real shop, shared by every test that asserts on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gameday.api import RunResult
from gameday.pytest_plugin import GamedayRunner

pytest_plugins = ["pytester"]  # collection rules of the plugin are tested in throwaway projects

# 12 seconds: a baseline, one orders task stopped for 4 s, and a recovery phase.
SHORT_GAME_DAY = """name: api-kill-one
description: Light steady load while one orders task is stopped.
duration: 12s
load: {shape: steady, flow: shop, users: 2, spawn_rate: 2}
faults:
  - {kind: kill-tasks, at: 4s, for: 4s, target: {service: orders}, count: 1}
expect:
  - {score: availability, phase: fault, min: 0.9}
  - {score: availability, phase: recovery, min: 0.9}
"""


@pytest.fixture(scope="module")
def short_game_day(gameday_run: GamedayRunner, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """A 12-second kill-one game day, run once per module through ``gameday_run``.

    The shop runs on free ports from a private targets file, so a demo running on this machine is
    never touched; the run folder goes to the test's temporary folder.
    """
    from shop_target import write_local_targets, write_shop_stack  # tests/ is on sys.path for its tests

    folder = tmp_path_factory.mktemp("short-game-day")
    scenario = folder / "api-kill-one.yaml"
    scenario.write_text(SHORT_GAME_DAY)
    targets, _ = write_local_targets(folder, write_shop_stack(folder))
    return gameday_run(scenario, reports=folder / "reports", targets=Path(targets))
