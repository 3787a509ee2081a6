"""Findings with causes, from the same scores and traces as the verdict (see :mod:`.model`)."""

from __future__ import annotations

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Verdict
from gameday.insights.findings.breaker_rules import breaker_findings
from gameday.insights.findings.graded_rules import graded_findings
from gameday.insights.findings.impact_rules import (
    fallback_finding,
    recovery_finding,
    task_replacement_findings,
)
from gameday.insights.findings.model import Finding, Judge, TraceLink
from gameday.insights.findings.retry_rules import retry_findings
from gameday.insights.findings.scaling_rules import scaling_findings
from gameday.scoring import ScoreCard
from gameday.scoring.dependency_calls import called_dependencies, outage_window

__all__ = ["Finding", "TraceLink", "find"]


def find(evidence: RunEvidence, card: ScoreCard) -> list[Finding]:
    """Every finding of the run, mechanisms first (breakers, retries, scaling), then what users felt.

    A run whose fault did not land has nothing to find: no mechanism was put to the test.
    """
    if card.verdict is Verdict.INVALID:
        return []
    judge = Judge(card, evidence)
    outage = outage_window(evidence)
    if isinstance(outage, str):
        return [
            *scaling_findings(evidence, judge),
            *task_replacement_findings(evidence, judge),
            *graded_findings(judge),
        ]
    dependencies = called_dependencies(evidence)
    findings: list[Finding] = []
    for dependency in dependencies:
        findings += breaker_findings(evidence, judge, dependency, outage)
        findings += retry_findings(evidence, judge, dependency, outage)
    findings += scaling_findings(evidence, judge)
    findings += graded_findings(judge)
    findings += task_replacement_findings(evidence, judge)
    findings += recovery_finding(evidence, judge, outage)
    for dependency in dependencies:
        findings += fallback_finding(evidence, judge, dependency, outage)
    return findings
