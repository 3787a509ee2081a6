"""Fixtures for this repository's game-day tests.

Each file of ``scenarios/`` is already a test (``gameday_scenarios`` in pytest.ini): it passes when
the game day's verdict is PASS. For checks of your own on a run's scores, ask gameday's
``gameday_run`` fixture for a run, as ``orders_task_loss`` below does, and assert in tests/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.fixture
def orders_task_loss(gameday_run: Callable[[Path], Any]) -> Any:
    """The kill-tasks game day, run for a test that asserts on its scores (see tests/)."""
    return gameday_run(SCENARIOS / "orders-task-loss.yaml")
