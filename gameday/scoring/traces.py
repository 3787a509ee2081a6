"""Raw X-Ray documents → one record per downstream call, with its attempts.

Retry and breaker scores judge behaviour, so calls are found by behaviour, not by names a given
service happens to use:

* an **attempt** is a subsegment with ``namespace: remote`` (X-Ray's mark for a call that left the
  process) whose parent is not itself remote; its ``http.response.status`` and ``fault`` /
  ``error`` / ``throttle`` flags say how it went;
* the **call** is the attempt's parent subsegment, which groups the attempts made for one logical
  call (as a retry library's wrapper does); a remote subsegment directly under a segment is a call
  with a single attempt;
* a subsegment annotated ``circuit_open`` is a call too, even with no attempt in it: when the
  annotation is ``true`` the breaker refused it and nothing was sent;
* the **caller instance** is the task, container, pod or host the calling segment came from, as
  the X-Ray SDK plugins record it (``aws.ecs.container``, ``aws.eks.pod``, ``aws.ec2.instance_id``):
  each instance of a service has breakers of its own.

Documents arrive as the daemon receives them: whole segments, subsegments streamed on their own
(``type: subsegment`` with ``trace_id`` and ``parent_id``) and in-progress versions later replaced
by complete ones. Every entity is indexed by trace and id in one pass (a complete version wins over an
in-progress one) and joined to its parent by id, so the cost is linear in the documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal, NamedTuple

from gameday.evidence.bulk import paused_gc

Outcome = Literal["ok", "failed", "short_circuit", "in_progress"]
UNKNOWN_CALLER = "unknown"
Key = tuple[str, str]  # (trace id, entity id): X-Ray ids are unique within a trace only
Caller = tuple[str, str | None]
"""A calling segment's name and its instance (None when the segment does not say which)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One request that left the caller for the dependency."""

    start: float
    end: float | None  # None while in progress
    status: int | None  # None when no response arrived (timeout, refused connection)
    fault: bool
    error: bool
    throttle: bool

    @property
    def failed(self) -> bool:
        """Worth retrying: 5xx, throttled, no answer or never finished. A plain 4xx is an answer."""
        return self.fault or self.throttle or (self.status or 0) >= 500 or self.end is None


@dataclass(frozen=True, slots=True)
class Call:
    """One logical call from a service to a dependency, with every attempt made for it."""

    trace_id: str
    caller: str  # the name of the segment the call was made from
    caller_instance: str | None  # which task or host of the caller, when its segments say
    dependency: str
    start: float
    end: float | None  # None while in progress
    attempts: tuple[Attempt, ...]
    outcome: Outcome

    @property
    def short_circuited(self) -> bool:
        return self.outcome == "short_circuit"

    @property
    def finished(self) -> bool:
        return self.outcome != "in_progress"

    @property
    def latency_ms(self) -> float:
        if self.end is None:
            raise ValueError("a call in progress has no latency")
        return (self.end - self.start) * 1000


class _Entity(NamedTuple):
    """A segment or subsegment, flattened out of whichever document carried it.

    A tuple of the few facts calls are built from, not the raw dict: a long run has close to a
    million entities, and the raw documents are let go as soon as each one is read.
    """

    key: Key
    parent_key: Key | None
    name: str
    is_segment: bool
    start: float
    end: float | None
    remote: bool
    breaker_annotated: bool  # has a ``circuit_open`` annotation, whatever its value
    circuit_open: bool  # that annotation is ``true``
    dependency: str | None  # the ``dependency`` annotation, when there is one
    instance: str | None  # a segment's task, container, pod or host (see the module docstring)
    status: int | None
    fault: bool
    error: bool
    throttle: bool

    @property
    def trace_id(self) -> str:
        return self.key[0]

    def as_attempt(self) -> Attempt:
        return Attempt(self.start, self.end, self.status, self.fault, self.error, self.throttle)


def parse_calls(documents: Iterable[Mapping[str, Any]]) -> list[Call]:
    """Every downstream call in the documents, ordered by start time.

    The documents are walked once (they may be read from a file as they go); the cyclic garbage
    collector is paused meanwhile: the entity index is hundreds of thousands of small acyclic
    tuples, and generation-2 passes over them would cost more than the parse itself.
    """
    with paused_gc():
        entities = _index(documents)
        attempts: dict[Key, list[_Entity]] = {}
        call_keys: dict[Key, None] = {}  # ordered set
        for entity in entities.values():
            if entity.is_segment:
                continue
            if entity.remote and entity.parent_key:
                parent = entities.get(entity.parent_key)
                if parent is not None and not parent.remote:
                    owner = entity.key if parent.is_segment else parent.key
                    attempts.setdefault(owner, []).append(entity)
                    call_keys[owner] = None
                    continue
            if entity.breaker_annotated:
                call_keys[entity.key] = None
        callers = _Callers(entities)
        calls = [_call(entities[k], attempts.get(k, []), callers.of(k)) for k in call_keys]
        calls.sort(key=_by_start)
        return calls


