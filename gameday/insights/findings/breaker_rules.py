"""Circuit breakers that did not protect: never opened, opened late, stuck open, or flapped.

The breaker's state per caller instance is read as the breaker scores read it
(:func:`gameday.scoring.breakers.state_changes`), from the same calls.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from gameday.evidence.bundle import RunEvidence
from gameday.insights.findings.model import Finding, Judge
from gameday.scoring.breakers import BreakerChange, state_changes
from gameday.scoring.dependency_calls import MIN_CALLS, calls_to
from gameday.scoring.text import count, percent, seconds
from gameday.scoring.windows import Window
from gameday.traces import Call, Caller

LATE_S = 15.0  # from the fault's start to the first open, beyond which a breaker opened late
STUCK_S = 10.0  # after the outage, an open breaker that has not closed by then is stuck
FLAPS = 4  # open/close changes of one breaker during the outage beyond which it flaps
FAILING = 0.5  # share of calls failing during the outage that should open any breaker


def breaker_findings(
    evidence: RunEvidence, judge: Judge, dependency: str, outage: Window
) -> Iterator[Finding]:
    calls = calls_to(evidence, dependency)
    during = [c for c in calls if c.start in outage]
    if len(during) < MIN_CALLS:
        return
    changes = [c for c in state_changes(calls) if c.t >= outage.start]
    opened = [c for c in changes if c.opened]
    subject = f"dependency:{dependency}"
    if not opened:
        yield from _never_opened(judge, dependency, during)
        return
    yield from _late(judge, dependency, outage, opened[0], during)
    yield from _stuck(evidence, judge, dependency, outage, changes)
    yield from _flapping(judge, subject, dependency, [c for c in changes if c.t < outage.end])


def _never_opened(judge: Judge, dependency: str, during: list[Call]) -> Iterator[Finding]:
    failed = [c for c in during if c.outcome == "failed"]
    score = judge.graded("breaker_time_to_open_s", f"dependency:{dependency}")
    sustained = len(failed) >= MIN_CALLS and len(failed) / len(during) >= FAILING
    if not judge.stands(score, by_default=sustained):
        return
    measured = (
        f"{count(len(failed))} of {count(len(during))} calls to {dependency} failed during the outage "
        f"({percent(len(failed) / len(during))}) and none was short-circuited"
    )
    yield judge.finding(
        score,
        measured,
        rule="breaker-never-opened",
        mechanism="circuit breaker",
        subject=f"dependency:{dependency}",
        title=f"no circuit breaker opened in front of {dependency}: every call waited on it while it failed",
        fix=(
            f"put a circuit breaker in front of {dependency} that opens after a few consecutive failures "
            "and answers with a fallback at once while open"
        ),
        traces=judge.links(sorted(failed, key=lambda c: -(c.latency_ms))),
    )


def _late(
    judge: Judge, dependency: str, outage: Window, first: BreakerChange, during: list[Call]
) -> Iterator[Finding]:
    took = first.t - outage.start
    score = judge.graded("breaker_time_to_open_s", f"dependency:{dependency}")
    if not judge.stands(score, by_default=took > LATE_S):
        return
    before = [c for c in during if c.start < first.t and c.outcome == "failed"]
    measured = (
        f"the first breaker in front of {dependency} opened {seconds(took)} after the fault began, "
        f"after {count(len(before))} failed calls"
    )
    yield judge.finding(
        score,
        measured,
        rule="breaker-opened-late",
        mechanism="circuit breaker",
        subject=f"dependency:{dependency}",
        title=f"the breaker in front of {dependency} opened late: users waited on failing calls first",
        fix=(
            "open on fewer consecutive failures or on a failure rate over a short window, and give each "
            "attempt a timeout near the dependency's normal p99 so failures are seen sooner"
        ),
        traces=judge.links([first.call, *before]),
    )


def _stuck(
    evidence: RunEvidence, judge: Judge, dependency: str, outage: Window, changes: list[BreakerChange]
) -> Iterator[Finding]:
    score = judge.graded("breaker_time_to_close_s", f"dependency:{dependency}")
    limit = STUCK_S if score is None or score.threshold is None else score.threshold
    state: dict[Caller, BreakerChange] = {}
    for change in changes:
        state[change.caller] = change
    calls_after = Counter(c.who for c in calls_to(evidence, dependency) if c.start >= outage.end + limit)
    stuck = [
        change
        for caller, change in state.items()
        if (change.opened and calls_after[caller])
        or (not change.opened and change.t - outage.end > limit and _opened_before(changes, change))
    ]
    if not judge.stands(score, by_default=bool(stuck)):
        return
    who = ", ".join(sorted({c.caller.label() for c in stuck})) or "a caller"
    measured = (
        f"the breaker of {who} in front of {dependency} was still open {seconds(limit)} after the outage"
    )
    yield judge.finding(
        score,
        measured,
        rule="breaker-stuck-open",
        mechanism="circuit breaker",
        subject=f"dependency:{dependency}",
        title=f"a breaker in front of {dependency} stayed open after {dependency} recovered",
        fix="after a reset timeout let one trial call through (half-open) and close when it succeeds",
        traces=judge.links(c.call for c in stuck),
    )


def _opened_before(changes: list[BreakerChange], close: BreakerChange) -> bool:
    return any(c.opened and c.caller == close.caller and c.t < close.t for c in changes)


def _flapping(judge: Judge, subject: str, dependency: str, changes: list[BreakerChange]) -> Iterator[Finding]:
    per_caller = Counter(c.caller for c in changes)
    busiest, most = per_caller.most_common(1)[0] if per_caller else (None, 0)
    score = judge.graded("breaker_flapping", subject)
    if busiest is None or not judge.stands(score, by_default=most > FLAPS):
        return
    measured = (
        f"the breaker of {busiest.label()} in front of {dependency} opened or closed {most} times "
        "during the outage"
    )
    yield judge.finding(
        score,
        measured,
        rule="breaker-flapped",
        mechanism="circuit breaker",
        subject=subject,
        title=f"the breaker in front of {dependency} flapped: it closed on a lucky call and opened again",
        fix="close only after several half-open trials succeed, or lengthen the reset timeout",
        traces=judge.links(c.call for c in changes if c.caller == busiest),
    )
