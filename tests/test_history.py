"""History over run folders written by the real report writer from synthetic runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aws_fault_run import REGION, client, mocked_account
from nightly_runs import nightly

from gameday.cli import main
from gameday.history.runs import read_runs
from gameday.history.trends import histories
from gameday.s3reports.location import S3Location
from gameday.s3reports.store import S3Reports


@pytest.fixture(scope="module")
def regressed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four nights of orders recovering in 7 s, then a night it never does."""
    reports = tmp_path_factory.mktemp("regressed")
    nightly(reports, [7.0, 7.0, 7.0, 7.0, None])
    return reports


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five nights of 7 s, then 9 s: still inside the 10 s allowed."""
    reports = tmp_path_factory.mktemp("drifted")
    nightly(reports, [7.0, 7.0, 7.0, 7.0, 7.0, 9.0])
    return reports


def test_a_score_that_kept_passing_and_fails_now_is_a_regression(regressed: Path) -> None:
    [history] = histories(read_runs(regressed).runs)
    assert history.streak()[0].value == "FAIL" and history.streak()[1] == 1
    assert history.regressions == [
        "task_recovery_s[service:orders] passed in the 3 runs before and is FAIL now"
    ]
    trend = next(t for t in history.trends if t.key == "task_recovery_s[service:orders]")
    assert [p.value for p in trend.points] == [7.0, 7.0, 7.0, 7.0, None]


def test_a_value_past_its_own_spread_is_a_drift_even_while_it_passes(drifted: Path) -> None:
    [history] = histories(read_runs(drifted).runs)
    assert history.streak()[0].value == "PASS" and history.streak()[1] == 6
    assert history.regressions == [
        "task_recovery_s[service:orders] drifted to 9.0 s, past its usual 7.0 s ± 0.4 s over 5 runs"
    ]


def test_steady_runs_have_no_regression(drifted: Path) -> None:
    [history] = histories(read_runs(drifted).runs[:5])
    assert history.regressions == []


def test_each_report_shows_the_scenarios_previous_runs(regressed: Path) -> None:
    folders = sorted((regressed / "runs").iterdir())
    html = (folders[-1] / "report.html").read_text()
    assert 'id="previous"' in html
    assert html.count('<tr class="this">') == 1
    assert (
        f'href="../{folders[0].name}/report.html"' in html
        and f'href="../{folders[1].name}/report.html"' in html
    )
    markdown = (folders[-1] / "summary.md").read_text()
    assert (
        "Runs of this scenario, newest first: FAIL 61.5 (this run) · PASS 100.0 · PASS 100.0 · PASS 100.0"
        in markdown
    )


def test_history_command_writes_both_pages_and_fails_on_regression_when_asked(
    regressed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(regressed, tmp_path, dirs_exist_ok=True)
    broken = tmp_path / "runs" / "20231120T000000Z-broken"
    broken.mkdir()
    (broken / "scores.json").write_text("{not json")
    assert main(["history", "--reports", str(tmp_path)]) == 0
    assert main(["history", "--reports", str(tmp_path), "--fail-on-regression"]) == 1
    out, err = capsys.readouterr()
    assert "synthetic-orders-loss: 5 runs, streak FAIL × 1, resilience 100 → 100 → 100 → 100 → 62" in out
    assert "  REGRESSION task_recovery_s[service:orders] passed in the 3 runs before and is FAIL now" in out
    assert "warning: skipped 20231120T000000Z-broken: scores.json is unreadable" in err
    html = (tmp_path / "history.html").read_text()
    assert html.count('src="data:image/png;base64,') == 1 and 'class="regression"' in html
    assert "20231120T000000Z-broken" in html  # named under the skipped folders
    markdown = (tmp_path / "history.md").read_text()
    assert "| `task_recovery_s[service:orders]` | — | ≤ 10.0 s | PPPPF | FAIL × 1 |" in markdown
    assert (tmp_path / "history" / "synthetic-orders-loss.png").stat().st_size > 10_000


def test_history_of_a_folder_without_runs_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "--reports", str(tmp_path / "nowhere")]) == 2
    assert "no run folders there" in capsys.readouterr().err


def test_history_of_one_scenario_names_one_that_never_ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nightly(tmp_path, [7.0])
    assert main(["history", "--reports", str(tmp_path), "synthetic-orders-loss", "never-ran"]) == 0
    assert "warning: no finished run of never-ran" in capsys.readouterr().err


def test_history_of_runs_in_s3_reads_their_scores_and_writes_the_pages_locally(
    regressed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with mocked_account(monkeypatch):
        client("s3").create_bucket(
            Bucket="shop-gameday-runs", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        store = S3Reports(S3Location("shop-gameday-runs", "nightly"))
        for run_dir in sorted((regressed / "runs").iterdir()):
            store.upload_run(run_dir)
        local = tmp_path / "local"
        assert (
            main(["history", "--reports", "s3://shop-gameday-runs/nightly", "--local-reports", str(local)])
            == 0
        )
    out, err = capsys.readouterr()
    assert "5 run folders with scores in s3://shop-gameday-runs/nightly" in err
    assert "synthetic-orders-loss: 5 runs, streak FAIL × 1" in out
    assert "REGRESSION task_recovery_s[service:orders] passed in the 3 runs before and is FAIL now" in out
    assert (local / "history.html").is_file() and (local / "history.md").is_file()
    mirrored = sorted(
        p.name
        for p in (
            local
            / "s3"
            / "shop-gameday-runs"
            / "nightly"
            / "runs"
            / sorted((regressed / "runs").iterdir())[0].name
        ).iterdir()
    )
    assert mirrored == ["scores.json"]  # only what history reads came down
