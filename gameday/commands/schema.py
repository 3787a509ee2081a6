"""``gameday schema``: the JSON Schema of scenario files, for editors and other tools.

It is generated from the pydantic models that validate scenarios (with every installed fault and
score kind), so it never drifts from what ``gameday validate`` accepts. An editor that reads it
(``# yaml-language-server: $schema=gameday.schema.json``) completes field names and flags unknown
kinds and fields as they are typed. Checks that span fields (a fault inside the run, a file that
exists) stay with ``gameday validate``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from gameday.durations import parse_duration
from gameday.scenario import Scenario

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*(ms|s|m|h)\s*)+$"
"""What :func:`gameday.durations.parse_duration` reads as text: ``30s``, ``2m``, ``1m30s``, ``1500ms``."""


class _ScenarioSchema(GenerateJsonSchema):
    """pydantic's generator, except that a duration is a number of seconds or a ``30s``-style string.

    pydantic only sees the float a duration becomes; the limits on that float (``gt=0``) are kept
    for numbers, and text is held to the duration syntax.
    """

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        if schema["function"]["function"] is parse_duration:
            text = {"type": "string", "pattern": DURATION_PATTERN, "examples": ["30s", "2m", "1m30s"]}
            return {"anyOf": [self.generate_inner(schema["schema"]), text]}
        return super().function_before_schema(schema)


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one scenario file."""
    generated = Scenario.model_json_schema(mode="validation", schema_generator=_ScenarioSchema)
    return {"$schema": DRAFT, **generated, "title": "gameday scenario"}


def schema_json() -> str:
    """The schema as ``gameday schema`` prints it and ``gameday init`` saves it."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


def schema() -> int:
    print(schema_json(), end="")
    return 0
