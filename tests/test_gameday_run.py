"""The public API and the ``gameday_run`` fixture on one real 12-second game day (``short_game_day``).

Every test here asserts on that one run, so the module costs one game day whatever it checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gameday import api
from gameday.api import RunResult, ScoreNotFound, Verdict
from gameday.errors import InputError

pytestmark = pytest.mark.e2e


def test_the_run_passes_and_its_scores_are_found_by_name_and_subject(short_game_day: RunResult) -> None:
    assert short_game_day.verdict is Verdict.PASS, short_game_day.table
    fault = short_game_day.score("availability", phase="fault")
    assert fault.subject == "phase:fault"
    assert fault.value is not None and fault.value >= 0.9
    assert short_game_day.score("availability", phase="recovery").subject == "phase:recovery"
    assert short_game_day.resilience == 100.0
    assert [s.name for s in short_game_day.scores] == ["availability", "availability"]


def test_asking_for_a_score_the_run_lacks_names_the_ones_it_has(short_game_day: RunResult) -> None:
    with pytest.raises(KeyError) as missing:
        short_game_day.score("availability", phase="baseline")
    assert str(missing.value) == (
        "no score matches availability[phase:baseline]; this run's scores: "
        "availability[phase:fault], availability[phase:recovery]"
    )
    with pytest.raises(ScoreNotFound, match=r"^2 scores match availability; this run's scores: "):
        short_game_day.score("availability")


def test_the_run_folder_holds_the_evidence_and_the_reports(short_game_day: RunResult) -> None:
    run_dir = short_game_day.run_dir
    assert run_dir.parent.name == "runs" and run_dir.name.endswith("-api-kill-one")
    assert (run_dir.parent.parent / "latest").resolve() == run_dir.resolve()
    saved = json.loads((run_dir / "scores.json").read_text())
    assert saved["verdict"] == "PASS"
    assert (run_dir / "report.html").is_file() and (run_dir / "junit.xml").is_file()
    assert (run_dir / "requests.jsonl").stat().st_size > 0


def test_report_scores_the_run_folder_again_to_the_same_result(short_game_day: RunResult) -> None:
    report_html = short_game_day.run_dir / "report.html"
    report_html.unlink()
    again = api.report(short_game_day.run_dir)
    assert again == short_game_day
    assert report_html.is_file()


def test_bad_input_is_an_input_error_before_anything_runs(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ndescription: no load, no faults\nduration: 10s\n")
    with pytest.raises(InputError, match=rf"^{broken}:1: load: required field is missing"):
        api.run(broken, reports=tmp_path / "reports")
    with pytest.raises(InputError, match=r"^no-such-day: no such file, and no catalogue scenario .*ci-"):
        api.run("no-such-day", reports=tmp_path / "reports")
    with pytest.raises(InputError, match="not a run folder"):
        api.report(tmp_path)
    assert not (tmp_path / "reports").exists()
