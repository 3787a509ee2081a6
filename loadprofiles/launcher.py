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
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from gameday.evidence.bundle import LOAD_SECONDS_FILE
from gameday.evidence.records import LoadSecond
from gameday.processes import child_options, terminate

STOP_GRACE_S = 5.0

_log = logging.getLogger(__name__)


class LoadProcess:
    """One running ``python -m loadprofiles.process``; stop it with :meth:`stop`, by pid."""

    def __init__(
        self, process: subprocess.Popen[str], on_second: Callable[[LoadSecond], None], seconds_path: Path
    ) -> None:
        self._process = process
        self._on_second = on_second
        self._seconds_path = seconds_path
        self.requests_total: int | None = None
        """Requests recorded, from the process's ``done`` line; None until it has ended cleanly."""
        self._reader = threading.Thread(target=self._read_stdout, name=f"load-{process.pid}", daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, config_path: Path, on_second: Callable[[LoadSecond], None], log_path: Path) -> LoadProcess:
        """Spawn the load process for ``config_path``; its stderr goes to ``log_path``."""
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
        return cls(process, on_second, config_path.parent / LOAD_SECONDS_FILE)

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

    def stop(self) -> int | None:
        """SIGTERM (the process flushes and prints ``done``), SIGKILL if it does not end in time."""
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
        elif kind == "second":
            second = LoadSecond.model_validate(message)
            seconds_file.write(second.model_dump_json() + "\n")
            seconds_file.flush()
            try:
                self._on_second(second)
            except Exception:  # a broken progress callback must not stop draining the pipe
                _log.exception("on_second callback failed")
