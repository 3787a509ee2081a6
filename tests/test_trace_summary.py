"""What a report says about the traces: calls per dependency and how they were found, endpoints no
dependency name fits, unusable documents and callers whose tasks cannot be told apart; and the
run's dependency map kept in its folder, so ``gameday report`` grades the same calls again."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from xray_calls import Traces, run_with

from gameday.evidence.bundle import RunEvidence
from gameday.reporting import write_reports
from gameday.scenario import Scenario
from gameday.scoring import score_run
from gameday.scoring.testing import synthetic_scenario
from gameday.traces.dependencies import DependencyMatch

CATALOG = {"catalog": [DependencyMatch(host="catalog")]}


def _traces() -> Traces:
    traces = Traces()
    traces.successes("catalog", 1.0, n=6)
    traces.call("catalog", [(21.0, 21.2, 503), (21.3, 21.4, 200)], annotated=False)
    traces.successes("payments", 2.0, n=3)  # a dependency the map does not name
    return traces


def _scenario() -> Scenario:
    scenario = synthetic_scenario()
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["expect"] = [{"score": "retry_amplification", "dependency": "catalog", "max": 3}]
    return Scenario.model_validate(data)


def test_the_card_counts_calls_per_dependency_and_lists_what_no_name_fits() -> None:
    evidence = replace(run_with(_traces().documents), dependencies=CATALOG)
    summary = score_run(_scenario(), evidence).traces
    assert summary is not None
    assert [(d.dependency, d.calls) for d in summary.dependencies] == [("catalog", 7)]
    assert [(u.endpoint, u.attempts) for u in summary.unmapped] == [("host payments:80", 3)]
    assert summary.indistinct_callers == [] and summary.unusable is None
    lines = summary.lines()
    assert lines[0] == f"{len(evidence.traces):,} documents read"
    assert "not mapped to a dependency: host payments:80 (3 attempts)" in lines[2]


def test_unreadable_documents_and_tasks_that_look_alike_are_said() -> None:
    traces = Traces(instance=None)
    traces.successes("catalog", 1.0, n=6)
    documents = [*traces.documents, {"id": "x", "trace_id": "1-2-3", "start_time": None}]
    summary = score_run(_scenario(), replace(run_with(documents), dependencies=CATALOG)).traces
    assert summary is not None
    assert summary.unusable is not None and "1 of 7 documents unreadable" in summary.unusable
    assert summary.indistinct_callers == ["bff"]
    assert any("the segments of bff do not tell its tasks apart" in line for line in summary.lines())


def test_a_scenario_grading_no_dependency_has_no_trace_summary() -> None:
    assert score_run(synthetic_scenario(), run_with(_traces().documents)).traces is None


def test_the_map_is_kept_in_the_run_folder_and_graded_again_the_same(tmp_path: Path) -> None:
    evidence = replace(run_with(_traces().documents), dependencies=CATALOG)
    evidence.save(tmp_path)
    assert json.loads((tmp_path / "dependencies.json").read_text()) == {"catalog": [{"host": "catalog"}]}
    loaded = RunEvidence.load(tmp_path)
    assert loaded.dependencies == CATALOG
    assert score_run(_scenario(), loaded) == score_run(_scenario(), evidence)


def test_every_report_has_the_traces_section(tmp_path: Path) -> None:
    sampled = "every request of bff (the run's sampling rules gameday-0bd761f3-0, fixed rate 100 %)"
    evidence = replace(run_with(_traces().documents), dependencies=CATALOG, trace_sampling=sampled)
    card = score_run(_scenario(), evidence)
    write_reports(tmp_path, _scenario(), evidence, card)
    html = (tmp_path / "report.html").read_text()
    markdown = (tmp_path / "summary.md").read_text()
    scores = json.loads((tmp_path / "scores.json").read_text())
    for text in (html, markdown):
        assert "Traces" in text and "not mapped to a dependency: host payments:80 (3 attempts)" in text
        assert f"sampled: {sampled}" in text.replace("&#39;", "'")  # which share of requests X-Ray kept
    assert scores["traces"]["sampling"] == sampled
    assert scores["traces"]["unmapped"] == [{"endpoint": "host payments:80", "attempts": 3}]
