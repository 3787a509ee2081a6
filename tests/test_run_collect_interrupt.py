"""An interrupt while the target's evidence is collected keeps the run's own records, with gaps."""

from __future__ import annotations

from collections.abc import Sequence

from gameday.evidence.target import TargetEvidence
from gameday.run.orchestrator import TARGET_SOURCES, Interrupted, collect_evidence
from gameday.shared import Span


class _InterruptedSession:
    """Only the part of a TargetSession that collection uses."""

    def collect(self, since: float, until: float, fault_windows: Sequence[Span] = ()) -> TargetEvidence:
        raise Interrupted("interrupted by SIGINT")


class _Session(_InterruptedSession):
    def collect(self, since: float, until: float, fault_windows: Sequence[Span] = ()) -> TargetEvidence:
        return TargetEvidence()


def test_an_interrupt_in_collection_turns_every_target_source_into_a_gap() -> None:
    said: list[str] = []

    evidence = collect_evidence(_InterruptedSession(), 0.0, 10.0, [(2.0, 5.0)], said.append)  # type: ignore[arg-type]

    assert sorted(g.source for g in evidence.gaps) == sorted(TARGET_SOURCES)
    assert all(g.reason == "evidence collection interrupted by SIGINT" for g in evidence.gaps)
    assert said == ["interrupted by SIGINT while collecting evidence: scoring what the run itself recorded"]


def test_a_collection_that_ends_is_passed_through() -> None:
    evidence = collect_evidence(_Session(), 0.0, 10.0, [], print)  # type: ignore[arg-type]

    assert evidence.gaps == []
