"""min_running_tasks: the fewest running tasks a service had during a phase, against a floor.

A score is one module too: the scenario's expectation (a model whose ``score`` Literal names it),
a pure function from the run's evidence to scores, and the kind registered under the
``gameday.scores`` entry point group. Missing evidence is INCONCLUSIVE, never a pass.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.scoring.grading import Grading
from gameday.scoring.kind import ScoreKind
from gameday.scoring.task_counts import task_counts
from gameday.scoring.windows import phase_window, run_window
from gameday.shared import GradedPhase, Strict


class MinRunningTasks(Strict):
    """``{score: min_running_tasks, service: catalog, phase: fault, min: 1}``"""

    score: Literal["min_running_tasks"]
    service: str
    phase: GradedPhase = "fault"
    min: float = Field(ge=0)


def min_running_tasks(expectation: MinRunningTasks, evidence: RunEvidence) -> list[Score]:
    grading = Grading("min_running_tasks", f"service:{expectation.service}", expectation.min, ">=", "tasks")
    window = phase_window(evidence, expectation.phase)
    if isinstance(window, str):
        return [grading.inconclusive(run_window(evidence), window)]
    running = [c.running for c in task_counts(evidence.metrics, expectation.service) if c.t in window]
    if not running:
        return [grading.inconclusive(window, f"no task counts of {expectation.service} {window.label}")]
    fewest = min(running)
    return [grading.judge(fewest, window, f"{fewest:g} task(s) at the fewest {window.label}")]


KIND = ScoreKind(expectation=MinRunningTasks, measure=min_running_tasks)
