"""The overall verdict of a run, from its scores and from whether the run itself can be trusted.

Order matters and is the design's "verdicts are honest": a run that was aborted or whose faults
did not land says nothing about resilience, whatever its scores; after that any failure outweighs
any doubt, and only a run with scores, all of them passing, is PASS.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import FaultRecord, Score, Verdict
from gameday.scoring.registry import build_pipeline
from gameday.scoring.resilience import Resilience, resilience
from gameday.scoring.trace_summary import TraceSummary, summarise_traces

if TYPE_CHECKING:  # the scenario model is built from the score kinds, so importing it here is a cycle
    from gameday.scenario import Scenario


class ScoreCard(BaseModel):
    """The verdict of a run, its one-line reason, every score behind it and the 0-100 resilience score."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    reason: str
    scores: list[Score]
    resilience: Resilience
    traces: TraceSummary | None = None  # when the scenario grades traced calls to a dependency


def score_run(scenario: Scenario, evidence: RunEvidence) -> ScoreCard:
    """Grade every expectation of the scenario on the evidence; pure, whatever the target was."""
    scores = [score for scorer in build_pipeline(scenario.expect) for score in scorer(evidence)]
    verdict, reason = overall(scenario, evidence, scores)
    graded = sorted({d for e in scenario.expect if (d := getattr(e, "dependency", None)) is not None})
    return ScoreCard(
        verdict=verdict,
        reason=reason,
        scores=scores,
        resilience=resilience(verdict, scores),
        traces=summarise_traces(evidence, graded) if graded else None,
    )


def overall(scenario: Scenario, evidence: RunEvidence, scores: list[Score]) -> tuple[Verdict, str]:
    if evidence.aborted_reason:
        return Verdict.ABORTED, f"run aborted: {evidence.aborted_reason}"
    unlanded = fault_problems(scenario, evidence.faults)
    if unlanded:
        return Verdict.INVALID, "; ".join(unlanded)
    if not scores:
        return Verdict.INCONCLUSIVE, "no expectation produced a score"
    for verdict, verb in ((Verdict.FAIL, "failed"), (Verdict.INCONCLUSIVE, "inconclusive")):
        hit = [s for s in scores if s.verdict is verdict]
        if hit:
            return verdict, _summary(hit, len(scores), verb)
    return Verdict.PASS, f"all {len(scores)} scores passed"


def fault_problems(scenario: Scenario, records: list[FaultRecord]) -> list[str]:
    """Why the run is invalid: each fault that did not land, and each planned fault with no record.

    A planned fault with no record at all is treated like one that did not land: nothing in the
    evidence shows the harm happened.
    """
    problems = [
        f"fault {r.id} ({r.kind} on {r.target}) did not land: {r.detail}" for r in records if not r.landed
    ]
    planned: Counter[tuple[str, str]] = Counter((f.kind, f.target_label) for f in scenario.faults)
    recorded = Counter((r.kind, r.target) for r in records)
    for (kind, target), missing in (planned - recorded).items():
        problems.append(f"no record shows the {kind} fault on {target} was injected ({missing} missing)")
    return problems


def _summary(hit: list[Score], total: int, verb: str) -> str:
    if len(hit) == 1:
        only = hit[0]
        return f"1 of {total} scores {verb}: {only.name}[{only.subject}]: {only.why}"
    names = ", ".join(f"{s.name}[{s.subject}]" for s in hit)
    return f"{len(hit)} of {total} scores {verb}: {names}"
