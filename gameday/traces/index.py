"""Every entity of a run's X-Ray documents by trace and id, and an account of what could not be used.

Documents arrive as the daemon receives them: whole segments, subsegments streamed on their own
(``type: subsegment`` with ``trace_id`` and ``parent_id``), and in-progress versions later
replaced by complete ones. Each entity is indexed by trace and id in one pass (a complete version
wins over an in-progress one) and joined to its parent by id, so the cost is linear in the
documents. Nothing here trusts the documents: a document of the wrong shape is skipped whole, a
second complete version of an entity is ignored, and a parent chain that loops or leads nowhere
ends the walk. Each is counted in :class:`TraceProblems`, so a score can say what it could not see
instead of guessing, and nothing is ever a traceback or a hang.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gameday.traces.entities import Entity, Key, Unreadable, read_entity


@dataclass
class TraceProblems:
    """What in the documents could not be used, counted; :meth:`summary` says it in one line."""

    documents: int = 0
    unreadable: int = 0
    first_unreadable: str = ""
    duplicates: int = 0  # a second complete version of an entity (the first is kept)
    orphans: int = 0  # subsegments whose parent never arrived
    cycles: int = 0  # entities whose parent chain loops

    def unusable(self) -> int:
        return self.unreadable + self.duplicates + self.orphans + self.cycles

    def summary(self) -> str | None:
        """``3 of 1,204 documents unreadable (document 17: http is a string …); 2 orphan subsegments``."""
        parts = []
        if self.unreadable:
            parts.append(
                f"{self.unreadable:,} of {self.documents:,} documents unreadable "
                f"(first: {self.first_unreadable})"
            )
        if self.duplicates:
            parts.append(f"{self.duplicates:,} entities sent twice complete (the first kept)")
        if self.orphans:
            parts.append(f"{self.orphans:,} subsegments whose parent never arrived")
        if self.cycles:
            parts.append(f"{self.cycles:,} entities in a loop of parent ids")
        return "; ".join(parts) or None


@dataclass
class EntityIndex:
    entities: dict[Key, Entity] = field(default_factory=dict)
    problems: TraceProblems = field(default_factory=TraceProblems)
    _segments: dict[Key, Entity | None] = field(default_factory=dict)

    def segment_of(self, key: Key) -> Entity | None:
        """The segment an entity belongs to (itself for a segment); None for an orphan or a loop.

        Every chain is walked once: the answer is remembered for each entity on the way.
        """
        path: list[Key] = []
        on_path: set[Key] = set()
        current: Key | None = key
        found: Entity | None = None
        while current is not None:
            if current in self._segments:
                found = self._segments[current]
                break
            entity = self.entities.get(current)
            if entity is None:
                if path:
                    self.problems.orphans += 1
                break
            if current in on_path:
                self.problems.cycles += len(path)
                break
            path.append(current)
            on_path.add(current)
            if entity.is_segment:
                found = entity
                break
            current = entity.parent_key
        for visited in path:
            self._segments[visited] = found
        return found

    def parent_of(self, entity: Entity) -> Entity | None:
        return None if entity.parent_key is None else self.entities.get(entity.parent_key)


def index_documents(documents: Iterable[object]) -> EntityIndex:
    """Every entity by trace and id; a complete version wins over an in-progress one."""
    index = EntityIndex()
    shared: dict[str, str] = {}  # one string object per trace id, name and instance
    problems = index.problems
    for number, document in enumerate(documents, start=1):
        problems.documents += 1
        try:
            read = _entities(document, shared)
        except (Unreadable, RecursionError) as error:
            problems.unreadable += 1
            if not problems.first_unreadable:
                problems.first_unreadable = f"document {number}: {error}"
            continue
        for entity in read:
            known = index.entities.get(entity.key)
            if known is None or known.end is None:
                index.entities[entity.key] = entity
            elif entity.end is not None and entity != known:
                problems.duplicates += 1
    for key in list(index.entities):  # every chain walked once now, so orphans and loops are counted
        index.segment_of(key)
    return index


def _entities(document: object, shared: dict[str, str]) -> list[Entity]:
    """The document's entity and every subsegment nested in it, each knowing its parent's key.

    Walked with a stack, not recursion, so a document nested thousands deep is only slow, never a
    crash; the whole document is refused if any part of it is unreadable.
    """
    if not isinstance(document, Mapping):
        raise Unreadable(f"the document is {type(document).__name__}, not an object")
    trace_id = document.get("trace_id")
    if not isinstance(trace_id, str) or not trace_id:
        raise Unreadable("trace_id is missing or not a string")
    trace_id = shared.setdefault(trace_id, trace_id)
    parent_id = document.get("parent_id")
    if parent_id is not None and not isinstance(parent_id, str):
        raise Unreadable("parent_id is not a string")
    is_segment = document.get("type") != "subsegment" and document.get("inferred") is not True
    found: list[Entity] = []
    stack: list[tuple[Mapping[str, Any], Key | None, bool]] = [
        (document, (trace_id, parent_id) if parent_id else None, is_segment)
    ]
    while stack:
        raw, parent_key, segment = stack.pop()
        entity = read_entity(raw, parent_key, trace_id, segment, shared)
        found.append(entity)
        children = raw.get("subsegments")
        if children is None:
            continue
        if not isinstance(children, list):
            raise Unreadable(f"subsegments of {entity.key[1]} is not an array")
        for child in children:
            if not isinstance(child, Mapping):
                raise Unreadable(f"a subsegment of {entity.key[1]} is not an object")
            stack.append((child, entity.key, False))
    return found
