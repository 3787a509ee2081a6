"""Does a team's Locust file import and hold the user classes a scenario names? Asked before a run.

The answer comes from a child process (:mod:`loadprofiles.userfile_check`): importing Locust would
patch this plain-Python orchestrator with gevent, and the team's module may do anything at import
(hang, exit, print), none of which may reach the orchestrator. A file is checked once per content.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

from gameday.processes import child_options, terminate

CHECK_TIMEOUT_S = 60.0
"""Importing Locust takes a second or two; a file still importing after a minute is stuck."""


def locustfile_problem(path: Path, user_classes: tuple[str, ...] | None) -> str | None:
    """None when ``path`` imports and gives ``user_classes`` (or any user class), else one line."""
    try:
        stat = path.stat()
    except OSError as exc:
        return f"no such file: {path}" if isinstance(exc, FileNotFoundError) else f"cannot read {path}: {exc}"
    if not path.is_file():
        return f"not a file: {path}"
    return _checked(path.resolve(), stat.st_mtime_ns, stat.st_size, user_classes)


@functools.cache
def _checked(path: Path, _mtime_ns: int, _size: int, user_classes: tuple[str, ...] | None) -> str | None:
    """The check itself, cached by the file's modification time and size: a run validates its
    scenario more than once."""
    # -P: the current folder stays off sys.path, so a team's own loadprofiles/ there cannot shadow ours.
    command = [sys.executable, "-P", "-m", "loadprofiles.userfile_check", str(path), *(user_classes or ())]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **child_options(),
    )
    try:
        out, err = process.communicate(timeout=CHECK_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        terminate(process, grace_s=2.0)
        process.communicate()
        return f"importing {path.name} did not finish within {CHECK_TIMEOUT_S:.0f}s"
    last = out.strip().splitlines()[-1] if out.strip() else ""
    if process.returncode == 0 and last.startswith('{"user_classes"'):
        return None
    if process.returncode == 2 and last:
        return last
    detail = (err.strip().splitlines() or [f"exit code {process.returncode}"])[-1]
    return f"checking {path.name} failed: {detail}"
