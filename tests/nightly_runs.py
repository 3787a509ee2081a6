"""Nightly runs of the synthetic game day, written into a reports folder by the real report writer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gameday.evidence.bundle import RunEvidence
from gameday.reporting import write_reports
from gameday.scoring import score_run
from gameday.scoring.testing import synthetic_evidence, synthetic_scenario

DAY = 86_400.0


def nightly(reports: Path, recoveries: list[float | None]) -> list[Path]:
    """One synthetic run a day; orders recovers after each of ``recoveries`` seconds (None: never)."""
    scenario = synthetic_scenario()
    folders = []
    for day, recovers_after in enumerate(recoveries):
        base = synthetic_evidence(recovers_after=recovers_after)
        evidence = shifted(base, day * DAY, f"2023111{day}T221320Z-synthetic-orders-loss")
        run_dir = reports / "runs" / evidence.run_id
        write_reports(run_dir, scenario, evidence, score_run(scenario, evidence))
        folders.append(run_dir)
    return folders


def shifted(evidence: RunEvidence, by: float, run_id: str) -> RunEvidence:
    """The same run ``by`` seconds later: every time moves, so scores are those of the original."""
    return replace(
        evidence,
        run_id=run_id,
        started_at=evidence.started_at + by,
        ended_at=evidence.ended_at + by,
        phases=[p.model_copy(update={"start": p.start + by, "end": p.end + by}) for p in evidence.phases],
        requests=[r.model_copy(update={"t": r.t + by}) for r in evidence.requests],
        load_seconds=[s.model_copy(update={"t": s.t + by}) for s in evidence.load_seconds],
        metrics=[m.model_copy(update={"t": m.t + by}) for m in evidence.metrics],
        events=[e.model_copy(update={"t": e.t + by}) for e in evidence.events],
        faults=[
            f.model_copy(
                update={
                    "planned_at": f.planned_at + by,
                    "injected_at": f.injected_at + by if f.injected_at is not None else None,
                    "window_end": f.window_end + by,
                    "reverted_at": f.reverted_at + by if f.reverted_at is not None else None,
                }
            )
            for f in evidence.faults
        ],
    )
