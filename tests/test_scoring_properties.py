"""Properties of the measures every score rests on, over inputs no one would write by hand."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gameday.evidence.records import RequestRecord
from gameday.evidence.stats import percentile
from gameday.scoring.availability import availability
from gameday.scoring.recovery import find_recovery
from gameday.scoring.task_counts import TaskCount
from gameday.scoring.text import percent

latencies = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=300)
quantiles = st.floats(min_value=0.01, max_value=100)


@given(latencies, quantiles, quantiles)
def test_percentile_is_monotone_in_q_and_an_observed_value(values: list[float], q1: float, q2: float) -> None:
    low, high = sorted((q1, q2))
    assert percentile(values, low) <= percentile(values, high)
    assert percentile(values, high) in values


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 95) == 19.0  # rank ⌈0.95·20⌉ = 19
    assert percentile(values, 100) == 20.0
    assert percentile(values, 50) == 10.0
    assert percentile([7.0], 95) == 7.0


@given(st.lists(st.booleans(), min_size=1, max_size=500))
def test_availability_is_a_ratio_of_ok_requests(oks: list[bool]) -> None:
    requests = [
        RequestRecord(t=float(i), name="GET /", method="GET", latency_ms=1.0, status=200 if ok else 5, ok=ok)
        for i, ok in enumerate(oks)
    ]
    ratio = availability(requests)
    assert 0.0 <= ratio <= 1.0
    assert ratio == sum(oks) / len(oks)


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 6)), min_size=1, max_size=60))
def test_a_recovery_is_always_at_strength_and_after_the_dip(counts: list[tuple[int, int]]) -> None:
    samples = [TaskCount(float(t), float(r), float(d)) for t, (r, d) in enumerate(counts)]
    recovery = find_recovery(samples)
    if recovery.dipped_at is None:
        assert all(s.running >= s.desired for s in samples)
        assert recovery.recovered is None
    elif recovery.recovered is not None:
        assert recovery.recovered.at_strength
        assert recovery.recovered.t > recovery.dipped_at


@given(st.floats(0, 1), st.floats(0, 1))
def test_percent_never_shows_different_ratios_as_equal(a: float, b: float) -> None:
    if abs(a - b) >= 1e-6:
        assert percent(a, b) != percent(b, a)
