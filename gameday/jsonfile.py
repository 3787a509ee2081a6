"""JSON input files (FIS experiment templates), read strictly and with the line of every field.

The data comes from :mod:`json` with what JSON allows and no more: a key given twice, ``NaN`` or
``Infinity`` are errors (Python's parser would take the last key and the non-number silently).
The lines come from reading the same text as YAML, which JSON is, with the budgets of
:mod:`gameday.yamltree`; when that reader cannot place a field, errors go without a line rather
than fail.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from gameday.errors import InputError, Problem
from gameday.inputfile import read_input_text
from gameday.yamltree import MAX_DEPTH, MAX_NUMBER_DIGITS, Location, YamlProblem, parse_yaml

# What the YAML reading finds with a line that the JSON reading would find without one.
_LOCATED_FIRST = ("the key", "the number", "'")
# A character beyond the BMP escaped as JSON writes it (json.dumps: "\ud83d\udd25"); YAML takes
# each half as a lone surrogate and gives up on the whole file, so its lines would all be lost.
_SURROGATE_PAIR = re.compile(r"(?<!\\)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


class _Refused(ValueError):
    def __init__(self, message: str, token: str) -> None:
        super().__init__(message)
        self.token = token  # the text refused, to find its line by


def _line_of(text: str, token: str) -> int | None:
    at = text.find(token)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def read_json(path: Path, what: str = "file") -> tuple[Any, dict[Location, int]]:
    """The JSON value in ``path`` and each field's line, or an :class:`InputError` with its line."""
    text = read_input_text(path, what=what)
    lines: dict[Location, int] = {}
    try:
        _, lines = parse_yaml(_SURROGATE_PAIR.sub(_astral, text))
    except YamlProblem as problem:
        if "nesting" in problem.message or "nested" in problem.message:
            raise _problem(path, problem.line, f"nested deeper than {MAX_DEPTH} levels") from None
        if problem.message.startswith(_LOCATED_FIRST):  # said with its line; JSON would say it without
            raise _problem(path, problem.line, problem.message) from None
        if not text.strip():
            raise _problem(path, None, "the file is empty") from None
    try:
        data = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_float=_finite,
            parse_int=_whole,
        )
    except json.JSONDecodeError as exc:
        raise _problem(path, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except _Refused as exc:
        raise _problem(path, _line_of(text, exc.token), str(exc)) from None
    except RecursionError:
        raise _problem(path, None, f"nested deeper than {MAX_DEPTH} levels") from None
    return data, lines


def _astral(pair: re.Match[str]) -> str:
    """The one character a JSON surrogate-pair escape stands for (same line, so the same lines)."""
    high, low = int(pair[1], 16) - 0xD800, int(pair[2], 16) - 0xDC00
    return chr(0x10000 + (high << 10) + low)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Refused(f"the key '{key}' is given twice in one object", f'"{key}"')
        found[key] = value
    return found


def _no_constant(name: str) -> float:
    raise _Refused(f"{name} is not a JSON number", name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text} is too large", text)
    return value


def _whole(text: str) -> int:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _Refused(f"the number {text[:20]}… has more than {MAX_NUMBER_DIGITS} digits", text)
    return int(text)


def _problem(path: Path, line: int | None, message: str) -> InputError:
    return InputError([Problem(str(path), line, "", message)])
