"""Child processes that cannot outlive their owner.

Every process gameday starts (localcloud, its tasks, the load process and its workers) runs in its
own process group and receives SIGKILL when its parent dies, even when the parent itself was
SIGKILLed: Linux ``PR_SET_PDEATHSIG`` through ``prctl``. Elsewhere only the process group is set.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def child_options(die_with_parent: bool = True) -> dict[str, Any]:
    """Keyword arguments for ``subprocess.Popen`` / ``asyncio.create_subprocess_exec``.

    ``die_with_parent=False`` is for daemons meant to outlive the command that started them
    (``gameday stack up``).
    """
    options: dict[str, Any] = {"start_new_session": True}
    if die_with_parent and sys.platform.startswith("linux"):
        preexec: Callable[[], None] = _die_with_parent
        options["preexec_fn"] = preexec
    return options


def terminate(process: subprocess.Popen[Any], grace_s: float = 5.0) -> int | None:
    """Stop a child we started, by its pid: SIGTERM to its group, SIGKILL after ``grace_s``."""
    if process.poll() is not None:
        return process.returncode
    _signal_group(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        return process.wait(timeout=5)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, sig)


def pid_alive(pid: int) -> bool:
    """True while a process with this pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def wait_until(condition: Callable[[], bool], timeout_s: float, interval_s: float = 0.1) -> bool:
    """Poll ``condition`` until it holds or ``timeout_s`` passes; return whether it held."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return condition()
