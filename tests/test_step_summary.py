"""A run's summary.md lands on the GitHub Actions job page through ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gameday.reporting import write_reports
from gameday.reporting.step_summary import STEP_SUMMARY, append_step_summary
from gameday.scoring import score_run
from gameday.scoring.testing import synthetic_evidence, synthetic_scenario


@pytest.fixture(scope="module")
def summary_md(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The summary.md of a real report of a synthetic run."""
    scenario, evidence = synthetic_scenario(), synthetic_evidence()
    run_dir = tmp_path_factory.mktemp("run")
    return write_reports(run_dir, scenario, evidence, score_run(scenario, evidence)).summary_md


def test_each_run_appends_its_summary_after_what_the_job_wrote(summary_md: Path, tmp_path: Path) -> None:
    page = tmp_path / "step_summary.md"
    page.write_text("## Earlier step\n", encoding="utf-8")
    warnings: list[str] = []
    environ = {STEP_SUMMARY: str(page)}
    append_step_summary(summary_md, warnings.append, environ)
    append_step_summary(summary_md, warnings.append, environ)
    summary = summary_md.read_text(encoding="utf-8").rstrip("\n")
    assert "orders" in summary
    assert page.read_text(encoding="utf-8") == f"## Earlier step\n{summary}\n\n{summary}\n\n"
    assert warnings == []


def test_without_the_variable_nothing_is_written(summary_md: Path, tmp_path: Path) -> None:
    warnings: list[str] = []
    append_step_summary(summary_md, warnings.append, {})
    append_step_summary(summary_md, warnings.append, {STEP_SUMMARY: ""})
    assert warnings == []
    assert list(tmp_path.iterdir()) == []


def test_a_summary_file_that_cannot_be_written_is_one_warning(summary_md: Path, tmp_path: Path) -> None:
    warnings: list[str] = []
    missing = tmp_path / "no-such-folder" / "summary.md"
    for destination in (tmp_path, missing):
        append_step_summary(summary_md, warnings.append, {STEP_SUMMARY: str(destination)})
    not_added = "warning: the summary was not added to $GITHUB_STEP_SUMMARY"
    assert warnings == [
        f"{not_added} ({tmp_path}): Is a directory",
        f"{not_added} ({missing}): No such file or directory",
    ]
