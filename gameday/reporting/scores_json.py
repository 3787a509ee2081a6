"""scores.json: the verdict and everything it rests on, for machines (dashboards, trend jobs)."""

from __future__ import annotations

import json
from pathlib import Path

from gameday.evidence.bundle import RunEvidence
from gameday.scoring import ScoreCard


def write_scores_json(path: Path, evidence: RunEvidence, card: ScoreCard) -> None:
    document = {
        "run_id": evidence.run_id,
        "scenario": evidence.scenario_name,
        "target": evidence.target_name,
        "started_at": evidence.started_at,
        "ended_at": evidence.ended_at,
        "verdict": card.verdict.value,
        "reason": card.reason,
        "resilience": card.resilience.model_dump(mode="json"),
        "aborted_reason": evidence.aborted_reason,
        "scores": [s.model_dump(mode="json") for s in card.scores],
        "faults": [f.model_dump(mode="json") for f in evidence.faults],
        "phases": [p.model_dump(mode="json") for p in evidence.phases],
        "gaps": [g.model_dump(mode="json") for g in evidence.gaps],
        "traces": card.traces.model_dump(mode="json") if card.traces is not None else None,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
