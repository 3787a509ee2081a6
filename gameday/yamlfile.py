"""Load YAML files into pydantic models, keeping line numbers for error messages.

PyYAML's composed node tree knows where every value stands; pydantic's errors know which field is
wrong. Joining the two gives ``file:line: field: message`` without a hand-written validator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from gameday.errors import InputError, Problem

Model = TypeVar("Model", bound=BaseModel)
Location = tuple[str | int, ...]


def _to_python(node: yaml.Node, path: Location, lines: dict[Location, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, index), lines) for index, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def read_yaml(path: Path) -> tuple[Any, dict[Location, int]]:
    """Parse ``path`` and return the data with a map from field location to line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError([Problem(str(path), None, "", f"cannot read file: {exc.strerror}")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise InputError([Problem(str(path), line, "", f"not valid YAML: {reason}")]) from None
    if node is None:
        raise InputError([Problem(str(path), None, "", "file is empty")])
    lines: dict[Location, int] = {}
    return _to_python(node, (), lines), lines


def _field_name(loc: Location) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "(top level)"


def _line_for(loc: Location, lines: dict[Location, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _document_location(loc: Location, data: Any) -> Location:
    """Drop the parts pydantic adds that are not in the document (tagged-union member names)."""
    kept: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node and part in node.values():
            continue  # the tag of a discriminated union, e.g. "kill-tasks"
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
        return (), "use lowercase letters, digits and '-' only, starting with a letter or digit"
    return (), message.removeprefix("Value error, ")


def problems_from(error: ValidationError, file: str, data: Any, lines: dict[Location, int]) -> list[Problem]:
    """Turn pydantic's errors into located problems, one per wrong field."""
    problems = []
    for item in error.errors(include_url=False):
        extra, message = _describe(item)
        loc = _document_location(tuple(item["loc"]), data) + extra
        problems.append(Problem(file, _line_for(loc, lines), _field_name(loc), message))
    return problems


def load_model(path: Path, model: type[Model], context: dict[str, Any] | None = None) -> Model:
    """Read ``path`` as YAML and validate it as ``model``, raising :class:`InputError` on any problem."""
    data, lines = read_yaml(path)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise InputError(problems_from(exc, str(path), data, lines)) from None
