"""Checks beyond a scenario's own limits, on the scores of one real run.

This runs orders-task-loss a second time (pytest.ini collects it from scenarios/ too): keep
scenarios you only assert on here out of the ``gameday_scenarios`` glob, or drop this file.
"""

from __future__ import annotations

from gameday.api import RunResult


def test_orders_come_back_well_inside_the_fault_window(orders_task_loss: RunResult) -> None:
    recovery = orders_task_loss.score("task_recovery_s", service="orders").value
    assert recovery is not None and recovery <= 10, f"see {orders_task_loss.run_dir / 'report.html'}"


def test_the_resilience_score_stays_high(orders_task_loss: RunResult) -> None:
    resilience = orders_task_loss.resilience
    assert resilience is not None and resilience >= 90, f"see {orders_task_loss.run_dir / 'report.html'}"
