"""Fixtures shared by the end-to-end tests: the real shop on localcloud, on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from shop_target import write_shop_stack

from gameday.localcloud.launcher import RunningLocalcloud, start_localcloud
from gameday.processes import pid_alive


@pytest.fixture(scope="module")
def shop_stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop stack file with its entry on a free port, so a running demo never collides."""
    return write_shop_stack(tmp_path_factory.mktemp("shop"))


@pytest.fixture(scope="module")
def shop(shop_stack: Path) -> Iterator[RunningLocalcloud]:
    """One localcloud running the shop per test module; each module starts from a fresh stack."""
    running = start_localcloud(shop_stack, 0, detached=False, log_path=shop_stack.parent / "localcloud.log")
    try:
        yield running
    finally:
        running.stop()
    assert not pid_alive(running.pid)
