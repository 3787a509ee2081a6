"""history.md and history.html: every scenario's runs over time, regressions first.

Built as rows of text, like a run's report (:mod:`gameday.reporting.view`), and rendered through
the same templates environment; the HTML inlines its charts so it stands alone.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path

from gameday.history.charts import draw_history
from gameday.history.trends import ScenarioHistory, ScoreTrend
from gameday.reporting.render import VERDICT_COLOURS, templates
from gameday.scoring.text import value_with_unit

RECENT = 10  # verdicts shown per score, newest last
CHARTS = "history"  # folder of the history charts, beside history.md


@dataclass(frozen=True)
class TrendRow:
    score: str
    latest: str
    threshold: str
    verdicts: list[str]  # the last RECENT verdicts, oldest first
    streak: str


@dataclass(frozen=True)
class RunRow:
    folder: str
    started: str
    verdict: str
    resilience: str


@dataclass(frozen=True)
class ScenarioSection:
    scenario: str
    runs: int
    streak: str
    regressions: list[str]
    trends: list[TrendRow]
    recent: list[RunRow]  # newest first
    chart: str  # relative path of its PNG
    chart_src: str  # the PNG as a data: URI


@dataclass(frozen=True)
class HistoryView:
    reports: str
    generated_utc: str
    sections: list[ScenarioSection]
    skipped: list[str]

    @property
    def regressions(self) -> list[str]:
        return [f"{s.scenario}: {r}" for s in self.sections for r in s.regressions]


@dataclass(frozen=True)
class HistoryPaths:
    markdown: Path
    html: Path


def write_history(
    out: Path, reports: str, histories: list[ScenarioHistory], skipped: list[str]
) -> HistoryPaths:
    sections = []
    for history in histories:
        chart = Path(CHARTS) / f"{history.scenario}.png"
        draw_history(out / chart, history)
        sections.append(_section(history, chart.as_posix(), out / chart))
    view = HistoryView(
        reports=reports,
        generated_utc=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        sections=sections,
        skipped=skipped,
    )
    paths = HistoryPaths(out / "history.md", out / "history.html")
    environment = templates()
    paths.markdown.write_text(environment.get_template("history.md.j2").render(v=view), encoding="utf-8")
    paths.html.write_text(
        environment.get_template("history.html.j2").render(v=view, colours=VERDICT_COLOURS), encoding="utf-8"
    )
    return paths


def _section(history: ScenarioHistory, chart: str, png: Path) -> ScenarioSection:
    verdict, n = history.streak()
    return ScenarioSection(
        scenario=history.scenario,
        runs=len(history.runs),
        streak=f"{verdict.value} × {n}",
        regressions=history.regressions,
        trends=[_trend_row(t) for t in history.trends],
        recent=[
            RunRow(
                folder=r.folder,
                started=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(r.started_at)),
                verdict=r.verdict.value,
                resilience="n/a" if r.resilience is None else f"{r.resilience:.1f}",
            )
            for r in reversed(history.runs[-RECENT:])
        ],
        chart=chart,
        chart_src="data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii"),
    )


def _trend_row(trend: ScoreTrend) -> TrendRow:
    latest = trend.points[-1]
    verdict, n = trend.streak()
    comparator = "≥" if trend.comparator == ">=" else "≤"
    return TrendRow(
        score=trend.key,
        latest=value_with_unit(latest.value, trend.unit, trend.threshold),
        threshold=f"{comparator} {value_with_unit(trend.threshold, trend.unit, latest.value)}",
        verdicts=[p.verdict.value for p in trend.points[-RECENT:]],
        streak=f"{verdict.value} × {n}",
    )
