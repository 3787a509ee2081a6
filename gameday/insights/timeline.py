"""The run's events in time order, each read from one evidence file, for the game-day meeting.

"Fault injected → first errors → breaker opened on bff-2 → bff scaled out → recovered" is what a
team walks through; the verdict table cannot tell it. Each event names its source (the run
folder's file), so a reader can check it. Some events are *marked*: numbered and drawn on the
charts, so the picture and the table point at each other. Marks are kept few (the turning points:
first and last failure, first breaker open and last close per dependency, tasks stopped, scaling,
guardrails), the table holds the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord
from gameday.runfolder import RunFolder
from gameday.safety.guardrails import MIN_WINDOW_REQUESTS, SecondsWindow, window_p95_ms
from gameday.scenario import Guardrails
from gameday.scoring.breakers import BreakerChange, state_changes
from gameday.scoring.dependency_calls import called_dependencies, calls_to
from gameday.scoring.text import count, milliseconds, percent
from gameday.traces import Caller

EventKind = Literal["phase", "fault", "breaker", "scaling", "task", "requests", "guardrail", "alarm", "abort"]
CHANGES_SHOWN = 4
"""Open/close events listed per breaker (one caller instance, one dependency); a flapping breaker
gets one more line counting the rest instead of filling the table."""


class TimelineEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    t: float  # epoch seconds
    kind: EventKind
    what: str
    source: str  # the run folder file the event was read from
    subject: str = ""  # "service:orders", "dependency:catalog" …
    trace_id: str | None = None  # a trace that shows it
    mark: int | None = None  # its number on the charts, when drawn there


class Abort(BaseModel):
    """When a guardrail breach was seen and the faults were all back (abort.json)."""

    reason: str
    breached_at: float
    reverted_at: float


def build_timeline(
    evidence: RunEvidence, guardrails: Guardrails | None, abort: Abort | None = None
) -> list[TimelineEvent]:
    """Every event of the run, in time order, the turning points numbered for the charts."""
    events = [
        *_phases(evidence),
        *_faults(evidence),
        *_failed_requests(evidence.requests),
        *_tasks(evidence),
        *_scaling(evidence),
        *_alarms(evidence),
        *_breakers(evidence),
        *(_guardrails(evidence, guardrails) if guardrails is not None else []),
        *([_abort(abort)] if abort is not None else []),
    ]
    events.sort(key=lambda e: e.t)
    numbered, mark = [], 0
    for event in events:
        if event.mark is not None:
            mark += 1
            event = event.model_copy(update={"mark": mark})
        numbered.append(event)
    return numbered


def _marked(**fields: object) -> TimelineEvent:
    """An event to draw on the charts; its number is given once all events are in order."""
    return TimelineEvent.model_validate({**fields, "mark": 0})


def _phases(evidence: RunEvidence) -> Iterator[TimelineEvent]:
    for phase in evidence.phases:
        if phase.start < evidence.ended_at:
            yield TimelineEvent(
                t=phase.start, kind="phase", what=f"{phase.name} began", source=RunFolder.PHASES
            )
    yield TimelineEvent(t=evidence.ended_at, kind="phase", what="the run ended", source=RunFolder.RUN)


def _faults(evidence: RunEvidence) -> Iterator[TimelineEvent]:
    for fault in evidence.faults:
        subject = fault.target
        if not fault.landed:
            what = f"{fault.id} ({fault.kind}) did not land: {fault.detail}"
            yield TimelineEvent(
                t=fault.injected_at or fault.planned_at,
                kind="fault",
                what=what,
                source=RunFolder.FAULTS,
                subject=subject,
            )
            continue
        if fault.injected_at is not None:
            what = f"{fault.id} ({fault.kind}) injected on {subject}: {fault.detail}"
            yield TimelineEvent(
                t=fault.injected_at, kind="fault", what=what, source=RunFolder.FAULTS, subject=subject
            )
        if fault.reverted_at is not None:
            what = f"{fault.id} reverted"
            yield TimelineEvent(
                t=fault.reverted_at, kind="fault", what=what, source=RunFolder.FAULTS, subject=subject
            )


def _failed_requests(requests: list[RequestRecord]) -> Iterator[TimelineEvent]:
    failed = sorted((r for r in requests if not r.ok), key=lambda r: r.t)
    if not failed:
        return
    first, last = failed[0], failed[-1]
    yield _marked(
        t=first.t, kind="requests", what=f"first failed request: {_request(first)}", source=RunFolder.REQUESTS
    )
    if last is not first:
        what = f"last failed request: {_request(last)} ({count(len(failed))} failed in all)"
        yield _marked(t=last.t, kind="requests", what=what, source=RunFolder.REQUESTS)


def _request(request: RequestRecord) -> str:
    answer = (
        f"answered {request.status}" if request.status else f"no answer ({request.error or 'no response'})"
    )
    return f"{request.name} {answer} after {milliseconds(request.latency_ms)}"


def _tasks(evidence: RunEvidence) -> Iterator[TimelineEvent]:
    stopped_seen: set[str] = set()
    for event in sorted(evidence.events, key=lambda e: e.t):
        if not evidence.started_at <= event.t <= evidence.ended_at:
            continue  # the stack's own start-up, or the teardown after the run
        why = ", ".join(part for part in (event.stop_code, event.reason) if part)
        where = f" in {event.zone}" if event.zone else ""
        what = f"{event.service} task {event.task_id}{where} {event.kind}" + (f" ({why})" if why else "")
        fields = {
            "t": event.t,
            "kind": "task",
            "what": what,
            "source": RunFolder.EVENTS,
            "subject": f"service:{event.service}",
        }
        if event.kind == "stopped" and event.service not in stopped_seen:
            stopped_seen.add(event.service)
            yield _marked(**fields)
        else:
            yield TimelineEvent.model_validate(fields)


def _scaling(evidence: RunEvidence) -> Iterator[TimelineEvent]:
    for activity in evidence.scaling:
        not_scaled = f"; not scaled: {', '.join(activity.not_scaled)}" if activity.not_scaled else ""
        what = f"{activity.service} scaling activity {activity.status}: {activity.description}{not_scaled}"
        yield _marked(
            t=activity.t,
            kind="scaling",
            what=what,
            source=RunFolder.SCALING,
            subject=f"service:{activity.service}",
        )


def _alarms(evidence: RunEvidence) -> Iterator[TimelineEvent]:
    """Each stop alarm's change of state; going into ALARM is a turning point."""
    for change in evidence.alarms:
        fields = {
            "t": change.t,
            "kind": "alarm",
            "what": f"alarm {change.alarm} {change.old_state} → {change.new_state}: {change.reason}",
            "source": RunFolder.ALARMS,
        }
        yield _marked(**fields) if change.new_state == "ALARM" else TimelineEvent.model_validate(fields)


