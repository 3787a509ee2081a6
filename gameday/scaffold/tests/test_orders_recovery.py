"""Checks beyond a scenario's own limits, on the scores of a real run.

This test runs orders-task-loss a second time (pytest.ini collects it from scenarios/ too): keep
scenarios you only assert on in tests out of the ``gameday_scenarios`` glob, or drop this file.
"""

from __future__ import annotations

from typing import Any


def test_orders_come_back_before_the_fault_ends(orders_task_loss: Any) -> None:
    recovery = orders_task_loss.score("task_recovery_s", service="orders")
    assert recovery.value is not None and recovery.value <= 15, f"see {orders_task_loss.run_dir}"
