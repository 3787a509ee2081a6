"""A run's X-Ray documents read once into calls, requests and an account of what could not be used."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from gameday.evidence.bulk import paused_gc
from gameday.traces.calls import find_calls
from gameday.traces.dependencies import DependencyMap, DependencyResolver
from gameday.traces.index import TraceProblems, index_documents
from gameday.traces.model import Call, TracedRequest
from gameday.traces.requests import traced_requests


@dataclass(frozen=True)
class TraceReading:
    calls: list[Call]  # by start time
    requests: list[TracedRequest]  # by start time: requests of the services that made calls
    problems: TraceProblems
    unmapped: Counter[str]  # endpoints no dependency name fits → attempts seen
    mapped: bool  # whether a dependency map was given (else names are the traces' own)

    def calls_to(self, dependency: str) -> list[Call]:
        return [call for call in self.calls if call.dependency == dependency]


def read_traces(documents: Iterable[object], dependencies: DependencyMap | None = None) -> TraceReading:
    """Read the documents (walked once; they may stream from a file) into calls and requests.

    The cyclic garbage collector is paused meanwhile: the entity index is hundreds of thousands
    of small acyclic tuples, and generation-2 passes over them would cost more than the reading.
    """
    with paused_gc():
        index = index_documents(documents)
        found = find_calls(index, DependencyResolver(dependencies))
        requests = traced_requests(index, found)
    return TraceReading(found.calls, requests, index.problems, found.unmapped, dependencies is not None)
