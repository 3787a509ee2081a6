"""What a run tells the person watching: one plain line per event, and progress every few seconds."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from gameday.evidence.records import LoadSecond

Say = Callable[[str], None]
PROGRESS_EVERY_S = 5.0


class Console:
    """Prints lines prefixed with the run clock once the run has started."""

    def __init__(self, stream: TextIO | None = None) -> None:
        # Looked up at each line, not bound at import: whoever redirects stderr later is obeyed.
        self._stream = stream
        self._started_at: float | None = None
        self._last_progress = 0.0

    def start_clock(self, started_at: float) -> None:
        self._started_at = started_at

    def say(self, line: str) -> None:
        prefix = "gameday" if self._started_at is None else f"{time.time() - self._started_at:6.1f}s"
        print(f"[{prefix}] {line}", file=self._stream or sys.stderr, flush=True)

    def progress(self, phase: str, duration_s: float, second: LoadSecond | None, active_faults: int) -> None:
        """One status line every few seconds: phase, time left, users, rps, errors, p95, faults."""
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_EVERY_S or self._started_at is None:
            return
        self._last_progress = now
        left = max(0.0, duration_s - (time.time() - self._started_at))
        if second is None:
            load = "waiting for load stats"
        else:
            errors = 100.0 * second.failures / second.requests if second.requests else 0.0
            p95 = f"{second.p95_ms:.0f} ms" if second.p95_ms is not None else "–"
            load = f"users {second.users}  rps {second.requests}  errors {errors:.1f}%  p95 {p95}"
        self.say(f"{phase:<8} {left:5.0f}s left  {load}  active faults {active_faults}")
