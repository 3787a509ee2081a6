"""The verdict matrix without game days: the matrix file's located errors, and cells judged from scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from gameday.cli import main
from gameday.errors import InputError
from gameday.evidence.records import Score, Verdict
from gameday.matrix.cells import RunResult, judge
from gameday.matrix.model import Row, load_matrix
from gameday.matrix.render import markdown_table, text_table

SCENARIO = """\
name: tiny
description: one fault, two scores
duration: 30s
load: {shape: step, users: 2, step_users: 0, step_every: 60s, max_users: 2}
faults:
  - {kind: fail-requests, at: 5s, for: 10s, target: {path: bff->catalog}, share: 0.3, status: 503}
expect:
  - {score: availability, phase: fault, min: 0.9}
  - {score: retry_masking, dependency: catalog, min: 0.5}
"""


def _matrix(tmp_path: Path, rows: str) -> Path:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny.yaml").write_text(SCENARIO)
    path = tmp_path / "matrix.yaml"
    path.write_text("rows:\n" + rows)
    return path


def test_rows_load_with_scenarios_relative_to_the_matrix_and_reduced_runs_once(tmp_path: Path) -> None:
    path = _matrix(
        tmp_path,
        "  - {scenario: scenarios/tiny.yaml, variant: good, repeat: 5, reduced: true}\n"
        "  - {scenario: scenarios/tiny.yaml, variant: no-retries, fail: [retry_masking]}\n",
    )
    matrix = load_matrix(path)
    assert [row.repeat for row in matrix.selected(reduced=False)] == [5, 1]
    assert [(row.variant, row.repeat) for row in matrix.selected(reduced=True)] == [("good", 1)]
    assert matrix.scenarios[matrix.scenario_path(matrix.rows[0])].name == "tiny"


def test_a_fail_entry_the_scenario_does_not_grade_is_located(tmp_path: Path) -> None:
    path = _matrix(
        tmp_path,
        "  - scenario: scenarios/tiny.yaml\n"
        "    variant: no-retries\n"
        "    fail: [retry_masking, retry_backof]\n"
        "  - {scenario: scenarios/nope.yaml, variant: good, repeat: 0}\n",
    )
    with pytest.raises(InputError) as caught:
        load_matrix(path)
    assert str(caught.value) == f"{path}:5: rows[1].repeat: must be at least 1"
    path.write_text(path.read_text().replace("repeat: 0", "repeat: 1"))
    with pytest.raises(InputError) as caught:
        load_matrix(path)
    lines = str(caught.value).splitlines()
    assert (
        lines[0].startswith(f"{path}:4: rows[0].fail[1]: ") and "grades no score 'retry_backof'" in lines[0]
    )
    assert lines[1].startswith(f"{path}:5: rows[1].scenario: no such file: ")


def test_the_command_reports_a_bad_matrix_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _matrix(tmp_path, "  - {scenario: scenarios/tiny.yaml, variant: good, colour: red}\n")
    assert main(["matrix", str(path)]) == 2
    assert capsys.readouterr().err.strip() == f"{path}:2: rows[0].colour: unknown field"


def _score(name: str, subject: str, verdict: Verdict) -> Score:
    return Score(
        name=name,
        subject=subject,
        value=0.5,
        threshold=0.9,
        comparator=">=",
        unit="ratio",
        verdict=verdict,
        window_start=0.0,
        window_end=1.0,
        why=f"{name} was {verdict.value}",
    )


def _run(row: Row, verdict: Verdict, *scores: Score, attempt: int = 1) -> RunResult:
    return RunResult(row, attempt, verdict, scores, 50.0, run_dir="reports/runs/x")


GOOD = Row(scenario=Path("tiny.yaml"), variant="good", repeat=2)
BROKEN = Row(
    scenario=Path("tiny.yaml"), variant="no-retries", fail=["retry_masking", "availability[phase:fault]"]
)
NAMES = {"tiny.yaml": "tiny"}


def test_cells_are_right_only_when_every_repeat_gave_the_expected_verdict() -> None:
    masking_pass = _score("retry_masking", "dependency:catalog", Verdict.PASS)
    results = [
        _run(GOOD, Verdict.PASS, _score("availability", "phase:fault", Verdict.PASS), masking_pass),
        _run(
            GOOD, Verdict.FAIL, _score("availability", "phase:fault", Verdict.FAIL), masking_pass, attempt=2
        ),
        _run(
            BROKEN,
            Verdict.FAIL,
            _score("availability", "phase:fault", Verdict.FAIL),
            _score("retry_masking", "dependency:catalog", Verdict.INCONCLUSIVE),
        ),
    ]
    cells = {(c.variant, c.score): c for c in judge(results, NAMES)}
    assert cells[("good", "retry_masking[dependency:catalog]")].right
    flaky = cells[("good", "availability[phase:fault]")]
    assert not flaky.right and flaky.shown() == "PASS 1/2 FAIL 1/2 ✗"
    assert cells[("no-retries", "availability[phase:fault]")].shown() == "FAIL ✓"
    unsure = cells[("no-retries", "retry_masking[dependency:catalog]")]
    assert unsure.expected is Verdict.FAIL and not unsure.right  # INCONCLUSIVE where FAIL was expected

    table = text_table(list(cells.values()))
    assert "PASS 2/2 ✓" in table and "wrong cells:" in table
    assert "tiny as 'good': availability[phase:fault] expected PASS" in table
    assert "2 of 4 cells right." in markdown_table(list(cells.values()), "m")


def test_an_invalid_run_or_one_that_could_not_run_proves_nothing() -> None:
    results = [
        _run(BROKEN, Verdict.INVALID, _score("availability", "phase:fault", Verdict.FAIL)),
        RunResult(GOOD, 1, None, (), 3.0, error="the load process ended early"),
    ]
    cells = judge(results, NAMES)
    assert [(c.variant, c.score, c.right) for c in cells] == [
        ("no-retries", "availability[phase:fault]", False),
        ("no-retries", "retry_masking", False),  # expected to FAIL, never graded
        ("good", "(no scores)", False),
    ]
    assert cells[0].shown() == "INVALID ✗" and cells[2].shown() == "ERROR ✗"


def test_a_subject_in_a_fail_entry_limits_it_to_that_score() -> None:
    row = Row(scenario=Path("tiny.yaml"), variant="v", fail=["availability[phase:recovery]"])
    results = [_run(row, Verdict.PASS, _score("availability", "phase:fault", Verdict.PASS))]
    cells = {c.score: c for c in judge(results, NAMES)}
    assert cells["availability[phase:fault]"].right
    assert not cells["availability[phase:recovery]"].right  # named, never graded


def test_the_matrix_needs_a_localcloud_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _matrix(tmp_path, "  - {scenario: scenarios/tiny.yaml, variant: good}\n")
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n  staging:\n    kind: aws\n    region: eu-west-1\n"
        "    account_allowlist: ['111122223333']\n    entry_url: https://shop.example.com\n"
    )
    assert main(["matrix", str(path), "--target", "staging", "--targets", str(targets)]) == 2
    assert "the matrix runs on localcloud targets only; 'staging' is not one" in capsys.readouterr().err
