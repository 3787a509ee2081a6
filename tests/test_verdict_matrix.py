"""The truth check in CI: the reduced verdict matrix of gameday/shop/matrix.yaml, run as real game days.

Each reduced row runs its scenario once on the shop in that row's variant (one localcloud per
variant, on free ports) and every cell must be right: the broken mechanism's scores FAIL, all the
others PASS. On failure the whole table is shown, so the wrong cell and its why are in the CI log.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shop_target import write_local_targets, write_shop_stack

from gameday.commands.matrix import matrix

pytestmark = pytest.mark.e2e

MATRIX = Path(__file__).resolve().parent.parent / "gameday" / "shop" / "matrix.yaml"


def test_the_reduced_matrix_is_right_in_every_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets, _ = write_local_targets(tmp_path, write_shop_stack(tmp_path))
    reports = tmp_path / "reports"

    code = matrix(MATRIX, True, "local", targets, reports)

    table = capsys.readouterr().out
    assert code == 0, f"the reduced verdict matrix has wrong cells:\n{table}"
    document = json.loads((reports / "matrix.json").read_text())
    assert document["right"] and document["reduced"]
    variants = {run["variant"] for run in document["runs"]}  # a broken variant for every mechanism
    assert {"plain", "no-retries", "stuck-breaker", "no-autoscaling"} <= variants
    assert "one-zone" in variants
    # and breakers and retries judged from plain SDK tracing, on both of their scenarios
    rows = {(Path(run["scenario"]).stem, run["variant"]) for run in document["runs"]}
    assert {("ci-catalog-breaker", "plain"), ("ci-catalog-retries", "plain")} <= rows
    assert all(run["verdict"] in ("PASS", "FAIL") for run in document["runs"])
    assert (reports / "matrix.md").read_text().startswith("# Verdict reduced matrix")
    for run in document["runs"]:
        _findings_agree_with_the_scores(run)


STEADY_STATE = ("availability", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms")


def _findings_agree_with_the_scores(run: dict[str, str]) -> None:
    """The good shop gets no finding; a broken one gets a finding explaining each failed mechanism score."""
    run_dir = Path(run["run_dir"])
    found = json.loads((run_dir / "findings.json").read_text())["findings"]
    where = f"{Path(run['scenario']).stem} on the {run['variant']} shop"
    if run["variant"] in ("good", "plain"):
        assert found == [], f"{where}: {found}"
        return
    scores = json.loads((run_dir / "scores.json").read_text())["scores"]
    failed = {
        f"{s['name']}[{s['subject']}]"
        for s in scores
        if s["verdict"] == "FAIL" and s["name"] not in STEADY_STATE
    }
    assert failed <= {f["score"] for f in found}, f"{where}: {found}"
