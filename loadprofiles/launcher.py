"""Starts and watches the load process from the orchestrator, which must not import Locust.

The child dies with the orchestrator (:func:`gameday.processes.child_options`). Its stdout is read
on a thread, so the pipe never fills and the orchestrator's clock never waits on the load: each
``second`` line becomes a :class:`LoadSecond` handed to a callback and appended to
``RUN/load_seconds.jsonl``.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from gameday.errors import EnvironmentProblem
from gameday.evidence.bundle import LOAD_SECONDS_FILE
from gameday.evidence.records import LoadSecond
from gameday.processes import child_options, terminate

STOP_GRACE_S = 20.0
"""SIGTERM → exit: the master stops its workers, waits for their last rows and stops them by pid."""

STARTED_TIMEOUT_S = 60.0
"""Until the load starts when no remote workers are expected: import, local workers connecting."""

_log = logging.getLogger(__name__)


class LoadProcess:
    """One running ``python -m loadprofiles.process``; stop it with :meth:`stop`, by pid."""

    def __init__(
        self,
        process: subprocess.Popen[str],
        on_second: Callable[[LoadSecond], None],
        seconds_path: Path,
        on_note: Callable[[str], None] | None = None,
    ) -> None:
        self._process = process
        self._on_second = on_second
        self._on_note = on_note or (lambda message: _log.info("load: %s", message))
        self._seconds_path = seconds_path
        self._started = threading.Event()
        self.error: str | None = None
        """Why the load could not start, from the process's ``error`` line."""
        self.requests_total: int | None = None
        """Requests recorded, from the process's ``done`` line; None until it has ended cleanly."""
        self._reader = threading.Thread(target=self._read_stdout, name=f"load-{process.pid}", daemon=True)
        self._reader.start()

    @classmethod
    def start(
        cls,
        config_path: Path,
        on_second: Callable[[LoadSecond], None],
        log_path: Path,
        on_note: Callable[[str], None] | None = None,
    ) -> LoadProcess:
        """Spawn the load process for ``config_path``; its stderr (and its workers') goes to ``log_path``.

        ``on_note`` gets its progress lines while workers connect (default: logged).
        """
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "loadprofiles.process", "--config", str(config_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                encoding="utf-8",
                **child_options(),
            )
        return cls(process, on_second, config_path.parent / LOAD_SECONDS_FILE, on_note)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def exited(self) -> bool:
        return self._process.poll() is not None

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit code once the process has ended and its output is read; None on timeout."""
        try:
            code = self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join()
        return code

    def wait_started(self, timeout: float = STARTED_TIMEOUT_S) -> None:
        """Return once the load runs (its workers connected, the shape started): the run's clock
        starts then. Raise :class:`EnvironmentProblem` if the process ends or times out first; the
        process is left for :meth:`stop`."""
        deadline = time.monotonic() + timeout
        while not self._started.wait(timeout=0.2):
            if self.exited():
                self._reader.join()
                if self._started.is_set():
                    return
                reason = self.error or f"it exited with code {self.returncode}; see load.log"
                raise EnvironmentProblem(f"the load did not start: {reason}")
            if time.monotonic() >= deadline:
                raise EnvironmentProblem(f"the load did not start within {timeout:.0f}s; see load.log")

    def __enter__(self) -> LoadProcess:
        return self

    def __exit__(self, *_: object) -> None:
        """Leaving the block stops the process, however it is left."""
        self.stop()

    def stop(self) -> int | None:
        """SIGTERM (the process flushes and prints ``done``), SIGKILL if it does not end in time;
        stopping a process that has ended already is a no-op."""
        code = terminate(self._process, grace_s=STOP_GRACE_S)
        self._reader.join()
        return code

    def _read_stdout(self) -> None:
        stdout: IO[str] | None = self._process.stdout
        assert stdout is not None  # Popen was given stdout=PIPE
        with stdout, self._seconds_path.open("a", encoding="utf-8") as seconds_file:
            for line in stdout:
                self._handle(line, seconds_file)

    def _handle(self, line: str, seconds_file: IO[str]) -> None:
        try:
            message: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            _log.warning("load process printed a line that is not JSON: %r", line[:200])
            return
        kind = message.pop("type", None)
        if kind == "done":
            self.requests_total = int(message["requests"])
        elif kind == "started":
            self._started.set()
        elif kind == "note":
            self._on_note(str(message.get("message", "")))
        elif kind == "error":
            self.error = str(message.get("message", ""))
        elif kind == "second":
            second = LoadSecond.model_validate(message)
            seconds_file.write(second.model_dump_json() + "\n")
            seconds_file.flush()
            try:
                self._on_second(second)
            except Exception:  # a broken progress callback must not stop draining the pipe
                _log.exception("on_second callback failed")