def _index(documents: Iterable[Mapping[str, Any]]) -> dict[Key, _Entity]:
    """Every entity by trace and id; a complete version wins over an in-progress one.

    Each document's entity and every subsegment nested in it, each knowing its parent's key (a
    nested subsegment shares its parent's key tuple rather than a copy).
    """
    entities: dict[Key, _Entity] = {}
    shared: dict[str, str] = {}  # one string object per trace id and name, not one per document
    for document in documents:
        trace_id = str(document.get("trace_id", ""))
        trace_id = shared.setdefault(trace_id, trace_id)
        parent_id = document.get("parent_id")
        is_segment = document.get("type") != "subsegment" and not document.get("inferred", False)
        stack: list[tuple[Mapping[str, Any], Key | None, bool]] = [
            (document, (trace_id, str(parent_id)) if parent_id else None, is_segment)
        ]
        while stack:
            raw, parent_key, segment = stack.pop()
            entity = _entity(raw, parent_key, trace_id, segment, shared)
            if entity is None:
                continue
            key = entity.key
            known = entities.get(key)
            if known is None or entity.end is not None or known.end is None:
                entities[key] = entity
            children = raw.get("subsegments")
            if children:
                owner = key if key[1] else None
                stack.extend((child, owner, False) for child in children)
    return entities


_by_start = attrgetter("start")


def _call(entity: _Entity, attempts: list[_Entity], caller: Caller) -> Call:
    """The call of ``entity`` with its ``attempts`` (in any order)."""
    if len(attempts) > 1:
        attempts.sort(key=_by_start)
    made = tuple(a.as_attempt() for a in attempts)
    outcome: Outcome
    if entity.end is None:
        outcome = "in_progress"
    elif entity.circuit_open:
        outcome = "short_circuit"
    elif made and not made[-1].failed and not entity.fault:
        outcome = "ok"
    else:
        outcome = "failed"
    first = attempts[0] if attempts else entity
    return Call(
        trace_id=entity.trace_id,
        caller=caller[0],
        caller_instance=caller[1],
        dependency=first.name if entity.dependency is None else entity.dependency,
        start=entity.start,
        end=entity.end,
        attempts=made,
        outcome=outcome,
    )


class _Callers:
    """The segment above each entity (its name and instance), remembered along the way so every
    chain is walked once."""

    def __init__(self, entities: Mapping[Key, _Entity]) -> None:
        self._entities = entities
        self._found: dict[Key, Caller] = {}

    def of(self, key: Key) -> Caller:
        path: list[Key] = []
        current: Key | None = key
        name: Caller = (UNKNOWN_CALLER, None)
        while current is not None:
            if current in self._found:
                name = self._found[current]
                break
            entity = self._entities.get(current)
            if entity is None:
                break
            path.append(current)
            if entity.is_segment:
                name = (entity.name, entity.instance)
                break
            current = entity.parent_key
        for visited in path:
            self._found[visited] = name
        return name


def _entity(
    raw: Mapping[str, Any], parent_key: Key | None, trace_id: str, segment: bool, shared: dict[str, str]
) -> _Entity | None:
    """None for what is not an entity we can place in time (no id or no start)."""
    if "id" not in raw or "start_time" not in raw:
        return None
    status = None
    http = raw.get("http")
    response = http.get("response") if http else None
    if response:
        found = response.get("status")
        status = int(found) if isinstance(found, int | float) else None
    annotations = raw.get("annotations")
    breaker_annotated, circuit_open, dependency = False, False, None
    if annotations:
        breaker_annotated = "circuit_open" in annotations
        circuit_open = annotations.get("circuit_open") is True
        if "dependency" in annotations:
            dependency = str(annotations["dependency"])
    end = raw.get("end_time")
    name = str(raw.get("name", ""))
    instance = _instance(raw.get("aws")) if segment else None
    return _Entity(
        (trace_id, str(raw["id"])),
        parent_key,
        shared.setdefault(name, name),
        segment,
        float(raw["start_time"]),
        None if end is None or raw.get("in_progress") else float(end),
        raw.get("namespace") == "remote",
        breaker_annotated,
        circuit_open,
        dependency,
        None if instance is None else shared.setdefault(instance, instance),
        status,
        bool(raw.get("fault")),
        bool(raw.get("error")),
        bool(raw.get("throttle")),
    )


_INSTANCE_FIELDS = (("ecs", "container"), ("eks", "pod"), ("ec2", "instance_id"))


def _instance(aws: object) -> str | None:
    """The task, container, pod or host in a segment's ``aws`` block, as the SDK plugins set it."""
    if not isinstance(aws, Mapping):
        return None
    for platform, field in _INSTANCE_FIELDS:
        found = aws.get(platform)
        if isinstance(found, Mapping) and found.get(field):
            return str(found[field])
    return None
