"""``gameday schema``: the JSON Schema editors check scenario files with agrees with ``gameday validate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from gameday.cli import main
from gameday.commands.schema import scenario_schema

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = sorted((ROOT / "scenarios").glob("*.yaml"))
GOOD = ROOT / "scenarios" / "ci-orders-kill-one.yaml"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = scenario_schema()
    Draft202012Validator.check_schema(schema)  # a valid 2020-12 schema, as editors expect
    return Draft202012Validator(schema)


def test_schema_prints_the_scenario_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == scenario_schema()
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _problems(validator: Draft202012Validator, scenario: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(scenario)]


@pytest.mark.parametrize("path", CATALOGUE, ids=[path.stem for path in CATALOGUE])
def test_every_catalogue_scenario_matches_the_schema(validator: Draft202012Validator, path: Path) -> None:
    assert _problems(validator, yaml.safe_load(path.read_text())) == []


def _good() -> dict[str, Any]:
    scenario: dict[str, Any] = yaml.safe_load(GOOD.read_text())
    return scenario


def _broken(change: str) -> dict[str, Any]:
    scenario = _good()
    fault = scenario["faults"][0]
    if change == "unknown fault kind":
        fault["kind"] = "kill-everything"
    elif change == "field of another kind":
        fault["delay_ms"] = 300
    elif change == "duration in words":
        scenario["duration"] = "45 seconds"
    elif change == "negative duration":
        fault["for"] = -15
    elif change == "no expectations":
        del scenario["expect"]
    elif change == "unknown score":
        scenario["expect"][0]["score"] = "happiness"
    return scenario


CHANGES = [
    "unknown fault kind",
    "field of another kind",
    "duration in words",
    "negative duration",
    "no expectations",
    "unknown score",
]


@pytest.mark.parametrize("change", CHANGES)
def test_a_broken_scenario_does_not_match(validator: Draft202012Validator, change: str) -> None:
    assert _problems(validator, _good()) == []
    assert _problems(validator, _broken(change)) != []


def test_durations_may_be_written_as_text_or_seconds(validator: Draft202012Validator) -> None:
    for duration in ("45s", "1m30s", "1500ms", "0.75m", 45, 12.5):
        scenario = _good() | {"duration": duration}
        assert _problems(validator, scenario) == [], duration
