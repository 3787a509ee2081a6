"""Statistics shared by the load process, scoring and reporting.

Kept apart from scoring so the load process can summarise each second without importing the
scorers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least q % of values at or below it.

    Nearest rank (rank = ⌈q/100 · n⌉) always returns a latency that was really observed, needs no
    numpy, and can be checked by hand on a sorted list. ``values`` must not be empty.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError("q must be in (0, 100]")
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered) / 100))  # q·n first: exact for whole q
    return ordered[rank - 1]
