"""CPU stress: a burner process per selected task, the local stand-in for FIS ``aws:ecs:task-cpu-stress``.

A burner keeps one core busy for ``load_percent`` of every 100 ms. Its CPU is counted in its task's
``CPUUtilization``, so the evidence shows the harm the same way CloudWatch would. A burner cannot
join its task's process group (each task is its own session, and a process group never spans
sessions), so it watches the task's pid instead and exits within one slice once the task is gone;
stopping a task also stops its burner, and ``PR_SET_PDEATHSIG`` ends it with localcloud.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import psutil

from gameday.localcloud.api import StressRequest, StressStopRequest, TaskStress
from gameday.localcloud.tasks import Task, TaskStatus
from gameday.processes import child_options

_BURNER = """\
import os, sys, time
share, task_pid = int(sys.argv[1]) / 100, int(sys.argv[2])
while True:
    try:
        os.kill(task_pid, 0)
    except ProcessLookupError:
        break
    busy_until = time.monotonic() + 0.1 * share
    while time.monotonic() < busy_until:
        pass
    time.sleep(0.1 * (1 - share))
"""


class StressRefused(Exception):
    """The request names a task that is not running or is already stressed; nothing was started."""


@dataclass(eq=False)
class Burner:
    load_percent: int
    usage: psutil.Process

    @property
    def pid(self) -> int:
        return self.usage.pid

    def cpu_percent(self) -> float:
        try:
            return self.usage.cpu_percent(interval=None)
        except psutil.Error:
            return 0.0

    def stop(self) -> None:
        """SIGKILL; fine when the burner has already exited (psutil checks the pid was not reused)."""
        with contextlib.suppress(psutil.Error):
            self.usage.kill()

    def describe(self) -> TaskStress:
        return TaskStress(load_percent=self.load_percent, pid=self.pid)


async def start_stress(tasks: Sequence[Task], request: StressRequest) -> dict[str, int]:
    """Start a burner for each of ``request.tasks`` (all running ones if absent); task id → burner pid."""
    running = {task.id: task for task in tasks if task.status is TaskStatus.RUNNING}
    wanted = request.tasks if request.tasks is not None else sorted(running)
    for task_id in wanted:
        if task_id not in running:
            raise StressRefused(f"no running task '{task_id}'")
        if running[task_id].burner is not None:
            raise StressRefused(f"task '{task_id}' is already under CPU stress")
    for task_id in wanted:
        running[task_id].burner = await _spawn_burner(running[task_id], request.load_percent)
    return {task_id: _pid(running[task_id]) for task_id in wanted}


def stop_stress(tasks: Sequence[Task], request: StressStopRequest) -> list[str]:
    """Stop the burners of ``request.tasks`` (all if absent); unknown or unstressed tasks are skipped."""
    stopped = []
    for task in tasks:
        if task.burner is not None and (request.tasks is None or task.id in request.tasks):
            task.burner.stop()
            task.burner = None
            stopped.append(task.id)
    return sorted(stopped)


async def _spawn_burner(task: Task, load_percent: int) -> Burner:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _BURNER,
        str(load_percent),
        str(task.pid),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **child_options(),
    )
    usage = psutil.Process(process.pid)
    usage.cpu_percent(interval=None)  # the first reading only sets the baseline
    return Burner(load_percent=load_percent, usage=usage)


def _pid(task: Task) -> int:
    assert task.burner is not None
    return task.burner.pid
