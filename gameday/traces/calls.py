"""Attempts found in the indexed entities, grouped into logical calls.

Calls are found by what standard instrumentation records, with no convention of gameday's:

* an **attempt** is a subsegment for a request that left the process: ``namespace: remote`` (HTTP
  clients of every SDK, OpenTelemetry CLIENT spans through ADOT), ``namespace: aws`` (AWS SDK
  calls), or any subsegment with an ``http.request.url`` (the Python SDK's aiohttp trace config
  records a refused or timed-out request as ``namespace: local``). A subsegment inside another
  attempt records the same request again (``requests`` over ``httplib``) and is not one;
* attempts are grouped by the subsegment or segment they sit under and by the dependency they
  went to, so a coarse subsegment around calls to several dependencies is split per dependency;
* a subsegment annotated ``circuit_open`` (either value) says it is the call: its attempts to its
  dependency are that call's, and with ``true`` and no attempt the breaker refused it (its
  dependency is then the one that wrappers of the same name called, unless the map names it);
* otherwise a call is inferred: an attempt continues the call of the attempt before it when that
  one failed, it starts after that one ended (concurrent requests are separate calls) and within
  :data:`MAX_RETRY_GAP_S`, and it has the same method and path (or AWS operation and resource).
  OpenTelemetry's ``http.request.resend_count`` settles it where present;
* an AWS SDK subsegment is one call that holds its own retries: ``aws.retries`` counts the failed
  attempts before the last (Java and Go SDKs) or, from the Node.js SDK with the AWS SDK v3, every
  attempt; without it (the Python SDK), whether it was retried cannot be known, and the call says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import urlsplit

from gameday.traces.dependencies import DependencyResolver, Endpoint
from gameday.traces.entities import Entity, Key
from gameday.traces.index import EntityIndex
from gameday.traces.model import UNKNOWN_CALLER, Attempt, Call, Caller, Outcome

NODE_SDK = "X-Ray for Node.js"  # aws.xray.sdk of segments the Node.js SDK wrote
MAX_RETRY_GAP_S = 30.0  # the longest wait between two attempts of one call (AWS SDKs cap theirs at 20 s)
_OVERLAP_TOLERANCE_S = 0.001  # clocks round to the millisecond: "starts as the last one ended"
_MAX_COUNTED_RETRIES = 100  # an absurd aws.retries is not turned into a million attempts
_by_start = attrgetter("start")
Groups = dict[Key, dict[str, list[Entity]]]  # owner → dependency → attempts


@dataclass
class FoundCalls:
    """The calls in the documents, the dependencies each segment called, and what was not mapped."""

    calls: list[Call] = field(default_factory=list)
    called: dict[Key, set[str]] = field(default_factory=dict)  # segment key → dependencies
    unmapped: Counter[str] = field(default_factory=Counter)  # endpoint label → attempts


def is_attempt(entity: Entity) -> bool:
    return not entity.is_segment and (entity.namespace in ("remote", "aws") or entity.url is not None)


def find_calls(index: EntityIndex, resolver: DependencyResolver) -> FoundCalls:
    """Every call in the index, ordered by start time."""
    found = FoundCalls()
    groups: Groups = {}
    explicit: list[Entity] = []
    unmapped_owners: set[Key] = set()  # owners with attempts no name fits (already listed)
    for entity in index.entities.values():
        if entity.is_segment:
            continue
        if is_attempt(entity):
            owner = _owner(index, entity)
            if owner is None:
                continue
            owner_key, wrapper = owner
            annotation = entity.dependency or (wrapper.dependency if wrapper is not None else None)
            endpoint = _endpoint(entity, annotation)
            dependency = resolver.name_of(endpoint)
            if dependency is None:
                found.unmapped[endpoint.label()] += 1
                unmapped_owners.add(owner_key)
                continue
            groups.setdefault(owner_key, {}).setdefault(dependency, []).append(entity)
        elif entity.circuit_open is not None:
            explicit.append(entity)
    builder = _Builder(index, found)
    learned = _wrapper_dependencies(explicit, groups)
    for wrapper in explicit:
        name = resolver.name_of(Endpoint(wrapper.name, None, None, None, wrapper.dependency))
        mine = groups.get(wrapper.key, {})
        if name is None and len(mine) == 1:
            name = next(iter(mine))
        name = name or learned.get(wrapper.name)  # an open breaker's wrapper holds no attempt
        if name is None:
            if wrapper.key not in unmapped_owners:  # a refused call, named only by its wrapper
                found.unmapped[
                    f"annotation {wrapper.dependency}" if wrapper.dependency else f"name {wrapper.name}"
                ] += 1
            continue
        builder.wrapper_call(wrapper, name, mine.pop(name, []))
    for owner_key, by_dependency in groups.items():
        for dependency, attempts in by_dependency.items():
            builder.inferred_calls(owner_key, dependency, attempts)
    found.calls.sort(key=_by_start)
    return found


def _wrapper_dependencies(wrappers: list[Entity], groups: Groups) -> dict[str, str]:
    """Wrapper name → the dependency every wrapper of that name called, where there is one."""
    seen: dict[str, set[str]] = {}
    for wrapper in wrappers:
        seen.setdefault(wrapper.name, set()).update(groups.get(wrapper.key, {}))
    return {name: next(iter(called)) for name, called in seen.items() if len(called) == 1}


def _owner(index: EntityIndex, attempt: Entity) -> tuple[Key, Entity | None] | None:
    """What an attempt is grouped under, and the caller's own subsegment that is (None for a
    segment): the nearest breaker-annotated subsegment above it, else its parent. None when it
    sits inside another attempt (the same request recorded by a second patch). Orphans whose
    parent never arrived are grouped under that parent's id."""
    if attempt.parent_key is None:
        return attempt.key, None
    parent = index.parent_of(attempt)
    if parent is None:
        return attempt.parent_key, None
    current: Entity | None = parent
    for _ in range(64):  # deep enough for any real nesting; a loop of parent ids ends here too
        if current is None or current.is_segment:
            break
        if is_attempt(current):
            return None
        if current.circuit_open is not None:
            return current.key, current
        current = index.parent_of(current)
    return parent.key, None if parent.is_segment else parent


