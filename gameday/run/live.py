"""The live panel a run shows on a terminal: phase, time left, load and the faults in their window.

rich draws it (and keeps event lines printed through :meth:`LivePanel.print` scrolling above it);
entering and leaving the panel is a context manager so the terminal is given back on every exit.
"""

from __future__ import annotations

from types import TracebackType
from typing import TextIO

from rich.console import Console as RichConsole
from rich.console import RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from gameday.run.console import Progress

REFRESH_PER_SECOND = 4
BAR_WIDTH = 40
PANEL_WIDTH = 80  # wider terminals get a panel this wide, narrower ones one as wide as they are


class LivePanel:
    """A rich ``Live`` on ``stream``: :meth:`update` redraws it, :meth:`print` writes a line above it."""

    def __init__(self, stream: TextIO, title: str, width: int | None = None) -> None:
        self._title = title
        # force_terminal: the caller decided this is a terminal (the stream may be a test's StringIO).
        self._console = RichConsole(file=stream, force_terminal=True, width=width, highlight=False)
        self._live = Live(
            render(title, None),
            console=self._console,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=False,
        )

    def __enter__(self) -> LivePanel:
        self._live.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._live.stop()

    def update(self, status: Progress) -> None:
        self._live.update(render(self._title, status))

    def print(self, line: str) -> None:
        self._console.print(line, markup=False, highlight=False, soft_wrap=True)


def render(title: str, status: Progress | None) -> RenderableType:
    """The panel for ``status`` (None until the first progress)."""
    if status is None:
        return Panel(Text("starting…"), title=title, title_align="left")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("phase", Text(status.phase, style=PHASE_STYLES.get(status.phase, "")))
    grid.add_row("time", _clock(status))
    grid.add_row("load", _load(status))
    grid.add_row("faults", _faults(status))
    return Panel(grid, title=title, title_align="left", width=PANEL_WIDTH)


PHASE_STYLES = {"baseline": "green", "fault": "bold red", "recovery": "yellow"}


def _clock(status: Progress) -> RenderableType:
    clock = Table.grid(padding=(0, 1))
    clock.add_row(
        ProgressBar(
            total=status.duration_s, completed=min(status.elapsed_s, status.duration_s), width=BAR_WIDTH
        ),
        Text(f"{status.left_s:.0f}s left of {status.duration_s:g}s"),
    )
    return clock


def _load(status: Progress) -> Text:
    second = status.second
    if second is None:
        return Text("waiting for load stats", style="dim")
    errors = status.error_percent or 0.0
    line = Text()
    line.append(f"users {second.users}   rps {second.requests}   ")
    line.append(f"errors {errors:.1f}%", style="bold red" if second.failures else "")
    line.append(f"   p95 {status.p95}")
    return line


def _faults(status: Progress) -> RenderableType:
    if not status.faults:
        return Text("none", style="dim")
    table = Table.grid(padding=(0, 2))
    for fault in status.faults:
        table.add_row(Text(fault.name, style="bold"), fault.kind, fault.target)
    return table
