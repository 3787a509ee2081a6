"""PNG charts of a run, drawn with matplotlib's Agg canvas.

matplotlib is imported here and only here, inside the functions: it takes a noticeable part of a
second to import, and nothing but drawing needs it. The object API (``Figure`` + ``FigureCanvasAgg``)
is used instead of pyplot: no GUI backend, no global figure state, safe in any thread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gameday.reporting.series import EventMark, LoadSeries, Mark, Span, TaskSeries

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BLUE = "#0969da"
RED = "#cf222e"
PURPLE = "#8250df"
GREY = "#57606a"
FAULT_FILL = "#ff8182"
EVENT_COLOURS = {
    "breaker": PURPLE,
    "scaling": "#1a7f37",
    "task": "#0550ae",
    "requests": RED,
    "guardrail": "#bc4c00",
    "alarm": "#bc4c00",
    "abort": "#bc4c00",
}
STRONG = 0.28  # fault band on a panel the fault acted on
PALE = 0.1  # fault band on another service's panel
DPI = 110
WIDTH_IN = 11.0


def draw_load_chart(
    path: Path,
    title: str,
    load: LoadSeries,
    spans: list[Span],
    marks: list[Mark],
    events: list[EventMark],
    run_s: float,
) -> None:
    """Requests/s, error rate and p95 latency, one panel each over the same time axis."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, 7.5), dpi=DPI, layout="constrained")
    rate, errors, latency = figure.subplots(3, 1, sharex=True)
    source = "" if load.source == "load_seconds" else " (rebuilt from request records)"
    figure.suptitle(f"{title}: load, errors and latency{source}", fontsize=13)
    panels: list[tuple[Axes, Sequence[float | None], str, str]] = [
        (rate, load.requests_per_s, "requests / s", BLUE),
        (errors, load.error_pct, "errors (% of requests)", RED),
        (latency, load.p95_ms, "p95 latency (ms)", PURPLE),
    ]
    for axes, values, label, colour in panels:
        _shade(axes, spans, highlight=None)
        _mark_phases(axes, marks, labelled=axes is rate)
        _mark_events(axes, events, numbered=axes is rate)
        if load.x:
            xs, ys = _per_second_steps(load.x, _with_gaps(values))
            axes.step(xs, ys, where="post", color=colour, linewidth=1.6)
            axes.fill_between(xs, ys, step="post", color=colour, alpha=0.12)
        axes.set_ylabel(label)
        axes.set_ylim(bottom=0, top=_top(values, floor=5.0 if axes is errors else 1.0))
        axes.grid(True, alpha=0.3)
    if not load.x:
        _no_data(rate, "no requests recorded")
    _finish(figure, latency, run_s, path)


def draw_task_chart(
    path: Path,
    title: str,
    tasks: list[TaskSeries],
    spans: list[Span],
    marks: list[Mark],
    events: list[EventMark],
    run_s: float,
) -> None:
    """Running against desired tasks, one panel per service; faults on that service stand out."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = max(1, len(tasks))
    figure = Figure(figsize=(WIDTH_IN, 1.2 + 2.0 * rows), dpi=DPI, layout="constrained")
    axes_list: list[Axes] = list(figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0])
    figure.suptitle(f"{title}: running vs desired tasks", fontsize=13)
    for axes, series in zip(axes_list, tasks, strict=False):
        _shade(axes, spans, highlight=f"service:{series.service}")
        _mark_phases(axes, marks, labelled=axes is axes_list[0])
        _mark_events(axes, events, numbered=axes is axes_list[0])
        # Desired as a wide pale band under running: still visible where the two are equal.
        axes.step(
            series.x, series.desired, where="post", color=GREY, alpha=0.35, linewidth=7, label="desired"
        )
        axes.step(series.x, series.running, where="post", color=BLUE, linewidth=2.0, label="running")
        axes.set_ylabel(f"{series.service}\ntasks")
        axes.set_ylim(0, max([*series.running, *series.desired]) + 1)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(True, alpha=0.3)
    if not tasks:
        _no_data(axes_list[0], "no RunningTaskCount / DesiredTaskCount metrics recorded")
    _finish(figure, axes_list[-1], run_s, path)


def _shade(axes: Axes, spans: list[Span], highlight: str | None) -> None:
    """Fault windows as red bands (hatched when the fault did not land); paler on other services."""
    for span in spans:
        strong = highlight is None or span.target == highlight
        axes.axvspan(
            span.start,
            span.end,
            facecolor=FAULT_FILL if span.landed else "none",
            edgecolor=RED,
            hatch=None if span.landed else "//",
            alpha=STRONG if strong else PALE,
            linewidth=0,
            label=f"fault window: {span.label} on {span.target}",
        )


def _mark_phases(axes: Axes, marks: list[Mark], labelled: bool) -> None:
    for mark in marks:
        if mark.x > 0:
            axes.axvline(mark.x, color=GREY, linestyle=":", linewidth=1.2)
        if labelled:
            axes.annotate(
                mark.label,
                xy=(mark.x, 1.0),
                xycoords=axes.get_xaxis_transform(),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=10,
                color=GREY,
            )


def _mark_events(axes: Axes, events: list[EventMark], numbered: bool) -> None:
    """A thin line per timeline event; on the top panel its number in a circle, as in the table."""
    for event in events:
        colour = EVENT_COLOURS.get(event.kind, GREY)
        axes.axvline(event.x, color=colour, linewidth=0.9, alpha=0.7, linestyle="--")
        if numbered:
            axes.annotate(
                str(event.number),
                xy=(event.x, 0.93),
                xycoords=axes.get_xaxis_transform(),
                ha="center",
                va="center",
                fontsize=7.5,
                color="white",
                fontweight="bold",
                bbox={"boxstyle": "circle,pad=0.25", "facecolor": colour, "edgecolor": "none"},
            )


def _finish(figure: Figure, bottom: Axes, run_s: float, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    bottom.set_xlabel("seconds since run start")
    bottom.set_xlim(0, max(run_s, 1.0))
    # One legend for the whole figure, under it, so it never covers a line. A fault band is shown at
    # full strength whichever panel drew it paler.
    handles: dict[str, Artist] = {}
    for axes in figure.axes:
        for handle, label in zip(*axes.get_legend_handles_labels(), strict=True):
            if label not in handles or handle.get_alpha() == STRONG:
                handles[label] = handle
    if handles:
        figure.legend(
            list(handles.values()),
            list(handles),
            loc="outside lower center",
            fontsize=9,
            frameon=False,
            ncols=4,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(figure).print_png(str(path))


def _no_data(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, transform=axes.transAxes, ha="center", va="center", fontsize=12, color=GREY)
    axes.set_yticks([])


def _per_second_steps(x: list[float], y: list[float]) -> tuple[list[float], list[float]]:
    """Each value covers the second starting at its x; repeat the last one so its second is drawn too."""
    return [*x, x[-1] + 1.0], [*y, y[-1]]


def _with_gaps(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else v for v in values]


def _top(values: Sequence[float | None], floor: float) -> float:
    present = [v for v in values if v is not None]
    return max([floor, *present]) * 1.15
