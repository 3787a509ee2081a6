"""A JSON value checked against a botocore input shape, every problem at once, in plain words.

botocore's own :class:`~botocore.validate.ParamValidator` stops short of what a person editing a
template by hand needs: it reports in Python terms, knows no line numbers and skips the length and
pattern rules FIS applies on its side. This walks the service model the way FIS reads a request and
yields ``(location, message)`` pairs that :mod:`gameday.fis_template` places on the file's lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from gameday.yamltree import Location

Finding = tuple[Location, str]

# Smithy patterns are not anchored: FIS accepts a value in which the pattern is found.
_PLAIN_PATTERNS = {
    r"[\S]+": "must not be empty or only spaces",
    r"[\s\S]+": "must not be empty",
}
# Python's re has no Unicode classes; letters and digits are its \w, separators its \s.
_UNICODE_CLASSES = (("\\p{L}", "\\w"), ("\\p{N}", ""), ("\\p{Z}", "\\s"))


def kind_of(value: object) -> str:
    """How a JSON value is named in a message: what the user wrote, not a Python type."""
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the value {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return "a mapping" if isinstance(value, dict) else "a list"


def check_shape(
    value: Any, shape: Shape, loc: Location, optional: frozenset[str] = frozenset()
) -> Iterator[Finding]:
    """Every way ``value`` at ``loc`` misses ``shape``; ``optional`` members may be absent here."""
    if isinstance(shape, StructureShape):
        yield from _structure(value, shape, loc, optional)
    elif isinstance(shape, ListShape):
        yield from _list(value, shape, loc)
    elif isinstance(shape, MapShape):
        yield from _map(value, shape, loc)
    elif shape.type_name == "string":
        yield from _string(value, shape, loc)
    elif shape.type_name == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        yield loc, f"must be a whole number, not {kind_of(value)}"
    elif shape.type_name == "boolean" and not isinstance(value, bool):
        yield loc, f"must be true or false, not {kind_of(value)}"


def _structure(
    value: Any, shape: StructureShape, loc: Location, optional: frozenset[str]
) -> Iterator[Finding]:
    if not isinstance(value, dict):
        yield loc, f"must be a mapping of fields, not {kind_of(value)}"
        return
    for name in shape.required_members:
        if name not in value and name not in optional:
            yield (*loc, name), "required field is missing"
    for name, item in value.items():
        if name in shape.members:
            yield from check_shape(item, shape.members[name], (*loc, name))
        else:
            yield (*loc, name), f"unknown field (FIS takes: {', '.join(shape.members)})"


def _list(value: Any, shape: ListShape, loc: Location) -> Iterator[Finding]:
    if not isinstance(value, list):
        yield loc, f"must be a list, not {kind_of(value)}"
        return
    yield from _count(len(value), shape, loc)
    for index, item in enumerate(value):
        yield from check_shape(item, shape.member, (*loc, index))


def _map(value: Any, shape: MapShape, loc: Location) -> Iterator[Finding]:
    if not isinstance(value, dict):
        yield loc, f"must be a mapping, not {kind_of(value)}"
        return
    yield from _count(len(value), shape, loc)
    for key, item in value.items():
        for _, problem in _string(key, shape.key, (*loc, key)):
            yield (*loc, key), f"the name {problem}"
        yield from check_shape(item, shape.value, (*loc, key))


def _count(length: int, shape: Shape, loc: Location) -> Iterator[Finding]:
    least, most = shape.metadata.get("min"), shape.metadata.get("max")
    if least is not None and length < least:
        yield loc, f"needs at least {least} entries, not {length}"
    if most is not None and length > most:
        yield loc, f"takes at most {most} entries, not {length}"


def _string(value: Any, shape: Shape, loc: Location) -> Iterator[Finding]:
    if not isinstance(value, str):
        yield loc, f"must be text, not {kind_of(value)}"
        return
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        yield loc, f"'{value[:40]}' is not one of: {', '.join(enum)}"
        return
    least, most = shape.metadata.get("min"), shape.metadata.get("max")
    if least is not None and len(value) < least:
        yield loc, f"must be at least {least} characters long, not {len(value)}"
    elif most is not None and len(value) > most:
        yield loc, f"must be at most {most} characters long, not {len(value)}"
    elif "pattern" in shape.metadata and not _pattern(shape.metadata["pattern"]).search(value):
        pattern = shape.metadata["pattern"]
        yield loc, _PLAIN_PATTERNS.get(pattern, f"'{value[:40]}' has characters FIS does not take here")


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    for unicode_class, python_class in _UNICODE_CLASSES:
        pattern = pattern.replace(unicode_class, python_class)
    return re.compile(pattern)
