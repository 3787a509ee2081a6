"""Auto scaling, as the service's task counts show it: how soon it reacted to pressure, how soon
the new tasks ran, how soon it scaled back in, and whether it flapped.

The pressure starts at the trigger: the first second after the baseline in which the load's users
step up, or the first landed fault injection, whichever comes first. The ramp to the starting
users happens inside the baseline and is not a trigger. The pressure ends at the release: the
later of the last drop in users and the end of the last landed fault that ended inside the run. A
run whose load stepped up and never came down has no release: the service is right to keep the
extra tasks, so scaling in cannot be graded.

Desired counts come from the ``DesiredTaskCount`` metric, the series task recovery reads too. A
scaling activity recorded for the service also counts as the reaction: the policy may act a
metric period before the new count is published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from pydantic import Field

from gameday.durations import Seconds
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.faultspecs import NAME_PATTERN
from gameday.scoring.grading import Grading
from gameday.scoring.kind import ScoreKind
from gameday.scoring.recovery import find_recovery
from gameday.scoring.task_counts import TaskCount, task_counts
from gameday.scoring.text import count, seconds
from gameday.scoring.windows import Window, gap_note, run_window
from gameday.shared import Strict


class ScalingTimeExpectation(Strict):
    """Seconds the auto scaling of ``service`` may take, at most ``max``: from the trigger (the
    first step up of the load after the baseline or the first landed fault) to the first rise of
    its desired count (``scaling_reaction_s``); from that rise until running equals desired again
    (``scaling_completion_s``); from the release (the later of the last load drop and the end of
    the last fault) to the first fall of its desired count (``scale_in_s``)."""

    score: Literal["scaling_reaction_s", "scaling_completion_s", "scale_in_s"]
    service: str = Field(pattern=NAME_PATTERN)
    max: Seconds = Field(gt=0)


class ScalingFlappingExpectation(Strict):
    """The desired count of ``service`` may turn around (up then down, or down then up) at most
    ``max`` times over the run: one scale-out followed by one scale-in is one."""

    score: Literal["scaling_flapping"]
    service: str = Field(pattern=NAME_PATTERN)
    max: int = Field(ge=0)


@dataclass(frozen=True)
class Moment:
    """A point in the run and the words a why uses for it."""

    t: float
    label: str  # "the load stepped from 2 to 4 users"


def desired_changes(samples: list[TaskCount]) -> list[tuple[float, float]]:
    """(time, change) of every sample whose desired count differs from the sample before it."""
    return [(b.t, b.desired - a.desired) for a, b in pairwise(samples) if b.desired != a.desired]


def direction_changes(samples: list[TaskCount]) -> int:
    """How often the desired count turned around: one scale-out and one scale-in make one."""
    ups = [delta > 0 for _, delta in desired_changes(samples)]
    return sum(1 for a, b in pairwise(ups) if a != b)


def _user_steps(evidence: RunEvidence) -> list[tuple[Moment, int]]:
    """Every change of the load's users, with its size, in time order."""
    ordered = sorted(evidence.load_seconds, key=lambda s: s.t)
    return [
        (Moment(b.t, f"the load went from {a.users} to {b.users} users"), b.users - a.users)
        for a, b in pairwise(ordered)
        if b.users != a.users
    ]


def trigger(evidence: RunEvidence) -> Moment | str:
    """The start of the pressure (see the module docstring), or why there is none."""
    baseline_end = next((p.end for p in evidence.phases if p.name == "baseline"), evidence.started_at)
    step_up = [m for m, delta in _user_steps(evidence) if delta > 0 and m.t >= baseline_end][:1]
    injected = [
        Moment(f.injected_at, f"{f.id} was injected")
        for f in evidence.faults
        if f.landed and f.injected_at is not None and f.injected_at >= baseline_end
    ]
    if not step_up + injected:
        return "no step up of the load after the baseline and no landed fault, so nothing to react to"
    return min(step_up + injected, key=lambda m: m.t)


