"""What the traces held, for the people setting up a stack's trace scores.

Trace scores depend on how a stack is instrumented and on the target's dependency map, so a
report says what the traces gave: how many documents, the calls per dependency and how each was
found (a breaker annotation, attempts grouped by inference, AWS SDK calls, requests that skipped
the dependency), the endpoints no dependency name fits (``host 10.0.3.7:8080``: a user names
them in the target's ``dependencies``), what could not be read, and which callers' tasks cannot
be told apart.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict

from gameday.evidence.bundle import RunEvidence
from gameday.scoring.dependency_calls import calls_to, trace_reading
from gameday.traces.model import FOUND_WORDS

UNMAPPED_SHOWN = 10  # the busiest endpoints no name fits; the rest are counted


class DependencyCalls(BaseModel):
    model_config = ConfigDict(frozen=True)

    dependency: str
    calls: int
    found: dict[str, int]  # how the calls were found → how many (see gameday.traces.model.Found)


class UnmappedEndpoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    endpoint: str  # as a target's dependencies entry would match it: ``host 127.0.0.1:4711``
    attempts: int


class TraceSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    documents: int
    sampling: str | None  # which share of requests the traces keep (None: a run folder from before)
    dependencies: list[DependencyCalls]
    unmapped: list[UnmappedEndpoint]
    unmapped_more: int  # further endpoints no name fits, beyond those listed
    unusable: str | None  # documents that could not be used, in one line
    indistinct_callers: list[str]  # callers of a graded dependency whose segments do not tell tasks apart

    def lines(self) -> list[str]:
        """The summary as sentences, one per fact, for the reports."""
        lines = [f"{self.documents:,} documents read"]
        if self.sampling:
            lines.append(f"sampled: {self.sampling}")
        for seen in self.dependencies:
            how = ", ".join(f"{n:,} {FOUND_WORDS.get(kind, kind)}" for kind, n in seen.found.items())
            lines.append(f"calls to {seen.dependency}: {seen.calls:,} ({how})")
        for endpoint in self.unmapped:
            lines.append(
                f"not mapped to a dependency: {endpoint.endpoint} ({endpoint.attempts:,} attempts); "
                "name it in the target's dependencies to grade it"
            )
        if self.unmapped_more:
            lines.append(f"{self.unmapped_more:,} more endpoints not mapped to a dependency")
        if self.unusable:
            lines.append(f"not usable: {self.unusable}")
        for caller in self.indistinct_callers:
            lines.append(
                f"the segments of {caller} do not tell its tasks apart: its breakers are judged as one"
            )
        return lines


def summarise_traces(evidence: RunEvidence, graded: list[str]) -> TraceSummary:
    """The summary of the run's traces; ``graded`` dependencies include the calls told from requests."""
    reading = trace_reading(evidence)
    by_dependency: dict[str, Counter[str]] = {}
    for call in reading.calls:
        by_dependency.setdefault(call.dependency, Counter())[call.found] += 1
    for dependency in graded:
        by_dependency[dependency] = Counter(call.found for call in calls_to(evidence, dependency))
    unmapped = reading.unmapped.most_common()
    indistinct = sorted({c.caller for c in reading.calls if c.dependency in graded and not c.who.distinct})
    return TraceSummary(
        documents=reading.problems.documents,
        sampling=evidence.trace_sampling,
        dependencies=[
            DependencyCalls(dependency=name, calls=sum(found.values()), found=dict(found.most_common()))
            for name, found in sorted(by_dependency.items())
        ],
        unmapped=[UnmappedEndpoint(endpoint=e, attempts=n) for e, n in unmapped[:UNMAPPED_SHOWN]],
        unmapped_more=max(0, len(unmapped) - UNMAPPED_SHOWN),
        unusable=reading.problems.summary(),
        indistinct_callers=indistinct,
    )
