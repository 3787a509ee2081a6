"""The run folder: one directory per run under ``reports/runs``, and ``reports/latest`` pointing at it."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path


def new_run_dir(reports: Path, scenario_name: str, now: float | None = None) -> Path:
    """Create ``reports/runs/<UTC time>-<scenario>/``; a second run in the same second gets a suffix."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now if now is not None else time.time()))
    runs = reports / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    base = f"{stamp}-{scenario_name}"
    for attempt in range(100):
        candidate = runs / (base if attempt == 0 else f"{base}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"cannot create a run folder for {base} in {runs}")


def point_latest(reports: Path, run_dir: Path) -> None:
    """Swap ``reports/latest`` atomically so a reader never sees it missing."""
    latest = reports / "latest"
    temporary = reports / f".latest-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(run_dir.relative_to(reports))
    temporary.replace(latest)
