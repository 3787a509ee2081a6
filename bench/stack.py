"""The shop stack under localcloud on free ports, so a benchmark never collides with a running demo."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from gameday.localcloud.launcher import RunningLocalcloud, start_localcloud
from gameday.localcloud.variants import variants_path

SHOP_STACK = Path(__file__).resolve().parent.parent / "gameday" / "shop" / "stack.yaml"


def write_free_port_stack(folder: Path, entry_port: int = 0) -> Path:
    """The shop stack file with its entry on ``entry_port`` (0: a free one; the tests share this),
    with the shop's variants beside it."""
    stack = yaml.safe_load(SHOP_STACK.read_text(encoding="utf-8"))
    stack["entry"]["port"] = entry_port
    path = folder / "stack.yaml"
    path.write_text(yaml.safe_dump(stack), encoding="utf-8")
    shutil.copyfile(variants_path(SHOP_STACK), variants_path(path))
    return path


@contextmanager
def shop_localcloud(folder: Path) -> Iterator[RunningLocalcloud]:
    """A running shop stack, stopped however the block ends."""
    running = start_localcloud(write_free_port_stack(folder), 0, detached=False, log_path=folder / "lc.log")
    try:
        yield running
    finally:
        running.stop()


def localcloud_up_s(folder: Path, runs: int) -> list[float]:
    """Seconds from starting localcloud to every service healthy (start_localcloud returns then)."""
    stack = write_free_port_stack(folder)
    times = []
    for _ in range(runs):
        started = time.monotonic()
        running = start_localcloud(stack, 0, detached=False, log_path=folder / "lc-up.log")
        times.append(time.monotonic() - started)
        running.stop()
    return times
