"""Every report of a run, written into its run folder from the scenario, the evidence and the score card.

Reports are a pure rendering of those three values (and the scenario's earlier runs beside it), so
``gameday report RUN`` can rewrite them at any time from the saved evidence. The machine-readable
files come first: if drawing a chart ever fails, CI still has its verdict in junit.xml and
scores.json, and its findings in findings.json.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel, ValidationError

from gameday.evidence.bundle import RunEvidence
from gameday.history.runs import RUNS, PastRun, read_runs
from gameday.insights.findings import find
from gameday.insights.impact import user_impact
from gameday.insights.timeline import Abort, TimelineEvent, build_timeline
from gameday.reporting.charts import draw_load_chart, draw_task_chart
from gameday.reporting.junit import write_junit
from gameday.reporting.render import render_html, render_markdown
from gameday.reporting.scores_json import write_scores_json
from gameday.reporting.series import event_marks, fault_spans, load_series, phase_marks, task_series
from gameday.reporting.view import Chart, Insights, build_view
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
    insights = Insights(
        timeline=build_timeline(evidence, scenario.guardrails, _abort(run_dir)),
        impact=user_impact(evidence),
        findings=find(evidence, card),
        previous=_previous_runs(run_dir, scenario.name),
    )
    folder = RunFolder(run_dir)
    _write_models(folder, RunFolder.TIMELINE, evidence.run_id, "events", insights.timeline)
    _write_models(folder, RunFolder.FINDINGS, evidence.run_id, "findings", insights.findings)
    folder.write_json(
        RunFolder.IMPACT, {"run_id": evidence.run_id, **insights.impact.model_dump(mode="json")}
    )
    _draw_charts(run_dir, scenario.name, evidence, insights.timeline)
    view = build_view(scenario, evidence, card, [LOAD_CHART, TASK_CHART], insights)
    paths.summary_md.write_text(render_markdown(view), encoding="utf-8")
    inlined = [replace(chart, src=_data_uri(run_dir / chart.path)) for chart in view.charts]
    paths.report_html.write_text(render_html(replace(view, charts=inlined)), encoding="utf-8")
    return paths


def _write_models(folder: RunFolder, name: str, run_id: str, key: str, models: Sequence[BaseModel]) -> None:
    folder.write_json(name, {"run_id": run_id, key: [m.model_dump(mode="json") for m in models]})


def _abort(run_dir: Path) -> Abort | None:
    """abort.json, when a guardrail ended the run; an unreadable one leaves the event out."""
    path = run_dir / RunFolder.ABORT
    try:
        return Abort.model_validate_json(path.read_bytes()) if path.exists() else None
    except (OSError, ValidationError):
        return None


def _previous_runs(run_dir: Path, scenario: str) -> list[PastRun]:
    """The scenario's runs in the reports folder this run folder sits in (``REPORTS/runs/RUN``)."""
    if run_dir.parent.name != RUNS:
        return []
    return read_runs(run_dir.parent.parent, {scenario}).runs


def _data_uri(png: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def _draw_charts(run_dir: Path, title: str, evidence: RunEvidence, events: list[TimelineEvent]) -> None:
    spans = fault_spans(evidence)
    marks = phase_marks(evidence)
    numbered = event_marks(events, evidence.started_at)
    run_s = evidence.ended_at - evidence.started_at
    draw_load_chart(run_dir / LOAD_CHART.path, title, load_series(evidence), spans, marks, numbered, run_s)
    draw_task_chart(run_dir / TASK_CHART.path, title, task_series(evidence), spans, marks, numbered, run_s)
