"""Time windows of a run and the evidence inside them.

Phases come from the evidence (the plan's baseline / fault / recovery on the wall clock), never
recomputed from the scenario: the run folder is the truth about when things happened. A window is
clipped to the run's end so an aborted run is never graded on seconds that did not happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord


@dataclass(frozen=True)
class Window:
    """A half-open span [start, end) of epoch seconds, with the words a why uses for it."""

    start: float
    end: float
    label: str  # "during fault", "over the whole run"

    def __contains__(self, t: float) -> bool:
        return self.start <= t < self.end


def run_window(evidence: RunEvidence) -> Window:
    return Window(evidence.started_at, evidence.ended_at, "over the whole run")


def phase_window(evidence: RunEvidence, phase: str) -> Window | str:
    """The window of a phase (``all`` is the whole run), or why there is none."""
    if phase == "all":
        return run_window(evidence)
    found = next((p for p in evidence.phases if p.name == phase), None)
    if found is None:
        return f"the evidence has no {phase} phase"
    if found.start >= evidence.ended_at:
        return f"the run ended before the {phase} phase began"
    return Window(found.start, min(found.end, evidence.ended_at), f"during {phase}")


def requests_in(requests: Sequence[RequestRecord], window: Window) -> list[RequestRecord]:
    """Requests that started inside the window (a request belongs to the moment it was sent)."""
    return [r for r in requests if r.t in window]


def gap_note(evidence: RunEvidence, source: str) -> str | None:
    """One line naming the gaps of a kind of evidence, or None when it is complete."""
    reasons = [g.reason for g in evidence.gaps if g.source == source]
    if not reasons:
        return None
    return f"{source} evidence is incomplete ({'; '.join(reasons)})"