def release(evidence: RunEvidence, pressure: Moment) -> Moment | str:
    """The end of the pressure that began at ``pressure`` (see the module docstring), or why there is none."""
    steps = [(m, delta) for m, delta in _user_steps(evidence) if m.t >= pressure.t]
    if steps and steps[-1][1] > 0:
        return f"the run never drops the load after {steps[-1][0].label}"
    drops = [m for m, delta in steps if delta < 0][-1:]
    ended = [
        Moment(f.window_end, f"{f.id} ended")
        for f in evidence.faults
        if f.landed and f.injected_at is not None and pressure.t <= f.window_end < evidence.ended_at
    ]
    if not drops + ended:
        return "the run never drops the load nor ends a landed fault inside the run"
    return max(drops + ended, key=lambda m: m.t)


def score_scaling_time(expectation: ScalingTimeExpectation, evidence: RunEvidence) -> list[Score]:
    """Reaction, completion or scale-in time of the service's desired count, against ``max``."""
    grading = Grading(expectation.score, f"service:{expectation.service}", expectation.max, "<=", "s")
    pressure = trigger(evidence)
    if isinstance(pressure, str):
        return [grading.inconclusive(run_window(evidence), _with_gaps(pressure, evidence))]
    counts = task_counts(evidence.metrics, expectation.service)
    if expectation.score == "scaling_reaction_s":
        return [_reaction(grading, expectation, evidence, pressure, counts)]
    if not counts:
        why = f"no RunningTaskCount/DesiredTaskCount metrics for {expectation.service}"
        return [grading.inconclusive(run_window(evidence), _with_gaps(why, evidence))]
    if expectation.score == "scaling_completion_s":
        return [_completion(grading, expectation, evidence, pressure, counts)]
    return [_scale_in(grading, expectation, evidence, pressure, counts)]


def score_scaling_flapping(expectation: ScalingFlappingExpectation, evidence: RunEvidence) -> list[Score]:
    """Turnarounds of the service's desired count over the whole run, against ``max``."""
    service = expectation.service
    grading = Grading("scaling_flapping", f"service:{service}", expectation.max, "<=", "turnarounds")
    window = run_window(evidence)
    counts = task_counts(evidence.metrics, service)
    if not counts:
        why = f"no RunningTaskCount/DesiredTaskCount metrics for {service}"
        return [grading.inconclusive(window, _with_gaps(why, evidence))]
    turns = direction_changes(counts)
    path = " → ".join(f"{c.desired:g}" for c in _distinct_desired(counts))
    need = f"need ≤ {expectation.max:g}"
    why = f"desired count of {service} turned around {count(turns)} time(s) ({need}): {path}"
    gaps = gap_note(evidence, "metrics")
    if gaps:
        return [grading.inconclusive(window, f"{why}, but {gaps}", turns)]
    return [grading.judge(turns, window, why)]


def _reaction(
    grading: Grading,
    expectation: ScalingTimeExpectation,
    evidence: RunEvidence,
    pressure: Moment,
    counts: list[TaskCount],
) -> Score:
    service = expectation.service
    reactions = [
        Moment(t, f"desired count of {service} went up by {delta:g}")
        for t, delta in desired_changes(counts)
        if delta > 0 and t >= pressure.t
    ][:1]
    reactions += [
        Moment(a.t, f"scaling activity '{a.description}' began")
        for a in evidence.scaling
        if a.service == service and a.t >= pressure.t
    ][:1]
    if not counts and not reactions:
        why = f"no DesiredTaskCount metrics and no scaling activity for {service}"
        return grading.inconclusive(run_window(evidence), _with_gaps(why, evidence))
    if not reactions:
        return _not_reached(grading, evidence, pressure, counts, f"{service} never scaled out")
    reacted = min(reactions, key=lambda m: m.t)
    return _judge(grading, evidence, pressure, reacted)


@dataclass(frozen=True)
class ScaleOut:
    """The first rise of a service's desired count after the trigger, and when it ran that many."""

    start: Moment
    done: Moment | None  # None: the service never ran its raised desired count in the evidence
    samples: list[TaskCount]  # the task counts from ``start`` on


