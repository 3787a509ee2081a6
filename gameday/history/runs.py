"""The runs a reports folder holds, read from each run folder's scores.json.

scores.json is the one file every finished run writes for machines, so history reads nothing
else: a run folder that has none (a run still going, or killed before it reported) is not a run
to compare yet, and a damaged one is named and skipped, never a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from gameday.evidence.bundle import first_problem
from gameday.evidence.records import Score, Verdict
from gameday.runfolder import RunFolder

RUNS = "runs"


class PastRun(BaseModel):
    """One run as history sees it."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    scenario: str
    target: str
    started_at: float
    verdict: Verdict
    resilience: float | None
    scores: list[Score]
    folder: str  # the run folder's name under runs/

    def score(self, key: str) -> Score | None:
        return next((s for s in self.scores if score_key(s) == key), None)


def score_key(score: Score) -> str:
    return f"{score.name}[{score.subject}]"


@dataclass(frozen=True)
class RunList:
    runs: list[PastRun]  # oldest first
    skipped: list[str]  # "FOLDER: why", for run folders that could not be read


def read_runs(reports: Path, scenarios: set[str] | None = None) -> RunList:
    """Every finished run under ``reports/runs`` (of ``scenarios``, when given), oldest first.

    A run folder is named ``<UTC time>-<scenario>[-n]``, so with ``scenarios`` only folders whose
    name holds one of them are read: a run's report asks for its scenario's runs, and a reports
    folder may hold thousands of other runs. The scenario in scores.json still decides.
    """
    runs, skipped = [], []
    folder = reports / RUNS
    for run_dir in sorted(folder.iterdir()) if folder.is_dir() else []:
        scores = run_dir / RunFolder.SCORES
        if scenarios is not None and not any(f"-{name}" in run_dir.name for name in scenarios):
            continue
        if not run_dir.is_dir() or not scores.is_file():
            continue
        try:
            run = _past_run(run_dir.name, json.loads(scores.read_text(encoding="utf-8")))
        except OSError as exc:
            skipped.append(f"{run_dir.name}: {RunFolder.SCORES} is unreadable ({exc.strerror or exc})")
            continue
        except ValueError as exc:  # pydantic's ValidationError is a ValueError too
            skipped.append(f"{run_dir.name}: {RunFolder.SCORES} is unreadable ({first_problem(exc)})")
            continue
        if scenarios is None or run.scenario in scenarios:
            runs.append(run)
    runs.sort(key=lambda r: (r.started_at, r.run_id))
    return RunList(runs, skipped)


def _past_run(folder: str, document: object) -> PastRun:
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    resilience = document.get("resilience")
    return PastRun.model_validate(
        {
            "run_id": document.get("run_id"),
            "scenario": document.get("scenario"),
            "target": document.get("target"),
            "started_at": document.get("started_at"),
            "verdict": document.get("verdict"),
            "resilience": resilience.get("value") if isinstance(resilience, dict) else None,
            "scores": document.get("scores"),
            "folder": folder,
        }
    )