def _endpoint(entity: Entity, annotation: str | None) -> Endpoint:
    if entity.aws is not None:
        return Endpoint(entity.name, None, entity.name, entity.aws.resource, annotation)
    return Endpoint(entity.name, entity.url, None, None, annotation)


class _Builder:
    def __init__(self, index: EntityIndex, found: FoundCalls) -> None:
        self._index = index
        self._found = found

    def wrapper_call(self, wrapper: Entity, dependency: str, attempts: list[Entity]) -> None:
        """The call a breaker-annotated subsegment says it is, with its attempts to ``dependency``."""
        attempts.sort(key=_by_start)
        made, timed, seen = _attempts_of(_one_per_request(attempts), self._counts_attempts(wrapper.key))
        outcome: Outcome
        if wrapper.end is None:
            outcome = "in_progress"
        elif wrapper.circuit_open:
            outcome = "short_circuit"
        elif made and not made[-1].failed and not (wrapper.fault and made[-1].status is None):
            outcome = "ok"
        else:
            outcome = "failed"
        self._add(wrapper.key, wrapper.trace_id, dependency, wrapper.start, wrapper.end, made, outcome,
                  "wrapper", timed, seen)  # fmt: skip

    def inferred_calls(self, owner_key: Key, dependency: str, attempts: list[Entity]) -> None:
        """Attempts of one owner to one dependency, split into calls where a retry cannot be."""
        attempts.sort(key=_by_start)
        current: list[Entity] = []
        for attempt in _one_per_request(attempts):
            if current and not _continues(current[-1], attempt):
                self._inferred(owner_key, dependency, current)
                current = []
            current.append(attempt)
        if current:
            self._inferred(owner_key, dependency, current)

    def _inferred(self, owner_key: Key, dependency: str, attempts: list[Entity]) -> None:
        made, timed, seen = _attempts_of(attempts, self._counts_attempts(owner_key))
        last = attempts[-1]
        end = None if any(a.end is None for a in attempts) else max(a.end or 0.0 for a in attempts)
        outcome: Outcome = "in_progress" if end is None else ("failed" if made[-1].failed else "ok")
        found = "aws" if all(a.aws is not None for a in attempts) else "inferred"
        self._add(owner_key, last.trace_id, dependency, attempts[0].start, end, made, outcome, found,
                  timed, seen)  # fmt: skip

    def _counts_attempts(self, owner_key: Key) -> bool:
        """Whether ``aws.retries`` counts attempts rather than retries where the owner's segment was
        written: the Node.js SDK copies the AWS SDK v3's ``$metadata.attempts`` into it."""
        segment = self._index.segment_of(owner_key)
        return segment is not None and segment.sdk is not None and segment.sdk.startswith(NODE_SDK)

    def _add(
        self,
        owner_key: Key,
        trace_id: str,
        dependency: str,
        start: float,
        end: float | None,
        attempts: tuple[Attempt, ...],
        outcome: Outcome,
        found: str,
        timed: bool,
        seen: bool,
    ) -> None:
        segment = self._index.segment_of(owner_key)
        caller = Caller(UNKNOWN_CALLER, None) if segment is None else _caller(segment)
        if segment is not None:
            self._found.called.setdefault(segment.key, set()).add(dependency)
        self._found.calls.append(
            Call(
                trace_id=trace_id,
                caller=caller.name,
                caller_instance=caller.instance,
                dependency=dependency,
                start=start,
                end=end,
                attempts=attempts,
                outcome=outcome,
                found=found,  # type: ignore[arg-type]
                instance_shared=caller.shared,
                retries_seen=seen,
                attempts_timed=timed,
            )
        )