def scale_out(service: str, pressure: Moment, counts: list[TaskCount]) -> ScaleOut | None:
    """The scale-out that answered ``pressure``; None when the desired count never rose after it.

    It starts at the first rise of the desired count and takes in every further rise until the
    count first falls, so a scale-out in several steps is done when its last step runs: at the
    first sample from then on where running equals desired and holds (see :func:`find_recovery`).
    """
    changes = [(t, delta) for t, delta in desired_changes(counts) if t >= pressure.t]
    ups = [t for t, delta in changes if delta > 0]
    if not ups:
        return None
    start = Moment(ups[0], f"desired count of {service} went up")
    fall = next((t for t, delta in changes if delta < 0 and t > start.t), math.inf)
    last_up = max(t for t in ups if t < fall)
    after = [c for c in counts if c.t >= start.t]
    last_step = [c for c in after if c.t >= last_up]
    found = find_recovery(last_step)
    if found.dipped_at is None:  # the new tasks ran before the next sample could show them missing
        at = last_step[0]
        return ScaleOut(start, Moment(at.t, f"{at.running:g} of {at.desired:g} ran"), after)
    if found.recovered is None:
        return ScaleOut(start, None, after)
    back = found.recovered
    return ScaleOut(start, Moment(back.t, f"{back.running:g} of {back.desired:g} ran"), after)


def _completion(
    grading: Grading,
    expectation: ScalingTimeExpectation,
    evidence: RunEvidence,
    pressure: Moment,
    counts: list[TaskCount],
) -> Score:
    service = expectation.service
    scaled = scale_out(service, pressure, counts)
    if scaled is None:
        why = f"desired count of {service} never went up after {pressure.label}, so no scale-out to complete"
        return grading.inconclusive(Window(pressure.t, evidence.ended_at, "after the trigger"), why)
    if scaled.done is None:
        what = f"{service} never ran its desired count"
        return _not_reached(grading, evidence, scaled.start, scaled.samples, what)
    return _judge(grading, evidence, scaled.start, scaled.done)


def _scale_in(
    grading: Grading,
    expectation: ScalingTimeExpectation,
    evidence: RunEvidence,
    pressure: Moment,
    counts: list[TaskCount],
) -> Score:
    service = expectation.service
    released = release(evidence, pressure)
    if isinstance(released, str):
        return grading.inconclusive(Window(pressure.t, evidence.ended_at, "after the trigger"), released)
    if not any(delta > 0 for _, delta in desired_changes(counts)):
        why = f"desired count of {service} never went up, so there is nothing to scale in"
        return grading.inconclusive(run_window(evidence), _with_gaps(why, evidence))
    downs = [
        Moment(t, f"desired count of {service} went down by {-delta:g}")
        for t, delta in desired_changes(counts)
        if delta < 0 and t >= released.t
    ]
    if not downs:
        return _not_reached(grading, evidence, released, counts, f"{service} never scaled in")
    return _judge(grading, evidence, released, downs[0])


def _judge(grading: Grading, evidence: RunEvidence, start: Moment, end: Moment) -> Score:
    took = end.t - start.t
    why = f"{end.label} {seconds(took)} after {start.label} (need ≤ {seconds(grading.threshold)})"
    window = Window(start.t, end.t, f"after {start.label}")
    gaps = _gaps(evidence)
    if gaps:
        return grading.inconclusive(window, f"{why}, but {gaps}", took)
    return grading.judge(took, window, why)


def _not_reached(
    grading: Grading, evidence: RunEvidence, start: Moment, counts: list[TaskCount], what: str
) -> Score:
    """FAIL once the evidence covers the allowed time; before that, or with gaps, INCONCLUSIVE."""
    end = max([evidence.ended_at] + [c.t for c in counts])
    observed = end - start.t
    window = Window(start.t, end, f"after {start.label}")
    state = f"{what} in the {seconds(observed)} after {start.label}"
    gaps = _gaps(evidence)
    if gaps or observed < grading.threshold:
        reason = gaps or f"the evidence ends before the {seconds(grading.threshold)} allowed"
        return grading.inconclusive(window, f"{state}: {reason}")
    return grading.fail(window, f"{state} (need ≤ {seconds(grading.threshold)})")


def _distinct_desired(counts: list[TaskCount]) -> list[TaskCount]:
    return counts[:1] + [b for a, b in pairwise(counts) if a.desired != b.desired]


def _gaps(evidence: RunEvidence) -> str | None:
    notes = [n for n in (gap_note(evidence, s) for s in ("metrics", "load_seconds")) if n]
    return "; ".join(notes) or None


def _with_gaps(why: str, evidence: RunEvidence) -> str:
    gaps = _gaps(evidence)
    return f"{why}; {gaps}" if gaps else why


SCALING_TIME = ScoreKind(ScalingTimeExpectation, score_scaling_time)
SCALING_FLAPPING = ScoreKind(ScalingFlappingExpectation, score_scaling_flapping)
