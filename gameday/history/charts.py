"""One PNG per scenario: the resilience score and every score's value run after run.

Like the run charts, matplotlib is imported inside the function and drawn on the Agg canvas.
Each point is coloured by its verdict, so a failure stands out in a flat line; the newest
threshold is a dashed line.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from gameday.history.trends import ScenarioHistory, ScoreTrend
from gameday.reporting.render import VERDICT_COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLUMNS = 2
DPI = 100
GREY = "#57606a"


def draw_history(path: Path, history: ScenarioHistory) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = 1 + len(history.trends)
    rows = math.ceil(panels / COLUMNS)
    figure = Figure(figsize=(11.0, 1.0 + 2.3 * rows), dpi=DPI, layout="constrained")
    grid = figure.subplots(rows, COLUMNS, squeeze=False)
    axes_list: list[Axes] = [a for row in grid for a in row]
    figure.suptitle(f"{history.scenario}: {len(history.runs)} runs", fontsize=13)
    runs = list(range(1, len(history.runs) + 1))
    resilience = axes_list[0]
    values = [r.resilience for r in history.runs]
    resilience.plot(runs, [math.nan if v is None else v for v in values], color=GREY, linewidth=1)
    resilience.scatter(
        runs,
        [math.nan if v is None else v for v in values],
        c=[VERDICT_COLOURS[r.verdict.value] for r in history.runs],
        s=28,
        zorder=3,
    )
    resilience.set_title("resilience score (run verdict)", fontsize=10)
    resilience.set_ylim(0, 105)
    position = {r.run_id: i for i, r in enumerate(history.runs, start=1)}
    for axes, trend in zip(axes_list[1:], history.trends, strict=False):
        _draw_trend(axes, trend, position)
    for axes in axes_list[panels:]:
        axes.set_visible(False)
    for axes in axes_list[:panels]:
        axes.set_xlim(0.5, len(runs) + 0.5)
        axes.grid(True, alpha=0.3)
        axes.tick_params(labelsize=8)
        axes.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    for axes in axes_list[max(0, panels - COLUMNS) : panels]:
        axes.set_xlabel("run (oldest first)", fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(figure).print_png(str(path))


def _draw_trend(axes: Axes, trend: ScoreTrend, position: dict[str, int]) -> None:
    xs = [position[p.run.run_id] for p in trend.points]
    ys = [math.nan if p.value is None else p.value for p in trend.points]
    scale = 100.0 if trend.unit == "ratio" else 1.0
    ys = [y * scale for y in ys]
    axes.plot(xs, ys, color=GREY, linewidth=1)
    axes.scatter(xs, ys, c=[VERDICT_COLOURS[p.verdict.value] for p in trend.points], s=24, zorder=3)
    missing = [(x, p) for x, p in zip(xs, trend.points, strict=True) if p.value is None]
    if missing:  # a run graded without a value (never recovered, too few calls): a cross on the top edge
        axes.scatter(
            [x for x, _ in missing],
            [0.97] * len(missing),
            transform=axes.get_xaxis_transform(),
            marker="x",
            c=[VERDICT_COLOURS[p.verdict.value] for _, p in missing],
            s=40,
            zorder=3,
        )
    if trend.threshold is not None:
        axes.axhline(trend.threshold * scale, color=GREY, linestyle="--", linewidth=1)
    unit = "%" if trend.unit == "ratio" else trend.unit
    axes.set_title(f"{trend.key} ({unit})", fontsize=9)
