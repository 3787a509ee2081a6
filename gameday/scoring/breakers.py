"""Circuit breakers, as the traces show them: how soon they opened, how much they shed, how fast
failing was, how soon they closed, and whether they flapped.

The breaker's state is read from what callers did, in start order: a short-circuited call means
it was open; a call that was sent and succeeded after that means it had closed again. Failed
half-open trials change nothing, so a breaker probing a dead dependency every few seconds is not
counted as flapping. The outage is what the faults really did (injection to revert).

Every instance of a caller (a task, container or host, when its segments say which) has breakers
of its own, so closing and flapping are judged per instance: a task started during the outage has
a closed breaker that never saw it, and its successes must not hide an old task's breaker that
stays open.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from gameday.durations import Seconds
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.evidence.stats import percentile
from gameday.scoring.dependency_calls import Measured, after_outage, calls_to, grade_calls, outage_window
from gameday.scoring.grading import Grading
from gameday.scoring.kind import ScoreKind
from gameday.scoring.text import count, milliseconds, percent, seconds
from gameday.scoring.windows import Window, run_window
from gameday.shared import Strict
from gameday.traces import Call, Caller
from gameday.traces.dependencies import DependencyName


class BreakerTimeExpectation(Strict):
    """Seconds from the fault's start until the breaker in front of ``dependency`` opens, or from
    its end until calls succeed again, must be at most ``max``."""

    score: Literal["breaker_time_to_open_s", "breaker_time_to_close_s"]
    dependency: DependencyName
    max: Seconds = Field(ge=0)


class BreakerShedExpectation(Strict):
    """During the outage at least the share ``min`` of calls to ``dependency`` must be shed."""

    score: Literal["breaker_shed"]
    dependency: DependencyName
    min: float = Field(ge=0, le=1)


class BreakerLimitExpectation(Strict):
    """During the outage, ``breaker_fast_fail_ms`` (p95 milliseconds of failed or shed calls to
    ``dependency``) or ``breaker_flapping`` (open/close transitions) must be at most ``max``."""

    score: Literal["breaker_fast_fail_ms", "breaker_flapping"]
    dependency: DependencyName
    max: float = Field(ge=0)


def by_instance(calls: list[Call]) -> dict[Caller, list[Call]]:
    """The calls (kept in start order) of each caller instance."""
    grouped: dict[Caller, list[Call]] = {}
    for call in calls:
        grouped.setdefault(call.who, []).append(call)
    return grouped


def merged(callers: list[Caller]) -> str | None:
    """Why breakers of these callers' instances may be judged together, or None when each
    instance is told apart: segments that name no instance, or only a container name every task
    of the service shares (the ADOT exporter's ``aws.ecs.container``)."""
    blurred = sorted({c.name for c in callers if not c.distinct})
    if not blurred:
        return None
    names = ", ".join(blurred)
    return (
        f"the segments of {names} do not tell its tasks apart (no task ARN, container id, pod, "
        "instance id or host name), so the breakers of several tasks are judged as one"
    )


@dataclass(frozen=True)
class BreakerChange:
    """A breaker of one caller instance opening (its first short-circuited call) or closing (the
    first call sent and answered after that), with the call that shows it."""

    caller: Caller
    opened: bool
    call: Call

    @property
    def t(self) -> float:
        """When the change shows: the refused call's start, or the end of the call that succeeded."""
        return self.call.start if self.opened or self.call.end is None else self.call.end


def state_changes(calls: list[Call]) -> list[BreakerChange]:
    """Every open and close of each caller instance's breaker in front of the calls (ordered by
    start), in time order."""
    changes = []
    for instance, mine in by_instance(calls).items():
        is_open = False
        for call in mine:
            if call.short_circuited != is_open and (call.short_circuited or call.outcome == "ok"):
                is_open = not is_open
                changes.append(BreakerChange(instance, is_open, call))
    return sorted(changes, key=lambda change: change.t)


def transitions(calls: list[Call]) -> int:
    """Open/close transitions of the busiest-changing breaker in front of the calls (ordered by start)."""
    per_instance = Counter(change.caller for change in state_changes(calls))
    return max(per_instance.values(), default=0)


def score_breaker_time(expectation: BreakerTimeExpectation, evidence: RunEvidence) -> list[Score]:
    """Fault start → first short-circuited call, or fault end → first success once it opened, against ``max``.

    Both look past the outage's end: a breaker that opens only after the fault was reverted (its
    callers were still stuck on the broken dependency) opened late, it did not fail to open.
    """
    grading = Grading(expectation.score, f"dependency:{expectation.dependency}", expectation.max, "<=", "s")
    outage = outage_window(evidence)
    if isinstance(outage, str):
        return [grading.inconclusive(run_window(evidence), outage)]
    if expectation.score == "breaker_time_to_open_s":
        return _time_to_open(grading, evidence, expectation.dependency, outage)
    return _time_to_close(grading, evidence, expectation.dependency, outage)


def _time_to_open(grading: Grading, evidence: RunEvidence, dependency: str, outage: Window) -> list[Score]:
    def measure(calls: list[Call], window: Window) -> Measured:
        shed = next((c for c in calls if c.short_circuited), None)
        if shed is not None:
            took = shed.start - window.start
            late = " (after the outage had ended)" if shed.start >= outage.end else ""
            return Measured(
                took, f"the first call to {dependency} was short-circuited {seconds(took)} in{late}"
            )
        if not any(c.outcome == "failed" for c in calls):
            return Measured(None, f"no call to {dependency} failed {window.label}", "inconclusive")
        failed = f"{count(len(calls))} calls to {dependency} {window.label}, none short-circuited"
        return Measured(None, f"{failed}: the breaker never opened", "fail")

    since = Window(outage.start, max(outage.start, evidence.ended_at), "since the fault began")
    return grade_calls(grading, evidence, dependency, since, measure)


def _time_to_close(grading: Grading, evidence: RunEvidence, dependency: str, outage: Window) -> list[Score]:
    """Fault end → the first success of the last caller instance whose breaker had opened.

    An instance that opened and then made no call after the outage (stopped, scaled in, idle) has
    nothing to judge; one that kept calling without a success has a breaker still open.
    """
    opened: dict[Caller, float] = {}
    for call in calls_to(evidence, dependency):
        if call.short_circuited and call.start >= outage.start:
            opened.setdefault(call.who, call.start)
    limit = grading.threshold

    def measure(calls: list[Call], window: Window) -> Measured:
        if not opened:
            why = (
                f"no call to {dependency} was short-circuited during the outage, so there is no close to time"
            )
            return Measured(None, why, "inconclusive")
        after = by_instance(calls)
        closed: list[float] = []
        stuck: list[Caller] = []
        for instance, since in opened.items():
            mine = after.get(instance, [])
            ok = min(
                (c.end for c in mine if c.outcome == "ok" and c.end is not None and c.start >= since),
                default=None,
            )
            if ok is not None:
                closed.append(ok - window.start)
            elif mine:
                stuck.append(instance)
        watched = window.end - window.start
        if stuck:
            who = _callers(stuck, len(opened))
            why = f"no call to {dependency} from {who} succeeded in the {seconds(watched)} after the outage"
            return Measured(None, why, "fail" if watched >= limit else "inconclusive")
        if not closed:
            why = (
                f"no caller whose breaker opened called {dependency} in the {seconds(watched)} "
                "after the outage"
            )
            return Measured(None, why, "inconclusive")
        took = max(closed)
        last = "" if len(closed) == 1 else f" from the last of {len(closed)} callers whose breaker opened"
        why = f"a call to {dependency}{last} succeeded again {seconds(took)} after the outage"
        blurred = merged(list(opened))
        if blurred is not None and took <= limit:  # a merged close is the earliest, never too late
            return Measured(took, f"{why}, but {blurred}", "inconclusive")
        return Measured(took, why)

    return grade_calls(grading, evidence, dependency, after_outage(evidence, outage), measure)


def _callers(instances: list[Caller], opened: int) -> str:
    """``bff (task-3)`` or ``2 of 3 callers whose breaker opened: bff (task-1), bff (task-2)``."""
    names = ", ".join(caller.label() for caller in instances)
    return names if opened == 1 else f"{len(instances)} of {opened} callers whose breaker opened: {names}"


def score_breaker_shed(expectation: BreakerShedExpectation, evidence: RunEvidence) -> list[Score]:
    """Share of calls short-circuited during the outage, against ``min``."""
    dependency = expectation.dependency

    def measure(calls: list[Call], window: Window) -> Measured:
        share = sum(1 for c in calls if c.short_circuited) / len(calls)
        return Measured(
            share, f"{percent(share)} of {count(len(calls))} calls to {dependency} shed {window.label}"
        )

    grading = Grading("breaker_shed", f"dependency:{dependency}", expectation.min, ">=", "ratio")
    return grade_calls(grading, evidence, dependency, outage_window(evidence), measure)


def score_breaker_limit(expectation: BreakerLimitExpectation, evidence: RunEvidence) -> list[Score]:
    """p95 latency of failed or shed calls, or open/close transitions, during the outage against ``max``."""
    dependency = expectation.dependency
    if expectation.score == "breaker_fast_fail_ms":

        def measure(calls: list[Call], window: Window) -> Measured:
            failing = [c.latency_ms for c in calls if c.outcome in ("failed", "short_circuit")]
            if not failing:
                return Measured(
                    None, f"no call to {dependency} failed or was shed {window.label}", "inconclusive"
                )
            p95 = percentile(failing, 95)
            why = f"p95 of {count(len(failing))} failed or shed calls to {dependency} {window.label} was"
            return Measured(p95, f"{why} {milliseconds(p95)}")

        grading = Grading("breaker_fast_fail_ms", f"dependency:{dependency}", expectation.max, "<=", "ms")
    else:

        def measure(calls: list[Call], window: Window) -> Measured:
            changes = transitions(calls)
            why = (
                f"the breaker in front of {dependency} opened or closed {count(changes)} times {window.label}"
            )
            blurred = merged([c.who for c in calls])
            if blurred is not None and changes > expectation.max:  # merging adds changes, never hides them
                return Measured(float(changes), f"{why}, but {blurred}", "inconclusive")
            return Measured(float(changes), why)

        grading = Grading(
            "breaker_flapping", f"dependency:{dependency}", expectation.max, "<=", "transitions"
        )
    return grade_calls(grading, evidence, dependency, outage_window(evidence), measure)


BREAKER_TIME = ScoreKind(BreakerTimeExpectation, score_breaker_time)
BREAKER_SHED = ScoreKind(BreakerShedExpectation, score_breaker_shed)
BREAKER_LIMIT = ScoreKind(BreakerLimitExpectation, score_breaker_limit)
