"""The synthetic run of the scoring benchmark: its shape, and scores that never drift.

``data/synthetic_run_scores.json`` holds the scores ``gameday report`` gave a small synthetic run
when trace parsing still kept every raw document: any faster or leaner representation must give
the same verdicts, values, windows and whys, to the last digit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.scoring_scale import figures, scoring_at_scale
from bench.synthetic_run import write_synthetic_run
from gameday.evidence.bundle import RunEvidence
from gameday.traces import read_traces

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "data" / "synthetic_run_scores.json"


def test_a_synthetic_run_scores_as_it_always_did(tmp_path: Path) -> None:
    run = write_synthetic_run(tmp_path, 1500)
    result = subprocess.run(
        [sys.executable, "-m", "gameday.cli", "report", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr  # breaker_fast_fail_ms fails on purpose
    scored = json.loads((tmp_path / "scores.json").read_text(encoding="utf-8"))
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert {key: scored[key] for key in golden} == golden
    assert run.documents >= 5 * run.traces


def test_the_synthetic_run_has_retries_breaker_states_and_streamed_documents(tmp_path: Path) -> None:
    write_synthetic_run(tmp_path, 600)
    evidence = RunEvidence.load(tmp_path)
    calls = read_traces(evidence.traces).calls
    outcomes = {(c.dependency, c.outcome) for c in calls}
    assert {
        ("catalog", "ok"),
        ("orders", "ok"),
        ("orders", "failed"),
        ("orders", "short_circuit"),
    } <= outcomes
    assert any(len(c.attempts) == 3 for c in calls if c.dependency == "catalog")
    assert {c.caller for c in calls} == {"bff", "catalog", "orders"}  # orders sends to SQS
    assert any(d.get("in_progress") for d in evidence.traces)
    assert any(d.get("type") == "subsegment" for d in evidence.traces)
    assert len(evidence.requests) == 600 and not evidence.gaps


def test_the_same_seed_writes_the_same_folder(tmp_path: Path) -> None:
    write_synthetic_run(tmp_path / "a", 200)
    write_synthetic_run(tmp_path / "b", 200)
    for name in ("traces.jsonl", "requests.jsonl", "faults.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_the_benchmark_scores_in_a_child_and_reports_its_peak_memory(tmp_path: Path) -> None:
    result = scoring_at_scale(tmp_path, traces=300)
    merged = figures(result)
    assert result.verdict in ("PASS", "FAIL")
    assert set(result.phases_s) == {"load", "score", "write"}
    assert merged["scoring_100k_peak_mb"] == result.peak_mb and result.peak_mb > 10
    assert (tmp_path / "scoring-scale" / "report.html").exists()
