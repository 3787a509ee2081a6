"""Retries that hurt: no backoff or no jitter, and more attempts than the fault's errors justify.

Both are judged on the calls sent during the outage (short-circuited calls sent nothing), the
same calls the retry scores grade.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator

from gameday.evidence.bundle import RunEvidence
from gameday.insights.findings.model import Finding, Judge
from gameday.scoring.dependency_calls import MIN_CALLS, calls_to
from gameday.scoring.retries import RetryBackoffExpectation, gaps_by_rank, growth, spread
from gameday.scoring.text import count, percent
from gameday.scoring.windows import Window
from gameday.traces import Call

MIN_GROWTH = RetryBackoffExpectation.model_fields["min_growth"].default
MIN_SPREAD = RetryBackoffExpectation.model_fields["min_spread"].default
RETRIES_PER_FAILURE = 2
"""Retries a failed call may make before it counts as amplification: three attempts in all, the
cap most retry guidance gives (and what the X-Ray and AWS SDKs default to, give or take one)."""


def sent_calls(evidence: RunEvidence, dependency: str, outage: Window) -> list[Call]:
    """Calls to ``dependency`` sent during the outage with every attempt known."""
    return [
        c
        for c in calls_to(evidence, dependency)
        if c.start in outage and c.attempts and not c.short_circuited and c.retries_seen
    ]


def retry_findings(evidence: RunEvidence, judge: Judge, dependency: str, outage: Window) -> Iterator[Finding]:
    calls = sent_calls(evidence, dependency, outage)
    if len(calls) < MIN_CALLS:
        return
    yield from _backoff(calls, judge, dependency)
    yield from _amplification(calls, judge, dependency)


def _backoff(calls: list[Call], judge: Judge, dependency: str) -> Iterator[Finding]:
    ranks = gaps_by_rank(calls)
    grew, varied = growth(ranks), spread(ranks)
    score = judge.graded("retry_backoff", f"dependency:{dependency}")
    flat = grew is not None and grew < MIN_GROWTH
    same = varied is not None and varied < MIN_SPREAD
    if not judge.stands(score, by_default=flat or same):
        return
    gaps = ", ".join(f"{statistics.fmean(ranks[r]):.2f} s" for r in sorted(ranks))
    retried = [c for c in calls if len(c.attempts) >= 2]
    measured = (
        f"gaps before retries 1, 2 … to {dependency} averaged {gaps} during the outage "
        f"(growth {grew:.2f}x per retry, spread {varied:.2f})"
        if grew is not None and varied is not None
        else f"{count(len(retried))} calls to {dependency} were retried"
    )
    lacking = " and ".join(w for w, missing in (("backoff", flat), ("jitter", same)) if missing) or "backoff"
    yield judge.finding(
        score,
        measured,
        rule="retries-without-backoff",
        mechanism="retries",
        subject=f"dependency:{dependency}",
        title=f"retries to {dependency} without {lacking}: callers retry in step",
        fix=(
            "wait exponentially longer before each retry, with full jitter (for example tenacity's "
            "wait_random_exponential, or the AWS SDKs' standard retry mode), so callers do not hit a "
            "struggling dependency together"
        ),
        traces=judge.links(sorted(retried, key=lambda c: -len(c.attempts))),
    )


def _amplification(calls: list[Call], judge: Judge, dependency: str) -> Iterator[Finding]:
    attempts = sum(len(c.attempts) for c in calls)
    per_call = attempts / len(calls)
    error_rate = sum(1 for c in calls if c.attempts[0].failed) / len(calls)
    allowed = 1 + RETRIES_PER_FAILURE * error_rate
    score = judge.graded("retry_amplification", f"dependency:{dependency}")
    if not judge.stands(score, by_default=per_call > allowed + 1e-9):
        return
    measured = (
        f"{count(attempts)} attempts for {count(len(calls))} calls to {dependency} during the outage: "
        f"{per_call:.2f} per call while the fault failed {percent(error_rate)} of first attempts "
        f"({RETRIES_PER_FAILURE} retries per failed call would make {allowed:.2f})"
    )
    yield judge.finding(
        score,
        measured,
        rule="retry-amplification",
        mechanism="retries",
        subject=f"dependency:{dependency}",
        title=f"retries multiplied the load on {dependency} {per_call:.1f}x while it was failing",
        fix=(
            f"cap attempts per call (three is common) and give retries a budget (for example at most "
            f"10% of calls), and let a circuit breaker stop calls to {dependency} while it fails"
        ),
        traces=judge.links(sorted(calls, key=lambda c: -len(c.attempts))),
    )
