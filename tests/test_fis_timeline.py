"""How long an FIS template runs, and a fis-template fault whose window is shorter than that."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fis_helpers import scenario_with
from hypothesis import given, settings
from hypothesis import strategies as st

from gameday.errors import InputError
from gameday.fis_timeline import iso_seconds, template_run_s
from gameday.scenario import load_scenario


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT1H30M", 5400.0), ("PT5M", 300.0), ("PT0.5S", 0.5), ("P1D", 86400.0), ("PT1M30S", 90.0)],
)
def test_durations_fis_uses_are_read(text: str, seconds: float) -> None:
    assert iso_seconds(text) == seconds


@pytest.mark.parametrize("text", ["P", "PT", "P1M", "P1Y", "P1W", "5m", "", "PT-1M"])
def test_durations_that_cannot_be_told_are_none(text: str) -> None:
    assert iso_seconds(text) is None


def _action(duration: str | None = None, after: list[Any] | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"actionId": "aws:fis:wait" if duration else "aws:ecs:stop-task"}
    if duration:
        action["parameters"] = {"duration": duration}
    if after is not None:
        action["startAfter"] = after
    return action


WAIT_THEN_STOP = {"actions": {"wait": _action("PT2M"), "stop": _action(after=["wait"])}}


@pytest.mark.parametrize(
    ("actions", "seconds"),
    [
        ({}, 0.0),
        ({"stop": _action()}, 0.0),
        (WAIT_THEN_STOP["actions"], 120.0),
        ({"a": _action("PT1M"), "b": _action("PT3M")}, 180.0),  # side by side: the longer one
        ({"w": _action("PT2M"), "l": _action("PT5M", ["w"]), "s": _action(after=["w"])}, 420.0),
        ({"a": _action("PT1M"), "b": _action("PT1M", ["a"]), "c": _action("PT1M", ["a", "b"])}, 180.0),
    ],
)
def test_an_action_starts_when_everything_it_waits_for_has_ended(
    actions: dict[str, Any], seconds: float
) -> None:
    assert template_run_s({"actions": actions}) == seconds


def test_a_loop_or_a_duration_in_months_cannot_be_told() -> None:
    assert template_run_s({"actions": {"a": _action("PT1M", ["b"]), "b": _action("PT1M", ["a"])}}) is None
    assert template_run_s({"actions": {"a": _action("P1M")}}) is None


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=6),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
        max_leaves=20,
    )
)
def test_any_json_gives_a_length_or_none(actions: Any) -> None:
    result = template_run_s({"actions": actions})
    assert result is None or result >= 0


def _scenario(tmp_path: Path, window: str) -> Path:
    (tmp_path / "t.json").write_text(json.dumps(WAIT_THEN_STOP), encoding="utf-8")
    return scenario_with(tmp_path, [{"kind": "fis-template", "file": "t.json", "at": "10s", "for": window}])


def test_a_window_shorter_than_the_template_is_refused_with_the_shortfall(tmp_path: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"faults\[0\]: for is 90s but the template's waits and actions take 120s: 30s short "
        r"\(gameday stops the experiment when for ends\)",
    ):
        load_scenario(_scenario(tmp_path, "90s"))
    assert load_scenario(_scenario(tmp_path, "2m")).faults[0].for_ == 120
