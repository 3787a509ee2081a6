"""Selection arithmetic: FIS COUNT/PERCENT semantics, floor rounding, never more than exist."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faults.selection import Selection


@pytest.mark.parametrize(
    ("selection", "available", "expected"),
    [
        (Selection(percent=50), 5, 2),  # FIS: 5 resources at 50 % → 2
        (Selection(percent=5), 4, 0),  # FIS: 4 at 5 % → 0, which must not land
        (Selection(percent=100), 3, 3),
        (Selection(percent=10.1), 1000, 101),  # the decimal the user wrote, not the binary float
        (Selection(percent=33.3), 3, 0),
        (Selection(count=2), 4, 2),
        (Selection(count=5), 3, 3),
        (Selection(count=1), 0, 0),
    ],
)
def test_size_follows_fis(selection: Selection, available: int, expected: int) -> None:
    assert selection.size(available) == expected


@given(count=st.integers(min_value=1, max_value=500), available=st.integers(min_value=0, max_value=500))
def test_count_never_exceeds_what_runs(count: int, available: int) -> None:
    assert Selection(count=count).size(available) == min(count, available)


@given(
    percent=st.integers(min_value=1, max_value=100),
    available=st.integers(min_value=0, max_value=10_000),
)
def test_whole_percent_rounds_down(percent: int, available: int) -> None:
    size = Selection(percent=float(percent)).size(available)
    assert size == (available * percent) // 100
    assert 0 <= size <= available


@given(
    percent=st.floats(min_value=0.01, max_value=100, allow_nan=False),
    available=st.integers(min_value=0, max_value=10_000),
)
def test_any_percent_stays_within_bounds(percent: float, available: int) -> None:
    size = Selection(percent=percent).size(available)
    assert 0 <= size <= available
    assert size <= math.ceil(available * percent / 100)


@given(
    candidates=st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=30),
    count=st.integers(min_value=1, max_value=40),
    seed=st.integers(),
)
def test_pick_is_a_seeded_subset_of_the_right_size(candidates: list[str], count: int, seed: int) -> None:
    selection = Selection(count=count)
    first = selection.pick(candidates, random.Random(seed))
    again = selection.pick(list(reversed(candidates)), random.Random(seed))
    assert first == again  # the order the platform lists tasks in does not change the choice
    assert len(first) == selection.size(len(candidates))
    assert len(set(first)) == len(first)
    assert set(first) <= set(candidates)


def test_needs_exactly_one_of_count_or_percent() -> None:
    with pytest.raises(ValueError):
        Selection()
    with pytest.raises(ValueError):
        Selection(count=1, percent=50)


def test_labels() -> None:
    assert Selection(count=2).label() == "2"
    assert Selection(percent=50.0).label() == "50%"
    assert Selection(percent=12.5).label() == "12.5%"
