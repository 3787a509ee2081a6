"""What a run tells the person watching: one plain line per event, and progress every few seconds.

On a terminal, :meth:`Console.live` turns the progress into a live panel (:mod:`gameday.run.live`)
with the event lines scrolling above it; anywhere else (CI, pipes, pytest) the lines stay plain, so
logs read the same everywhere.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from gameday.evidence.records import LoadSecond

if TYPE_CHECKING:
    from gameday.run.live import LivePanel

Say = Callable[[str], None]
PROGRESS_EVERY_S = 5.0
DUMB_TERMINALS = ("dumb", "unknown")


@dataclass(frozen=True)
class ActiveFault:
    """A fault inside its window, as the display names it."""

    name: str
    kind: str
    target: str


@dataclass(frozen=True)
class Progress:
    """Where the run is: what the plain line and the live panel both show."""

    phase: str
    elapsed_s: float
    duration_s: float
    second: LoadSecond | None  # the latest per-second load stats; None until the first arrives
    faults: tuple[ActiveFault, ...]

    @property
    def left_s(self) -> float:
        return max(0.0, self.duration_s - self.elapsed_s)

    @property
    def error_percent(self) -> float | None:
        second = self.second
        if second is None:
            return None
        return 100.0 * second.failures / second.requests if second.requests else 0.0

    @property
    def p95(self) -> str:
        second = self.second
        return f"{second.p95_ms:.0f} ms" if second is not None and second.p95_ms is not None else "–"


class Console:
    """Prints lines prefixed with the run clock once the run has started."""

    def __init__(self, stream: TextIO | None = None, terminal: bool | None = None) -> None:
        # Looked up at each line, not bound at import: whoever redirects stderr later is obeyed.
        self._stream = stream
        self._terminal = terminal  # None: ask the stream whether it is a TTY
        self._started_at: float | None = None
        self._last_progress = 0.0
        self._panel: LivePanel | None = None

    def start_clock(self, started_at: float) -> None:
        self._started_at = started_at

    def say(self, line: str) -> None:
        prefix = "gameday" if self._started_at is None else f"{time.time() - self._started_at:6.1f}s"
        text = f"[{prefix}] {line}"
        panel = self._panel
        if panel is not None:
            panel.print(text)
        else:
            print(text, file=self.stream, flush=True)

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stderr

    @contextmanager
    def live(self, title: str) -> Iterator[None]:
        """While inside, a terminal shows a live panel that :meth:`progress` updates.

        The panel stops however the block ends (an exception, Ctrl-C, a guardrail abort): the
        cursor comes back and the last state stays on screen, above whatever is printed next.
        """
        stream = self.stream
        terminal = self._terminal
        if terminal is None:  # a terminal that cannot move its cursor gets plain lines too
            terminal = stream.isatty() and os.environ.get("TERM", "") not in DUMB_TERMINALS
        if not terminal:
            yield
            return
        from gameday.run.live import LivePanel  # rich only where a terminal needs it

        with LivePanel(stream, title) as panel:
            self._panel = panel
            try:
                yield
            finally:
                self._panel = None

    def progress(
        self, phase: str, duration_s: float, second: LoadSecond | None, active_faults: Sequence[ActiveFault]
    ) -> None:
        """Show phase, time left, users, rps, errors, p95 and faults: live, or one line every few seconds."""
        if self._started_at is None:
            return
        status = Progress(phase, time.time() - self._started_at, duration_s, second, tuple(active_faults))
        if self._panel is not None:
            self._panel.update(status)
            return
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_EVERY_S:
            return
        self._last_progress = now
        self.say(plain_line(status))


def plain_line(status: Progress) -> str:
    """The progress line, as CI logs and tests have always read it."""
    second = status.second
    if second is None:
        load = "waiting for load stats"
    else:
        errors = f"{status.error_percent:.1f}%"
        load = f"users {second.users}  rps {second.requests}  errors {errors}  p95 {status.p95}"
    return f"{status.phase:<8} {status.left_s:5.0f}s left  {load}  active faults {len(status.faults)}"
