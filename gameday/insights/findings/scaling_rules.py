"""Auto scaling that did not carry the load: a scale-out that came slowly or not at all.

Where the scenario grades scaling time, the scores decide. Otherwise the evidence speaks only when
it shows a scaling policy at work: an activity that could not add tasks (at its maximum, failed,
unfulfilled), or a desired count that rose while running tasks took more than ``SLOW_S`` to follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Literal

from gameday.evidence.bundle import RunEvidence
from gameday.insights.findings.model import Finding, Judge
from gameday.scoring.task_counts import services_with_task_counts, task_counts
from gameday.scoring.text import seconds

SLOW_S = 60.0  # from a rise of the desired count until as many tasks run
SCALING_TIMES = ("scaling_reaction_s", "scaling_completion_s")
BLOCKED = ("Failed", "Unfulfilled")


def scaling_findings(evidence: RunEvidence, judge: Judge) -> Iterator[Finding]:
    graded = {s.subject.removeprefix("service:") for s in judge.scores if s.name in SCALING_TIMES}
    seen = {a.service for a in evidence.scaling} | set(services_with_task_counts(evidence.metrics))
    for service in sorted(graded | seen):
        found = _graded(judge, service) if service in graded else _observed(evidence, service)
        if found is not None:
            yield found


def _graded(judge: Judge, service: str) -> Finding | None:
    for name in SCALING_TIMES:
        score = judge.graded(name, f"service:{service}")
        if score is not None and judge.stands(score, by_default=False):
            missing = name == "scaling_reaction_s" and score.value is None
            return _finding(
                service, "missing" if missing else "slow", score.why, f"{score.name}[{score.subject}]"
            )
    return None


def _observed(evidence: RunEvidence, service: str) -> Finding | None:
    blocked = [a for a in evidence.scaling if a.service == service and (a.not_scaled or a.status in BLOCKED)]
    if blocked:
        reasons = "; ".join(
            f"{a.status}: {a.description}" + (f" ({', '.join(a.not_scaled)})" if a.not_scaled else "")
            for a in blocked[:3]
        )
        return _finding(
            service, "missing", f"{len(blocked)} scaling activities added no task: {reasons}", None
        )
    counts = task_counts(evidence.metrics, service)
    for before, after in pairwise(counts):
        if after.desired <= before.desired:
            continue
        caught_up = next((c.t for c in counts if c.t >= after.t and c.running >= after.desired), None)
        took = (caught_up if caught_up is not None else evidence.ended_at) - after.t
        if took > SLOW_S:
            never = "" if caught_up is not None else " (and never did in the run)"
            at = after.t - evidence.started_at
            effect = (
                f"the desired count of {service} rose to {after.desired:g} at +{at:.1f} s; "
                f"running tasks took {seconds(took)} to follow{never}"
            )
            return _finding(service, "slow", effect, None)
    return None


def _finding(service: str, how: Literal["slow", "missing"], effect: str, explains: str | None) -> Finding:
    title = (
        f"{service} did not scale out when it needed to"
        if how == "missing"
        else f"{service} scaled out too slowly to carry the load"
    )
    return Finding(
        rule=f"scale-out-{how}",
        mechanism="auto scaling",
        subject=f"service:{service}",
        title=title,
        effect=effect,
        fix=(
            "scale on a metric that leads the load (requests per target, queue backlog per task) over "
            "a short period, shorten the scale-out cooldown, raise the maximum capacity where it "
            "capped, and keep task start-up fast"
        ),
        score=explains,
    )
