"""Chart data: seconds since the start, the same whichever evidence it was built from."""

from __future__ import annotations

from dataclasses import replace

from gameday.reporting.series import fault_spans, load_series, phase_marks, task_series
from gameday.scoring.testing import synthetic_evidence


def test_load_series_from_requests_matches_the_load_process_stats() -> None:
    evidence = synthetic_evidence()
    from_stats = load_series(evidence)
    rebuilt = load_series(replace(evidence, load_seconds=[]))
    assert (from_stats.source, rebuilt.source) == ("load_seconds", "requests")
    assert rebuilt.x == from_stats.x == [float(s) for s in range(60)]
    assert rebuilt.requests_per_s == from_stats.requests_per_s
    assert rebuilt.error_pct == from_stats.error_pct
    assert rebuilt.p95_ms == from_stats.p95_ms
    assert from_stats.error_pct[20] == 10.0 and from_stats.error_pct[19] == 0.0


def test_task_series_per_service_in_seconds_since_start() -> None:
    series = {s.service: s for s in task_series(synthetic_evidence())}
    assert sorted(series) == ["bff", "orders"]
    orders = series["orders"]
    assert orders.x[0] == 0.0
    assert orders.running[20:28] == [4, 2, 2, 2, 2, 2, 2, 4]
    assert set(orders.desired) == {4}


def test_fault_spans_and_phase_marks_are_relative() -> None:
    evidence = synthetic_evidence(landed=False)
    (span,) = fault_spans(evidence)
    assert (span.start, span.end, span.landed) == (20.0, 40.0, False)
    assert span.label == "f1-kill-tasks (did not land)"
    assert [(m.x, m.label) for m in phase_marks(evidence)] == [
        (0.0, "baseline"),
        (20.0, "fault"),
        (40.0, "recovery"),
    ]


def test_an_aborted_run_marks_only_the_phases_it_reached() -> None:
    evidence = synthetic_evidence()
    aborted = replace(evidence, ended_at=evidence.started_at + 25.0)
    assert [m.label for m in phase_marks(aborted)] == ["baseline", "fault"]
