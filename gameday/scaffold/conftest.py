"""Fixtures for this repository's game-day tests.

Each file of ``scenarios/`` is already a test (``gameday_scenarios`` in pytest.ini): it passes when
the game day's verdict is PASS. For checks of your own on a run's scores, ask gameday's
``gameday_run`` fixture for a run, as ``orders_task_loss`` below does, and assert in tests/.
"""

from __future__ import annotations

import pytest

from gameday.api import RunResult
from gameday.pytest_plugin import GamedayRunner


@pytest.fixture(scope="module")
def orders_task_loss(gameday_run: GamedayRunner) -> RunResult:
    """The kill-tasks game day, run once for all the tests of a module that ask for it."""
    return gameday_run("scenarios/orders-task-loss.yaml")