def _caller(segment: Entity) -> Caller:
    return Caller(segment.name, segment.instance, segment.instance_shared)


def _continues(before: Entity, after: Entity) -> bool:
    """Whether ``after`` is a retry of the call ``before`` belongs to."""
    if not _same_request_target(before, after):
        return False
    if after.resend_count is not None:
        return after.resend_count > 0
    if before.end is None or after.start < before.end - _OVERLAP_TOLERANCE_S:
        return False
    return after.start - before.end <= MAX_RETRY_GAP_S and _failed(before)


def _same_request_target(before: Entity, after: Entity) -> bool:
    if before.aws is not None or after.aws is not None:
        return (
            before.aws is not None
            and after.aws is not None
            and (before.aws.operation, before.aws.resource) == (after.aws.operation, after.aws.resource)
        )
    return before.method == after.method and _path(before.url) == _path(after.url)


def _path(url: str | None) -> str | None:
    if url is None:
        return None
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return url


def _failed(entity: Entity) -> bool:
    return _attempt(entity).failed


def _attempt(entity: Entity) -> Attempt:
    throttled = entity.throttle or (entity.aws is not None and entity.aws.throttled)
    return Attempt(entity.start, entity.end, entity.status, entity.fault, entity.error, throttled)


def _attempts_of(entities: Iterable[Entity], counts_attempts: bool) -> tuple[tuple[Attempt, ...], bool, bool]:
    """The attempts the entities record, whether each one's time is known, and whether every
    retry the SDK made is known (an AWS SDK subsegment without ``aws.retries`` may hide some).
    ``counts_attempts``: ``aws.retries`` is the number of attempts (see :meth:`_Builder._counts_attempts`)."""
    made: list[Attempt] = []
    timed = seen = True
    for entity in entities:
        retries = None if entity.aws is None else entity.aws.retries
        if entity.aws is not None and retries is None:
            seen = False
        elif retries is not None:
            retries = max(retries - 1, 0) if counts_attempts else retries
            if retries > 0:
                timed = False
                unrecorded = Attempt(entity.start, entity.start, None, True, False, False)
                made.extend([unrecorded] * min(retries, _MAX_COUNTED_RETRIES))
        made.append(_attempt(entity))
    return tuple(made), timed, seen


def _one_per_request(attempts: list[Entity]) -> list[Entity]:
    """Attempts (by start time) with the extra records of one request left out.

    With ``httplib`` patched (``patch_all(double_patch=True)``) one request leaves records side
    by side: one for sending it (no answer, no error), one for the answer, and one per read of the
    body (method ``READ``). Only the record with the outcome is an attempt.
    """
    kept: list[Entity] = []
    for index, attempt in enumerate(attempts):
        if attempt.method == "READ":
            continue
        following = attempts[index + 1] if index + 1 < len(attempts) else None
        if following is not None and _sending_half(attempt, following):
            continue
        kept.append(attempt)
    return kept


def _sending_half(attempt: Entity, following: Entity) -> bool:
    """``attempt`` only recorded sending the request whose answer ``following`` recorded."""
    return (
        attempt.aws is None
        and attempt.end is not None
        and attempt.status is None
        and not (attempt.fault or attempt.error or attempt.throttle)
        and following.url == attempt.url
        and following.method in (attempt.method, None)
        and following.start >= attempt.end - _OVERLAP_TOLERANCE_S
        and following.start - attempt.end <= 1.0
    )
