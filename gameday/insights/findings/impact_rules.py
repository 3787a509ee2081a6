"""What users kept feeling: a recovery longer than the fault, stopped tasks replaced late, and a
dependency with no fallback."""

from __future__ import annotations

from collections.abc import Iterator

from gameday.evidence.bundle import RunEvidence
from gameday.insights.findings.model import Finding, Judge
from gameday.scoring.dependency_calls import MIN_CALLS, calls_to, trace_reading
from gameday.scoring.recovery import find_recovery
from gameday.scoring.steady_state import RecoveryTimeExpectation, first_recovered
from gameday.scoring.task_counts import task_counts
from gameday.scoring.text import count, percent, seconds
from gameday.scoring.windows import Window, requests_in

RECOVERED = RecoveryTimeExpectation.model_fields["min"].default  # availability that counts as recovered
RECOVERY_WINDOW_S = RecoveryTimeExpectation.model_fields["window"].default
NO_FALLBACK = 0.9  # share of failed or refused calls whose request failed too


def recovery_finding(evidence: RunEvidence, judge: Judge, outage: Window) -> Iterator[Finding]:
    """Users were served as promised again later after the fault ended than the fault lasted."""
    lasted = outage.end - outage.start
    score = judge.graded("time_to_recover_s", "phase:recovery")
    requests = requests_in(evidence.requests, Window(outage.end, evidence.ended_at, "after the outage"))
    back = first_recovered(requests, RECOVERY_WINDOW_S, RECOVERED, evidence.ended_at) if requests else None
    watched = evidence.ended_at - outage.end
    took = (back - outage.end) if back is not None else None
    longer = (took is not None and took > lasted) or (took is None and requests != [] and watched > lasted)
    if not judge.stands(score, by_default=longer):
        return
    measured = (
        f"availability over {seconds(RECOVERY_WINDOW_S)} was back to {percent(RECOVERED)} "
        f"{seconds(took)} after a {seconds(lasted)} fault"
        if took is not None
        else f"availability never got back to {percent(RECOVERED)} in the {seconds(watched)} after a "
        f"{seconds(lasted)} fault"
    )
    yield judge.finding(
        score,
        measured,
        rule="recovery-longer-than-fault",
        mechanism="recovery",
        subject="phase:recovery",
        title="users were hurt longer after the fault than during it",
        fix=(
            "look at the timeline for what held recovery back: breakers still open, replacement tasks "
            "slow to start or pass health checks, a backlog to drain, or caches to warm"
        ),
    )


def fallback_finding(
    evidence: RunEvidence, judge: Judge, dependency: str, outage: Window
) -> Iterator[Finding]:
    """Nearly every request whose call to ``dependency`` its breaker refused failed too.

    A refused call is where the caller chose what to answer without the dependency: that is a
    fallback's moment. Calls that failed after their retries are left out: answering those with an
    error is what the caller's breaker is for, and a breaker that never opened is its own finding.
    """
    served = {(r.trace_id, r.caller.name): r for r in trace_reading(evidence).requests}
    hit = [
        (call, request)
        for call in calls_to(evidence, dependency)
        if call.start in outage
        and call.short_circuited
        and (request := served.get((call.trace_id, call.caller))) is not None
        and request.status is not None
    ]
    if len(hit) < MIN_CALLS:
        return
    failed = [(call, request) for call, request in hit if (request.status or 0) >= 500]
    if len(failed) / len(hit) < NO_FALLBACK:
        return
    routes = sorted({request.route for _, request in failed})
    callers = sorted({request.caller.name for _, request in failed})
    statuses = sorted({request.status for _, request in failed if request.status is not None})
    effect = (
        f"{count(len(failed))} of {count(len(hit))} requests of {', '.join(callers)} whose call to "
        f"{dependency} its breaker refused during the outage answered "
        f"{'/'.join(str(s) for s in statuses)} ({', '.join(routes[:4])})"
    )
    yield Finding(
        rule="no-fallback",
        mechanism="fallback",
        subject=f"dependency:{dependency}",
        title=f"{', '.join(callers)} had no fallback for {dependency}: its failure reached users",
        effect=effect,
        fix=(
            f"answer without {dependency} where the route allows it: a cached or static answer, a "
            "degraded page, or accept the work and queue it for later"
        ),
        traces=judge.links(call for call, _ in failed),
    )


def task_replacement_findings(evidence: RunEvidence, judge: Judge) -> Iterator[Finding]:
    """Tasks a kill-tasks fault stopped were not running again (as many as desired) by the time
    the fault's window ended: the service ran short for longer than the fault."""
    for fault in evidence.faults:
        if fault.kind != "kill-tasks" or not fault.landed or fault.injected_at is None:
            continue
        service = fault.target.removeprefix("service:")
        start, lasted = fault.injected_at, fault.window_end - fault.injected_at
        recovery = find_recovery([c for c in task_counts(evidence.metrics, service) if c.t >= start])
        took = recovery.recovered.t - start if recovery.recovered is not None else None
        short = recovery.dipped_at is not None and (
            took > lasted if took is not None else evidence.ended_at - start > lasted
        )
        score = judge.graded("task_recovery_s", fault.target)
        if not judge.stands(score, by_default=short):
            continue
        measured = (
            f"{service} was back to its desired count {seconds(took)} after {fault.id}, whose window was "
            f"{seconds(lasted)}"
            if took is not None
            else f"{service} never got back to its desired count after {fault.id}"
        )
        yield judge.finding(
            score,
            measured,
            rule="task-replacement-slow",
            mechanism="recovery",
            subject=fault.target,
            title=f"stopped {service} tasks were {'replaced late' if took is not None else 'not replaced'}",
            fix=(
                "make replacement tasks start and pass health checks fast (small image, short health "
                "check interval and grace period), check what the scheduler lacks (capacity, subnet "
                "IPs, quotas), and run enough tasks that losing some is not felt"
            ),
        )
