"""Findings for failed mechanism scores that no rule over the raw evidence covers.

A failed ``retry_masking`` or ``breaker_shed`` already says what went wrong and measured it; the
team still needs the mechanism named and a fix. These findings speak only for a FAIL, in the
score's own words, so they cannot disagree with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from gameday.evidence.records import Verdict
from gameday.insights.findings.model import Finding, Judge, Mechanism


@dataclass(frozen=True)
class GradedRule:
    rule: str
    mechanism: Mechanism
    title: str  # {name}: the score's subject without its kind ("catalog", "bff")
    fix: str


GRADED_RULES = {
    "retry_masking": GradedRule(
        "retries-not-masking",
        "retries",
        "retries did not hide {name}'s failures from callers",
        "retry the failures that are safe to retry (5xx, throttling, timeouts of idempotent calls) a "
        "bounded number of times, with backoff and jitter",
    ),
    "breaker_shed": GradedRule(
        "breaker-shed-too-little",
        "circuit breaker",
        "the breaker in front of {name} let most calls through during the outage",
        "open on a failure rate over a short window and stay open for a reset timeout before one trial call",
    ),
    "breaker_fast_fail_ms": GradedRule(
        "slow-failure",
        "circuit breaker",
        "calls to {name} failed slowly: callers waited for every failure",
        "give each attempt a timeout near the dependency's normal p99, and short-circuit while open",
    ),
    "scale_in_s": GradedRule(
        "scale-in-slow",
        "auto scaling",
        "{name} kept its extra tasks long after the pressure ended",
        "shorten the scale-in cooldown and the alarm's evaluation periods for scaling in",
    ),
    "scaling_flapping": GradedRule(
        "scaling-flapped",
        "auto scaling",
        "{name}'s desired count went up and down while the pressure lasted",
        "lengthen the scale-in cooldown, or track a target with more headroom",
    ),
    "slo_during_scaling": GradedRule(
        "slo-missed-while-scaling",
        "auto scaling",
        "users were hurt while {name} scaled",
        "scale out earlier (a lower target or a leading metric) and keep new tasks out of the load "
        "balancer until they pass health checks",
    ),
}


def graded_findings(judge: Judge) -> Iterator[Finding]:
    for score in judge.scores:
        rule = GRADED_RULES.get(score.name)
        if rule is None or score.verdict is not Verdict.FAIL:
            continue
        yield Finding(
            rule=rule.rule,
            mechanism=rule.mechanism,
            subject=score.subject,
            title=rule.title.format(name=score.subject.split(":", 1)[-1]),
            effect=score.why,
            fix=rule.fix,
            score=f"{score.name}[{score.subject}]",
        )
