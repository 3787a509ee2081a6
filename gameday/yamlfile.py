"""Load YAML files into pydantic models, keeping line numbers for error messages.

The YAML tree (:mod:`gameday.yamltree`) knows where every value stands; pydantic's errors know
which field is wrong. Joining the two gives ``file:line: field: message`` without a hand-written
validator.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from gameday.errors import InputError, Problem
from gameday.inputfile import read_input_text
from gameday.yamltree import Location, YamlProblem, parse_yaml

Model = TypeVar("Model", bound=BaseModel)

_PATTERN_HINTS: dict[str, str] = {}


def hinted(pattern: str, hint: str) -> str:
    """``pattern``, remembered with what a user should write instead when a value misses it:
    ``Field(pattern=hinted(r"^/", "start it with /"))``."""
    _PATTERN_HINTS[pattern] = hint
    return pattern


def located(loc: Location, message: str) -> InitErrorDetails:
    """A cross-field problem placed on the field it is about (``("faults", 2, "at")``), for a
    model validator to raise with :func:`raise_located`, so the user sees that field's line."""
    return InitErrorDetails(
        type=PydanticCustomError("located", "{message}", {"message": message}), loc=loc, input=None
    )


def raise_located(model: str, problems: list[InitErrorDetails]) -> None:
    """Raise every problem at once, each at its field (nothing when there are none)."""
    if problems:
        raise ValidationError.from_exception_data(model, problems)


class SeveralProblems(ValueError):
    """What a field validator raises when it found several problems (an FIS template file's, each
    on its own line of that file): :func:`load_model` gives each its own line under the field's,
    where one ValueError would run them together on one line."""

    def __init__(self, problems: Sequence[object]) -> None:
        self.problems = [str(problem) for problem in problems]
        super().__init__("; ".join(self.problems))


def read_yaml(path: Path) -> tuple[Any, dict[Location, int]]:
    """Parse ``path`` and return the data with a map from field location to line number; any
    problem with the file itself or its YAML is an :class:`InputError` with its line."""
    text = read_input_text(path)
    try:
        return parse_yaml(text)
    except YamlProblem as problem:
        raise InputError([Problem(str(path), problem.line, "", problem.message)]) from None


def field_name(loc: Location) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "(top level)"


def line_for(loc: Location, lines: dict[Location, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _document_location(loc: Location, data: Any) -> Location:
    """Drop the parts pydantic adds that are not in the document (tagged-union member names)."""
    kept: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if part == "[key]":
            continue  # pydantic's mark for an error in a mapping's key, which the field names already
        if isinstance(node, dict) and part not in node and part in node.values():
            continue  # the tag of a discriminated union, e.g. "kill-tasks"
        if isinstance(node, dict) and part not in node and index + 1 < len(loc) and loc[index + 1] in node:
            continue  # a tag told by the fields present, not a value: ``locust`` of ``{locustfile: …}``
        if isinstance(node, dict) and isinstance(part, int):
            continue  # one item written alone where a list is accepted
        kept.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(kept)


_BOUNDS = {
    "greater_than": "more than",
    "greater_than_equal": "at least",
    "less_than": "less than",
    "less_than_equal": "at most",
}


def _describe(item: Any) -> tuple[tuple[str, ...], str]:
    """A user-facing message for one pydantic error, and any field to append to its location."""
    kind, message, ctx = item["type"], item["msg"], item.get("ctx") or {}
    if kind == "missing":
        return (), "required field is missing"
    if kind == "extra_forbidden":
        return (), "unknown field"
    if kind == "union_tag_invalid":
        expected = ctx.get("expected_tags", "").replace("'", "")
        return (ctx["discriminator"].strip("'"),), f"'{ctx['tag']}' is not one of: {expected}"
    if kind == "union_tag_not_found":
        return (ctx["discriminator"].strip("'"),), "required field is missing"
    if kind in _BOUNDS:
        return (), f"must be {_BOUNDS[kind]} {ctx[next(iter(ctx))]}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return (), _PATTERN_HINTS.get(pattern, f"'{item.get('input')}' does not have the form {pattern}")
    if item.get("input") is None and kind.endswith("_type"):
        return (), "is empty: give it a value"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return (), f"must be a mapping of fields, not {_kind_of(item.get('input'))}"
    if kind == "too_short":
        least, actual = ctx.get("min_length", 1), ctx.get("actual_length", 0)
        return (), f"needs at least {least} {'entry' if least == 1 else 'entries'}, not {actual}"
    if kind in ("list_type", "tuple_type"):
        return (), f"must be a list, not {_kind_of(item.get('input'))}"
    return (), message.removeprefix("Value error, ")


def _kind_of(value: object) -> str:
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    if isinstance(value, bool | int | float):
        return f"the value {value}"
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else type(value).__name__


def problems_from(error: ValidationError, file: str, data: Any, lines: dict[Location, int]) -> list[Problem]:
    """Turn pydantic's errors into located problems, one per wrong field (or per problem a
    validator raised as :class:`SeveralProblems`)."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        extra, message = _describe(item)
        loc = _document_location(tuple(item["loc"]), data) + extra
        cause = (item.get("ctx") or {}).get("error")
        messages = cause.problems if isinstance(cause, SeveralProblems) else [message]
        problems.extend(Problem(file, line_for(loc, lines), field_name(loc), text) for text in messages)
    return problems


def load_model(path: Path, model: type[Model], context: dict[str, Any] | None = None) -> Model:
    """Read ``path`` as YAML and validate it as ``model``, raising :class:`InputError` on any problem."""
    data, lines = read_yaml(path)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise InputError(problems_from(exc, str(path), data, lines)) from None
