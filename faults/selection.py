"""How many of the matching resources a fault acts on, and which ones.

The arithmetic follows FIS ``selectionMode``: ``COUNT(n)`` takes n at random (never more than
exist), ``PERCENT(p)`` takes p % rounded *down*, so 5 tasks at 50 % is 2 and 4 tasks at 5 % is 0 —
which must end as "did not land", not as a silently harmless run.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Selection:
    """Exactly one of ``count`` or ``percent`` (the scenario model guarantees it)."""

    count: int | None = None
    percent: float | None = None

    def __post_init__(self) -> None:
        if (self.count is None) == (self.percent is None):
            raise ValueError("a selection needs exactly one of count or percent")

    def size(self, available: int) -> int:
        """How many of ``available`` resources to act on."""
        if self.count is not None:
            return min(self.count, available)
        assert self.percent is not None
        # Through the decimal text, so 10.1 % of 1000 is 101 as the user meant, not 100.
        return math.floor(available * Fraction(repr(self.percent)) / 100)

    def pick(self, candidates: Sequence[str], rng: random.Random) -> list[str]:
        """A random choice of :meth:`size` candidates; sorted input makes a seed reproducible."""
        return rng.sample(sorted(candidates), self.size(len(candidates)))

    def label(self) -> str:
        """The selection as people read it: "2" or "50%"."""
        if self.count is not None:
            return str(self.count)
        return f"{self.percent:g}%"
