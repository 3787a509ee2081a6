"""Retries, as the traces show them: did they hide failures, multiply load, and back off?

A retry policy earns its keep when a failed first attempt still ends in success (masking), costs
load on a dependency that is already failing (amplification: a storm when unbounded), and must
wait longer and longer, at random, between attempts so callers do not stampede the dependency in
step (backoff with jitter). Short-circuited calls sent nothing and are left out.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from typing import Literal

from pydantic import Field

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.scoring.dependency_calls import Measured, grade_calls
from gameday.scoring.grading import Grading
from gameday.scoring.kind import ScoreKind
from gameday.scoring.text import count, percent
from gameday.scoring.windows import Window, phase_window
from gameday.shared import GradedPhase, Strict
from gameday.traces import Call
from gameday.traces.dependencies import DependencyName


class RetryMaskingExpectation(Strict):
    """Of the calls to ``dependency`` whose first attempt failed in a phase (the fault, by
    default), at least the share ``min`` must still have succeeded thanks to a retry."""

    score: Literal["retry_masking"]
    dependency: DependencyName
    phase: GradedPhase = "fault"
    min: float = Field(ge=0, le=1)


class RetryAmplificationExpectation(Strict):
    """Attempts per admitted call to ``dependency`` in a phase must be at most ``max``: more is a
    retry storm that multiplies the load on a dependency that is already failing."""

    score: Literal["retry_amplification"]
    dependency: DependencyName
    phase: GradedPhase = "fault"
    max: float = Field(ge=1)


class RetryBackoffExpectation(Strict):
    """Gaps between a call's attempts must grow (mean gap before retry n+1 over the one before
    retry n at least ``min_growth``) and be jittered (spread at least ``min_spread``)."""

    score: Literal["retry_backoff"]
    dependency: DependencyName
    phase: GradedPhase = "fault"
    min_growth: float = Field(default=1.2, gt=0)
    min_spread: float = Field(default=0.1, ge=0, description="coefficient of variation of same-rank gaps")


def _admitted(calls: list[Call]) -> list[Call]:
    """Calls that were sent and whose every attempt is known."""
    return [c for c in calls if c.attempts and not c.short_circuited and c.retries_seen]


def _retries_unseen(calls: list[Call], dependency: str, window: Window) -> Measured | None:
    """INCONCLUSIVE when every sent call is an AWS SDK call whose retries the SDK did not record.

    The X-Ray SDK for Python records one subsegment per botocore call with the last answer only,
    and no ``aws.retries``: a call botocore retried twice looks like one attempt.
    """
    sent = [c for c in calls if c.attempts and not c.short_circuited]
    if not sent or any(c.retries_seen for c in sent):
        return None
    why = (
        f"the {count(len(sent))} calls to {dependency} {window.label} are AWS SDK calls that record "
        "no retry count (aws.retries), so whether they were retried cannot be seen"
    )
    return Measured(None, why, "inconclusive")


def score_retry_masking(expectation: RetryMaskingExpectation, evidence: RunEvidence) -> list[Score]:
    """Share of calls whose first attempt failed that still succeeded, against ``min``."""
    dependency = expectation.dependency

    def measure(calls: list[Call], window: Window) -> Measured:
        unseen = _retries_unseen(calls, dependency, window)
        if unseen is not None:
            return unseen
        rescued = [c for c in _admitted(calls) if c.attempts[0].failed]
        if not rescued:
            return Measured(
                None, f"no call to {dependency} had a failed first attempt {window.label}", "inconclusive"
            )
        share = sum(1 for c in rescued if c.outcome == "ok") / len(rescued)
        why = f"{percent(share)} of {count(len(rescued))} calls to {dependency} with a failed first attempt"
        return Measured(share, f"{why} succeeded {window.label}")

    grading = Grading("retry_masking", f"dependency:{dependency}", expectation.min, ">=", "ratio")
    return grade_calls(grading, evidence, dependency, phase_window(evidence, expectation.phase), measure)


def score_retry_amplification(
    expectation: RetryAmplificationExpectation, evidence: RunEvidence
) -> list[Score]:
    """Attempts per admitted call, against ``max``."""
    dependency = expectation.dependency

    def measure(calls: list[Call], window: Window) -> Measured:
        unseen = _retries_unseen(calls, dependency, window)
        if unseen is not None:
            return unseen
        admitted = _admitted(calls)
        if not admitted:
            return Measured(
                None, f"every call to {dependency} was short-circuited {window.label}", "inconclusive"
            )
        attempts = sum(len(c.attempts) for c in admitted)
        ratio = attempts / len(admitted)
        why = f"{count(attempts)} attempts for {count(len(admitted))} calls to {dependency} {window.label}"
        return Measured(ratio, f"{why}: {ratio:.2f} per call")

    grading = Grading(
        "retry_amplification", f"dependency:{dependency}", expectation.max, "<=", "attempts/call"
    )
    return grade_calls(grading, evidence, dependency, phase_window(evidence, expectation.phase), measure)


def gaps_by_rank(calls: list[Call]) -> dict[int, list[float]]:
    """Seconds waited before each retry, grouped by retry number (1 = before the second attempt);
    calls whose attempts are known by count only (``aws.retries``) have no gaps to give."""
    ranks: dict[int, list[float]] = defaultdict(list)
    for call in calls:
        if not call.attempts_timed:
            continue
        for rank, (before, after) in enumerate(zip(call.attempts, call.attempts[1:], strict=False), start=1):
            if before.end is not None:
                ranks[rank].append(max(0.0, after.start - before.end))
    return dict(ranks)


def growth(ranks: dict[int, list[float]]) -> float | None:
    """Geometric mean over consecutive retries of (mean gap n+1) / (mean gap n); None without two
    ranks. Equal gaps give 1 (zero gaps too: no growth), doubling backoff 2."""
    ratios = [
        _ratio(statistics.fmean(ranks[r + 1]), statistics.fmean(ranks[r])) for r in ranks if r + 1 in ranks
    ]
    return math.prod(ratios) ** (1 / len(ratios)) if ratios else None


def _ratio(later: float, earlier: float) -> float:
    if later == earlier:
        return 1.0
    return later / earlier if earlier > 0 else math.inf


def spread(ranks: dict[int, list[float]]) -> float | None:
    """Mean coefficient of variation of the gaps of the same retry number: 0 when all are equal
    (no jitter); None without two gaps of one rank to compare."""
    variations = [
        statistics.pstdev(gaps) / statistics.fmean(gaps) if statistics.fmean(gaps) > 0 else 0.0
        for gaps in ranks.values()
        if len(gaps) >= 2
    ]
    return statistics.fmean(variations) if variations else None


def score_retry_backoff(expectation: RetryBackoffExpectation, evidence: RunEvidence) -> list[Score]:
    """Gaps between attempts grow by at least ``min_growth`` and spread by at least ``min_spread``."""
    dependency = expectation.dependency

    def measure(calls: list[Call], window: Window) -> Measured:
        unseen = _retries_unseen(calls, dependency, window)
        if unseen is not None:
            return unseen
        admitted = _admitted(calls)
        ranks = gaps_by_rank(admitted)
        grew, varied = growth(ranks), spread(ranks)
        if grew is None or varied is None:
            counted = sum(1 for c in admitted if len(c.attempts) >= 3 and not c.attempts_timed)
            why = (
                f"too few retries to {dependency} {window.label} to compare gaps (need calls with 3 attempts)"
            )
            if counted:
                why += f"; {count(counted)} calls record their retries as a count (aws.retries), not as times"
            return Measured(grew, why, "inconclusive")
        retries = sum(len(g) for g in ranks.values())
        why = (
            f"{count(retries)} gaps between attempts to {dependency} {window.label} grew {grew:.2f}x "
            f"per retry with spread {varied:.2f} (need spread ≥ {expectation.min_spread:g})"
        )
        return Measured(grew, why, "judge" if varied >= expectation.min_spread else "fail")

    grading = Grading("retry_backoff", f"dependency:{dependency}", expectation.min_growth, ">=", "x")
    return grade_calls(grading, evidence, dependency, phase_window(evidence, expectation.phase), measure)


RETRY_MASKING = ScoreKind(RetryMaskingExpectation, score_retry_masking)
RETRY_AMPLIFICATION = ScoreKind(RetryAmplificationExpectation, score_retry_amplification)
RETRY_BACKOFF = ScoreKind(RetryBackoffExpectation, score_retry_backoff)
