"""Reports written from a synthetic run: every file is there, parses, and says what the card says."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Gap, Verdict
from gameday.reporting import ReportPaths, verdict_table, write_reports
from gameday.scenario import Scenario
from gameday.scoring import ScoreCard, score_run
from gameday.scoring.testing import synthetic_evidence, synthetic_scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
Reported = tuple[ReportPaths, ScoreCard]


def report(run_dir: Path, scenario: Scenario, evidence: RunEvidence) -> Reported:
    card = score_run(scenario, evidence)
    return write_reports(run_dir, scenario, evidence, card), card


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> Reported:
    """orders never recovers, and a fault detail carries markup and a pipe that must not break reports."""
    evidence = synthetic_evidence(recovers_after=None)
    fault = evidence.faults[0].model_copy(update={"detail": "stopped 2 of 4 <b>orders</b> tasks | by API"})
    evidence = replace(evidence, faults=[fault], gaps=[Gap(source="traces", reason="3 segments dropped")])
    return report(tmp_path_factory.mktemp("failed"), synthetic_scenario(), evidence)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def test_every_report_file_is_written(failed_run: Reported) -> None:
    paths, _ = failed_run
    for path in (paths.scores_json, paths.junit_xml, paths.summary_md, paths.report_html, *paths.charts):
        assert path.is_file(), path
    assert [p.name for p in paths.charts] == ["load.png", "tasks.png"]


def test_charts_are_real_png_images(failed_run: Reported) -> None:
    for chart in failed_run[0].charts:
        width, height = png_size(chart)
        assert width >= 1000 and height >= 400
        assert chart.stat().st_size > 10_000


def test_junit_has_a_failure_per_failed_score_and_a_run_case(
    failed_run: Reported,
) -> None:
    paths, card = failed_run
    suite = ET.parse(paths.junit_xml).getroot()
    assert suite.tag == "testsuite"
    assert suite.get("name") == "synthetic-orders-loss"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert len(cases) == len(card.scores) + 1 == int(suite.get("tests", "0"))
    recovery = cases["task_recovery_s[service:orders]"]
    failure = recovery.find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("orders never got back to its desired count")
    properties = {p.get("name"): p.get("value") for p in recovery.iter("property")}
    assert (properties["value"], properties["threshold"], properties["comparator"]) == ("none", "10", "<=")
    assert cases["availability[phase:fault]"].find("failure") is None
    assert cases["run"].find("failure") is not None
    assert (suite.get("failures"), suite.get("errors")) == ("2", "0")
    run_properties = {p.get("name"): p.get("value") for p in suite.iterfind("properties/property")}
    assert run_properties["resilience"] == "61.5"  # steady state 40 × 5/5, recovery 25 × 0/1, over 65
    assert run_properties["resilience_weights"] == card.resilience.weights_text()


def test_junit_makes_inconclusive_and_invalid_errors_never_green(tmp_path: Path) -> None:
    bff_only = [p for p in synthetic_evidence(landed=False).metrics if p.dimensions["ServiceName"] == "bff"]
    evidence = replace(synthetic_evidence(landed=False), metrics=bff_only)
    paths, card = report(tmp_path, synthetic_scenario(), evidence)
    assert card.verdict is Verdict.INVALID
    suite = ET.parse(paths.junit_xml).getroot()
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    error = cases["run"].find("error")
    assert error is not None and error.get("type") == "INVALID"
    inconclusive = cases["task_recovery_s[service:orders]"].find("error")
    assert inconclusive is not None and inconclusive.get("type") == "INCONCLUSIVE"
    assert suite.get("skipped") == "0"
    run_properties = {p.get("name"): p.get("value") for p in suite.iterfind("properties/property")}
    assert run_properties["resilience"] == "none"  # an INVALID run has no resilience score


def test_html_shows_the_verdict_every_score_and_the_charts(failed_run: Reported) -> None:
    paths, card = failed_run
    html = paths.report_html.read_text()
    assert '<span class="badge big FAIL" id="verdict">FAIL</span>' in html
    assert html.count('<tr class="score">') == len(card.scores)
    for score in card.scores:
        assert score.why.replace("<", "&lt;") in html
    for chart in paths.charts:  # inlined, so the page stands alone when mailed or attached
        inlined = "data:image/png;base64," + base64.b64encode(chart.read_bytes()).decode()
        assert f'<img src="{inlined}"' in html
    assert "stopped 2 of 4 &lt;b&gt;orders&lt;/b&gt; tasks" in html  # escaped, not markup
    assert "3 segments dropped" in html
    assert "20231114T221320Z-synthetic-orders-loss" in html
    assert '<strong id="resilience">61.5/100</strong>' in html
    assert '<td>recovery &amp; scaling</td><td class="num">25</td><td>0/1 passed</td>' in html
    assert '<td>retries</td><td class="num">15</td><td>not scored</td>' in html


def test_markdown_summary_keeps_table_rows_whole(failed_run: Reported) -> None:
    paths, card = failed_run
    markdown = paths.summary_md.read_text()
    assert markdown.startswith("# synthetic-orders-loss: **FAIL**")
    score_rows = [line for line in markdown.splitlines() if line.startswith("| **")]
    assert len(score_rows) == len(card.scores)
    header_cells = markdown.splitlines()[markdown.splitlines().index("## Faults") + 2].count(" | ")
    fault_row = next(line for line in markdown.splitlines() if line.startswith("| f1-kill-tasks"))
    assert fault_row.count(" | ") == header_cells  # the "|" in the detail is escaped
    assert "tasks \\| by API" in fault_row
    assert "Resilience score: **61.5/100**." in markdown
    assert "| steady state | 40 | 5/5 passed |" in markdown.splitlines()


def test_scores_json_holds_the_card_faults_and_phases(failed_run: Reported) -> None:
    paths, card = failed_run
    document = json.loads(paths.scores_json.read_text())
    assert (document["verdict"], document["reason"]) == ("FAIL", card.reason)
    assert len(document["scores"]) == len(card.scores)
    assert document["faults"][0]["id"] == "f1-kill-tasks"
    assert [p["name"] for p in document["phases"]] == ["baseline", "fault", "recovery"]
    assert document["resilience"]["value"] == 61.5
    assert document["resilience"]["weights"] == {
        "steady state": 40,
        "recovery & scaling": 25,
        "retries": 15,
        "breakers": 20,
    }


def test_reports_without_metrics_or_load_stats_still_draw(tmp_path: Path) -> None:
    evidence = replace(synthetic_evidence(), metrics=[], load_seconds=[])
    paths, card = report(tmp_path, synthetic_scenario(), evidence)
    assert card.verdict is Verdict.INCONCLUSIVE
    for chart in paths.charts:
        assert png_size(chart)[0] >= 1000


def test_verdict_table_is_aligned_and_ends_with_the_verdict_resilience_and_weights() -> None:
    card = score_run(synthetic_scenario(), synthetic_evidence(recovers_after=None))
    lines = verdict_table(card).splitlines()
    header, rows = lines[0], lines[1 : 1 + len(card.scores)]
    why_column = header.index("WHY")
    for row, score in zip(rows, card.scores, strict=True):
        assert row[why_column:] == score.why
        assert row.startswith(score.verdict.value)
    assert lines[-3] == f"overall: FAIL — {card.reason}"
    assert lines[-2] == f"resilience: 61.5/100 — {card.resilience.why}"
    assert lines[-1] == f"weights: {card.resilience.weights_text()}"
    assert "\x1b" not in "\n".join(lines)


def test_importing_reporting_does_not_import_matplotlib() -> None:
    code = "import sys, gameday.reporting; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_summary_says_what_was_tested_what_happened_and_what_to_fix(failed_run: Reported) -> None:
    paths, _ = failed_run
    markdown = paths.summary_md.read_text()
    assert (
        "**What was tested.** Half of the orders tasks are stopped while shoppers browse and check out. "
        in markdown
    )
    assert "Faults: kill-tasks on service:orders at +20 s for 20 s." in markdown
    assert "- During the fault window users got 97.5% of 400 requests answered, p95 900 ms." in markdown
    assert "- The worst second was +20 s: 10.0% of 10 requests failed, p95 900 ms." in markdown
    assert "- stopped orders tasks were not replaced: make replacement tasks start" in markdown
    html = paths.report_html.read_text()
    assert html.index('id="summary"') < html.index('id="findings"') < html.index('id="timeline"')
    assert html.index('id="timeline"') < html.index("<h2>Charts</h2>") < html.index('id="scores"')
    assert html.index('id="scores"') < html.index('id="gaps"')
