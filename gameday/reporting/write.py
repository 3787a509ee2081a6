"""Every report of a run, written into its run folder from the scenario, the evidence and the score card.

Reports are a pure rendering of those three values, so ``gameday report RUN`` can rewrite them at
any time from the saved evidence. The machine-readable files come first: if drawing a chart ever
fails, CI still has its verdict in junit.xml and scores.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gameday.evidence.bundle import RunEvidence
from gameday.reporting.charts import draw_load_chart, draw_task_chart
from gameday.reporting.junit import write_junit
from gameday.reporting.render import render_html, render_markdown
from gameday.reporting.scores_json import write_scores_json
from gameday.reporting.series import fault_spans, load_series, phase_marks, task_series
from gameday.reporting.view import Chart, build_view
from gameday.runfolder import RunFolder
from gameday.scenario import Scenario
from gameday.scoring import ScoreCard

LOAD_CHART = Chart("charts/load.png", "Requests per second, error rate and p95 latency")
TASK_CHART = Chart("charts/tasks.png", "Running and desired tasks per service")


@dataclass(frozen=True)
class ReportPaths:
    scores_json: Path
    junit_xml: Path
    summary_md: Path
    report_html: Path
    charts: list[Path]


def write_reports(run_dir: Path, scenario: Scenario, evidence: RunEvidence, card: ScoreCard) -> ReportPaths:
    paths = ReportPaths(
        scores_json=run_dir / RunFolder.SCORES,
        junit_xml=run_dir / RunFolder.JUNIT,
        summary_md=run_dir / RunFolder.SUMMARY,
        report_html=run_dir / RunFolder.REPORT,
        charts=[run_dir / LOAD_CHART.path, run_dir / TASK_CHART.path],
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    write_scores_json(paths.scores_json, evidence, card)
    write_junit(paths.junit_xml, scenario, evidence, card)
    _draw_charts(run_dir, scenario.name, evidence)
    view = build_view(scenario, evidence, card, [LOAD_CHART, TASK_CHART])
    paths.summary_md.write_text(render_markdown(view), encoding="utf-8")
    paths.report_html.write_text(render_html(view), encoding="utf-8")
    return paths


def _draw_charts(run_dir: Path, title: str, evidence: RunEvidence) -> None:
    spans = fault_spans(evidence)
    marks = phase_marks(evidence)
    run_s = evidence.ended_at - evidence.started_at
    draw_load_chart(run_dir / LOAD_CHART.path, title, load_series(evidence), spans, marks, run_s)
    draw_task_chart(run_dir / TASK_CHART.path, title, task_series(evidence), spans, marks, run_s)
