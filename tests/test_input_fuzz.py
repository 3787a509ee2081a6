"""Every kind of input file, mutated, is accepted or refused with located lines: never a traceback
or a hang (tests/input_fuzz.py). ``GAMEDAY_FUZZ_CASES`` sets how many cases (``make fuzz``: 4,000)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from input_fuzz import KINDS, NASTY_VALUES, InputKind, build_catalogue, check_case, mutations

CASES = int(os.environ.get("GAMEDAY_FUZZ_CASES", "300"))


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("catalogue")
    build_catalogue(folder)
    return folder


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_the_unmutated_catalogue_is_accepted(catalogue: Path, kind: InputKind) -> None:
    assert check_case(kind, catalogue, (catalogue / kind.relative).read_text()) is None


@settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(KINDS),
    line=st.integers(min_value=0, max_value=10_000),
    value=st.one_of(st.sampled_from(NASTY_VALUES), st.text(max_size=40)),
    which=st.integers(min_value=0, max_value=8),
)
def test_a_mutated_input_is_accepted_or_refused_with_located_lines(
    catalogue: Path, kind: InputKind, line: int, value: str, which: int
) -> None:
    text = (catalogue / kind.relative).read_text()
    done = list(mutations(text, line, value))
    what, mutated = done[which % len(done)]
    broken = check_case(kind, catalogue, mutated)
    assert broken is None, f"{kind.name} ({kind.relative}), {what}: {broken}"
