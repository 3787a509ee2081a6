"""A ``gameday run`` subprocess SIGKILLed while its fault is applied: how tests leave a fault
behind for ``gameday rollback``, as a crashed harness would."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_until_landed(
    args: Sequence[str], env: Mapping[str, str] | None = None, *, stdout: int = subprocess.DEVNULL
) -> tuple[subprocess.Popen[str], int]:
    """Start ``gameday ARGS`` and return it once a fault landed, with its load process's pid
    (``stdout=subprocess.PIPE`` to read what the run prints when it ends)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gameday.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    load_pid = 0
    for line in process.stderr:
        if match := re.search(r"load started \(pid (\d+)\)", line):
            load_pid = int(match.group(1))
        if "landed" in line:
            return process, load_pid
    raise AssertionError(f"the fault never landed; exit {process.wait()}")


def sigkill(process: subprocess.Popen[str]) -> None:
    """SIGKILL the run: no revert, no final ledger line, as when its machine dies."""
    process.kill()
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()