def _breakers(evidence: RunEvidence) -> Iterator[TimelineEvent]:
    for dependency in called_dependencies(evidence):
        changes = state_changes(calls_to(evidence, dependency))
        if not changes:
            continue
        first_open = next((c for c in changes if c.opened), None)
        last_close = next((c for c in reversed(changes) if not c.opened), None)
        shown: dict[Caller, int] = {}
        for change in changes:
            shown[change.caller] = shown.get(change.caller, 0) + 1
            if shown[change.caller] > CHANGES_SHOWN:
                continue
            turning = change is first_open or change is last_close
            yield _breaker_event(change, dependency, turning)
        for caller, n in shown.items():
            if n > CHANGES_SHOWN:
                last = [c for c in changes if c.caller == caller][-1]
                more = n - CHANGES_SHOWN
                what = f"the breaker of {caller.label()} in front of {dependency} changed {more} more times"
                yield TimelineEvent(
                    t=last.t,
                    kind="breaker",
                    what=what,
                    source=RunFolder.TRACES,
                    subject=f"dependency:{dependency}",
                )


def _breaker_event(change: BreakerChange, dependency: str, turning: bool) -> TimelineEvent:
    verb = "opened (first short-circuited call)" if change.opened else "closed (first call answered again)"
    fields = {
        "t": change.t,
        "kind": "breaker",
        "what": f"the breaker of {change.caller.label()} in front of {dependency} {verb}",
        "source": RunFolder.TRACES,
        "subject": f"dependency:{dependency}",
        "trace_id": change.call.trace_id or None,
    }
    return _marked(**fields) if turning else TimelineEvent.model_validate(fields)


def _guardrails(evidence: RunEvidence, rails: Guardrails) -> Iterator[TimelineEvent]:
    """How close each guardrail came to its limit: the peak of its trailing window over the run,
    computed from the load's per-second stats as the live guard computed it."""
    window = SecondsWindow(rails.window)
    worst_rate: tuple[float, float] | None = None  # (value, t)
    worst_p95: tuple[float, float] | None = None
    for second in sorted(evidence.load_seconds, key=lambda s: s.t):
        window.add(second)
        if window.requests < MIN_WINDOW_REQUESTS:
            continue
        rate = sum(s.failures for s in window.seconds) / window.requests
        if worst_rate is None or rate > worst_rate[0]:
            worst_rate = (rate, second.t)
        p95 = window_p95_ms(window.seconds)
        if p95 is not None and (worst_p95 is None or p95 > worst_p95[0]):
            worst_p95 = (p95, second.t)
    over = f"over {rails.window:g} s"
    if rails.max_error_rate is not None and worst_rate is not None:
        rate, t = worst_rate
        limit = percent(rails.max_error_rate)
        what = f"guardrail max_error_rate {limit}: the error rate {over} peaked at {percent(rate)}"
        yield _guardrail_event(t, what, rate > rails.max_error_rate)
    if rails.max_p95_ms is not None and worst_p95 is not None:
        p95, t = worst_p95
        limit = milliseconds(rails.max_p95_ms)
        what = f"guardrail max_p95_ms {limit}: p95 latency {over} peaked at {milliseconds(p95)}"
        yield _guardrail_event(t, what, p95 > rails.max_p95_ms)


def _guardrail_event(t: float, what: str, breached: bool) -> TimelineEvent:
    fields = {
        "t": t,
        "kind": "guardrail",
        "what": what + (" (over the limit)" if breached else ""),
        "source": RunFolder.LOAD_SECONDS,
    }
    return _marked(**fields) if breached else TimelineEvent.model_validate(fields)


def _abort(abort: Abort) -> TimelineEvent:
    return _marked(
        t=abort.breached_at, kind="abort", what=f"run aborted: {abort.reason}", source=RunFolder.ABORT
    )
