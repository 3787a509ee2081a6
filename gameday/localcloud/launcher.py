"""Start the localcloud supervisor as a child process and wait until its stack is ready.

The stack file is validated here first, so a user mistake is an InputError in the caller's own
process and nothing is spawned. Anything that stops the supervisor before it is ready (a port in
use, a service that cannot start) becomes an EnvironmentProblem carrying the supervisor's own
one-line explanation, read back from its log.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gameday.errors import EnvironmentProblem
from gameday.localcloud.api import PlatformState
from gameday.localcloud.client import LocalcloudClient
from gameday.localcloud.variants import load_stack_as
from gameday.processes import child_options, terminate, wait_until

READY_TIMEOUT_S = 120.0
STOP_GRACE_S = 20.0  # the supervisor needs a few seconds to stop its tasks
_ERROR_PREFIX = "localcloud: "


@dataclass
class RunningLocalcloud:
    process: subprocess.Popen[bytes]
    client: LocalcloudClient
    state: PlatformState  # GET /state as it was when the stack became ready
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM: the supervisor stops every task, then exits; SIGKILL if it does not in time."""
        terminate(self.process, grace_s=STOP_GRACE_S)


def start_localcloud(
    stack_path: Path,
    control_port: int,
    *,
    detached: bool,
    log_path: Path,
    timeout_s: float = READY_TIMEOUT_S,
    variant: str | None = None,
) -> RunningLocalcloud:
    """Spawn ``python -m gameday.localcloud serve`` and return once every service is ready.

    ``detached=True`` lets the supervisor outlive this process (``gameday stack up``); otherwise it
    is killed when the thread that called this function ends, even by SIGKILL. ``variant`` runs the
    stack as that variant of its ``variants.yaml``.
    """
    load_stack_as(stack_path, variant)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="localcloud-") as scratch:
        ready_file = Path(scratch) / "ready.json"
        command = [sys.executable, "-m", "gameday.localcloud", "serve", str(stack_path)]
        command += ["--control-port", str(control_port), "--ready-file", str(ready_file)]
        command += ["--variant", variant] if variant is not None else []
        with log_path.open("ab") as log:
            log_start = log.tell()
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                **child_options(die_with_parent=not detached),
            )
        finished = wait_until(lambda: ready_file.exists() or process.poll() is not None, timeout_s)
        if not ready_file.exists():
            if not finished:
                terminate(process, grace_s=STOP_GRACE_S)
                message = f"localcloud did not become ready within {timeout_s:g}s (log: {log_path})"
                raise EnvironmentProblem(message)
            raise EnvironmentProblem(_explanation(log_path, log_start, process.returncode))
        state = PlatformState.model_validate_json(ready_file.read_bytes())
    return RunningLocalcloud(process, LocalcloudClient(state.control_url), state, log_path)


def _explanation(log_path: Path, log_start: int, exit_code: int) -> str:
    """The supervisor's ``localcloud: …`` lines from this start, or a pointer to its log."""
    with log_path.open("rb") as log:
        log.seek(log_start)
        lines = log.read().decode("utf-8", "replace").splitlines()
    reasons = [line.removeprefix(_ERROR_PREFIX) for line in lines if line.startswith(_ERROR_PREFIX)]
    if reasons:
        return "; ".join(reasons)
    return f"localcloud exited with code {exit_code} before it was ready (log: {log_path})"
