"""Tasks: one OS process per task, like a Fargate task with one essential container.

A task's output is relayed into the supervisor's log line by line, prefixed with the task id, and
its last lines are kept so a task that dies at start-up can be explained in one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psutil

from gameday.localcloud.api import StopCode, TaskState, TaskStatus
from gameday.processes import child_options

if TYPE_CHECKING:
    from gameday.localcloud.stress import Burner

STOP_GRACE_S = 2.0
_OUTPUT_LINES_KEPT = 5


@dataclass(eq=False)
class Task:
    """A running (or finished) task process and what localcloud knows about it."""

    id: str
    service: str
    port: int
    zone: str
    process: asyncio.subprocess.Process
    started_at: float = field(default_factory=time.time)
    started_monotonic: float = field(default_factory=time.monotonic)
    status: TaskStatus = TaskStatus.PENDING
    healthy: bool = False
    stop_code: StopCode | None = None  # set when localcloud or a user asks the task to stop
    stop_reason: str | None = None
    exit_code: int | None = None
    exited: asyncio.Event = field(
        default_factory=asyncio.Event
    )  # set by the scheduler once the exit is recorded
    last_output: deque[str] = field(default_factory=lambda: deque(maxlen=_OUTPUT_LINES_KEPT))
    usage: psutil.Process | None = None
    output_relay: asyncio.Task[None] | None = None
    burner: Burner | None = None  # CPU stress run on the task's behalf; its CPU counts as the task's

    async def output_flushed(self, timeout_s: float = 0.5) -> None:
        """Wait (briefly) until the output the process wrote before exiting has been read."""
        if self.output_relay is not None:
            await asyncio.wait({self.output_relay}, timeout=timeout_s)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stopping(self) -> bool:
        return self.stop_code is not None

    def snapshot(self) -> TaskState:
        return TaskState(
            id=self.id,
            pid=self.pid,
            port=self.port,
            status=self.status,
            healthy=self.healthy,
            started_at=self.started_at,
            stress=self.burner.describe() if self.burner is not None else None,
            zone=self.zone,
        )

    def cpu_percent(self) -> float:
        """CPU used since the previous call, in percent of one core (psutil's convention)."""
        burner = self.burner.cpu_percent() if self.burner is not None else 0.0
        if self.usage is None:
            return burner
        try:
            return self.usage.cpu_percent(interval=None) + burner
        except psutil.Error:
            return burner


def new_task_id(service: str) -> str:
    return f"{service}-{secrets.token_hex(3)}"


async def spawn_task(
    service: str, argv: list[str], env: dict[str, str], task_id: str, port: int, zone: str
) -> Task:
    """Start the task process from the event-loop thread: PR_SET_PDEATHSIG follows the forking thread.

    Raises OSError when the command cannot be executed.
    """
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **child_options(),
    )
    task = Task(id=task_id, service=service, port=port, zone=zone, process=process)
    with contextlib.suppress(psutil.Error):
        task.usage = psutil.Process(process.pid)
        task.usage.cpu_percent(interval=None)  # the first reading only sets the baseline
    task.output_relay = asyncio.get_running_loop().create_task(_relay_output(task))
    return task


async def _relay_output(task: Task) -> None:
    stream = task.process.stdout
    if stream is None:
        return
    while True:
        try:
            line = await stream.readline()
        except ValueError:  # a line over the 64 KiB limit was dropped; the task must never block on its pipe
            continue
        if not line:
            return
        text = line.decode("utf-8", "replace").rstrip()
        task.last_output.append(text)
        sys.stdout.write(f"[{task.id}] {text}\n")
        sys.stdout.flush()


async def terminate(task: Task, grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM to the task's process group, SIGKILL after ``grace_s``; returns once it has exited."""
    if task.burner is not None:
        task.burner.stop()
    _signal_group(task.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(task.exited.wait(), grace_s)
    except TimeoutError:
        _signal_group(task.pid, signal.SIGKILL)
        await task.exited.wait()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
