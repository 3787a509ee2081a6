"""Turning a measured value into a :class:`Score`: the one place that compares with a threshold.

Every scorer grades the same way, so the comparison, the window and the INCONCLUSIVE shape are
built here once; a scorer only measures and explains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gameday.evidence.records import Score, Verdict
from gameday.scoring.windows import Window


@dataclass(frozen=True)
class Grading:
    """What one expectation grades: a named value about a subject, against a threshold."""

    name: str
    subject: str
    threshold: float
    comparator: Literal[">=", "<="]
    unit: str

    def judge(self, value: float, window: Window, why: str) -> Score:
        """PASS when the value meets the threshold (inclusive), FAIL otherwise."""
        met = value >= self.threshold if self.comparator == ">=" else value <= self.threshold
        return self._score(value, Verdict.PASS if met else Verdict.FAIL, window, why)

    def fail(self, window: Window, why: str, value: float | None = None) -> Score:
        """A failure with no value to compare, e.g. a service that never recovered."""
        return self._score(value, Verdict.FAIL, window, why)

    def inconclusive(self, window: Window, why: str, value: float | None = None) -> Score:
        """Not enough evidence to grade; a value measured on partial evidence may still be shown."""
        return self._score(value, Verdict.INCONCLUSIVE, window, why)

    def _score(self, value: float | None, verdict: Verdict, window: Window, why: str) -> Score:
        return Score(
            name=self.name,
            subject=self.subject,
            value=value,
            threshold=self.threshold,
            comparator=self.comparator,
            unit=self.unit,
            verdict=verdict,
            window_start=window.start,
            window_end=window.end,
            why=why,
        )
