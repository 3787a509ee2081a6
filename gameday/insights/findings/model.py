"""A finding: a rule over the evidence that names a mechanism, its measured effect, the traces
that show it and a fix.

Findings never contradict the verdict: where the scenario grades the mechanism a rule looks at,
the score decides (a FAIL is a finding, explained with the score's own why; a PASS or an
INCONCLUSIVE is not), and the rule's own default threshold only speaks for what is not graded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score, Verdict
from gameday.scoring import ScoreCard
from gameday.traces import Call

Mechanism = Literal["retries", "circuit breaker", "auto scaling", "recovery", "fallback"]
EXAMPLES = 3  # example traces per finding


class TraceLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    trace_id: str
    url: str | None = None  # the trace in the target's console (AWS), else read it from traces.jsonl


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str  # e.g. "retries-without-backoff"
    mechanism: Mechanism
    subject: str  # "dependency:catalog", "service:orders", "phase:recovery"
    title: str  # one line: what is wrong
    effect: str  # what it measurably did in this run
    fix: str  # what to change
    traces: list[TraceLink] = []
    score: str | None = None  # "name[subject]" of the failed score it explains, when graded


class Judge:
    """Whether a rule's finding stands: the scenario's score where it grades the same thing,
    else the rule's own default threshold."""

    def __init__(self, card: ScoreCard, evidence: RunEvidence) -> None:
        self.scores = card.scores
        self._link = evidence.trace_link

    def graded(self, name: str, subject: str) -> Score | None:
        return next((s for s in self.scores if s.name == name and s.subject == subject), None)

    def stands(self, score: Score | None, by_default: bool) -> bool:
        return by_default if score is None else score.verdict is Verdict.FAIL

    def finding(self, score: Score | None, measured: str, **fields: Any) -> Finding:
        """A finding whose effect is what the rule ``measured``, or, where a score decided, the
        score's own why (and the score it explains)."""
        if score is None:
            return Finding(effect=measured, **fields)
        return Finding(effect=score.why, score=f"{score.name}[{score.subject}]", **fields)

    def links(self, calls: Iterable[Call]) -> list[TraceLink]:
        """Up to EXAMPLES distinct traces of the calls, linked to the console where there is one."""
        ids: list[str] = []
        for call in calls:
            if call.trace_id and call.trace_id not in ids:
                ids.append(call.trace_id)
            if len(ids) == EXAMPLES:
                break
        return [TraceLink(trace_id=i, url=self._link.format(trace_id=i) if self._link else None) for i in ids]
