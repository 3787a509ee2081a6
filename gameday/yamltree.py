"""YAML text to plain values with the line of every field, built from the parser's events.

Input files are untrusted, so the tree is built here rather than by PyYAML's constructor, in one
pass over the event stream (linear in the file; no recursion, so no depth can overflow the stack)
that refuses what no gameday input needs and what could hide a mistake or exhaust the machine:

* a key given twice (PyYAML keeps the last silently: ``faults:`` twice would drop a list);
* tags other than the core scalars (``!!python/…``, ``!foo``, ``!!binary``, ``!!set``), merge
  keys (``<<: *base``) and keys that are not scalars (``? [a, b]``);
* aliases past :data:`MAX_ALIASES`, values expanded past :data:`MAX_VALUES` (a "billion laughs"
  file of 500 bytes), nesting past :data:`MAX_DEPTH`, more than one document;
* numbers that are not finite (``.nan``, ``.inf``, ``1e999``) or too long to be meant.

Scalars resolve as YAML 1.1 does (``yes`` is true, ``1:30`` is 90), except that timestamps stay
strings: no field takes a date, and a name like ``2024-01-01`` must not turn into one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import yaml

Location = tuple[str | int, ...]

MAX_DEPTH = 64  # the deepest real input (a FIS template) nests about 8
MAX_ALIASES = 100
MAX_VALUES = 1_000_000  # values in the tree, aliases expanded
MAX_NUMBER_DIGITS = 40

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null")}
_CONSTRUCT = yaml.constructor.SafeConstructor()
# The constructor's own methods per core tag; called directly because ``construct_object`` keeps
# every node it built, which would grow for as long as the process reads files.
_CONSTRUCTORS = {
    "str": _CONSTRUCT.construct_yaml_str,
    "int": _CONSTRUCT.construct_yaml_int,
    "float": _CONSTRUCT.construct_yaml_float,
    "bool": _CONSTRUCT.construct_yaml_bool,
    "null": _CONSTRUCT.construct_yaml_null,
}
_NULLS = ("", "~", "null", "Null", "NULL")
_RESOLVER = yaml.resolver.Resolver()
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when built with it


class YamlProblem(ValueError):
    """What is wrong, and the 1-based line where it is."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class _Open:
    """A mapping or sequence being built."""

    value: dict[Any, Any] | list[Any]
    path: Location
    anchor: str | None
    size: int = 1  # values inside, itself included (what an alias of it repeats)
    key: Any = None  # the key read, waiting for its value
    has_key: bool = False

    def expects_key(self) -> bool:
        return isinstance(self.value, dict) and not self.has_key

    def child_path(self) -> Location:
        if isinstance(self.value, list):
            return (*self.path, len(self.value))
        return (*self.path, self.key) if self.has_key else self.path


def parse_yaml(text: str) -> tuple[Any, dict[Location, int]]:
    """The one document in ``text`` as plain values, and each field's line; :class:`YamlProblem`
    (never a PyYAML or Python error) when it cannot be read or holds what inputs must not."""
    tree = _TreeBuilder()
    try:
        for event in yaml.parse(text, Loader=_Loader):
            tree.take(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        if mark is not None and text[mark.index : mark.index + 1] == "\t":
            raise YamlProblem(line, "a tab: YAML indents with spaces only") from None
        raise YamlProblem(line, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlProblem(line, f"the character #x{exc.character:04x} is not allowed in YAML") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(None, f"not valid YAML: {exc}") from None
    if not tree.result:
        raise YamlProblem(None, "the file is empty")
    return tree.result[0], tree.lines


class _TreeBuilder:
    """Builds values from parser events, one event at a time, with the budgets above."""

    def __init__(self) -> None:
        self.lines: dict[Location, int] = {}
        self.result: list[Any] = []
        self._stack: list[_Open] = []
        self._anchors: dict[str, tuple[Any, int]] = {}  # anchor → (value, size)
        self._aliases = self._values = self._documents = 0
        self._line: int | None = None

    def take(self, event: yaml.Event) -> None:
        self._line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.DocumentStartEvent):
            self._documents += 1
            if self._documents > 1:
                raise self._problem("a second YAML document ('---'): a file holds one")
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._open(event)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            done = self._stack.pop()
            if done.anchor is not None:
                self._anchors[done.anchor] = (done.value, done.size)
            self._place(done.value, done.size)
        elif isinstance(event, yaml.ScalarEvent):
            self._scalar(event)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)

    def _problem(self, message: str) -> YamlProblem:
        return YamlProblem(self._line, message)

    def _count(self, size: int) -> None:
        """Count values as they are read, an alias as the values it repeats."""
        self._values += size
        if self._values > MAX_VALUES:
            raise self._problem(f"more than {MAX_VALUES:,} values (aliases expanded)")

    def _open(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent) -> None:
        mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", f"{_CORE}{'map' if mapping else 'seq'}"):
            raise self._problem(f"the tag {_shown_tag(event.tag)} is not allowed: write plain YAML")
        if self._stack and self._stack[-1].expects_key():
            raise self._problem("a key must be a plain value, not a list or a mapping")
        if len(self._stack) >= MAX_DEPTH:
            raise self._problem(f"nested deeper than {MAX_DEPTH} levels")
        self._count(1)
        path = self._stack[-1].child_path() if self._stack else ()
        self.lines.setdefault(path, self._line or 0)  # a mapping's value keeps the line of its key
        self._stack.append(_Open({} if mapping else [], path, event.anchor))

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        value = _scalar(event, self._line)
        self._count(1)
        if event.anchor is not None:
            self._anchors[event.anchor] = (value, 1)
        if (
            event.implicit[0]
            and event.tag is None
            and value == "<<"
            and self._stack[-1:]
            and self._stack[-1].expects_key()
        ):
            raise self._problem("merge keys (<<) are not allowed: write the fields out")
        self._place(value, 1)

    def _alias(self, event: yaml.AliasEvent) -> None:
        if event.anchor not in self._anchors:
            raise self._problem(f"the alias *{event.anchor} names no anchor before it")
        self._aliases += 1
        if self._aliases > MAX_ALIASES:
            raise self._problem(f"more than {MAX_ALIASES} aliases (*name)")
        value, size = self._anchors[event.anchor]
        self._count(size)
        self._place(value, size)

    def _place(self, value: Any, size: int) -> None:
        if not self._stack:
            self.lines.setdefault((), self._line or 1)  # a document that is one scalar
            self.result.append(value)
            return
        parent = self._stack[-1]
        parent.size += size
        if isinstance(parent.value, list):
            self.lines.setdefault((*parent.path, len(parent.value)), self._line or 0)
            parent.value.append(value)
        elif parent.has_key:
            parent.value[parent.key] = value
            parent.has_key = False
        else:
            self._take_key(parent, value)

    def _take_key(self, parent: _Open, key: Any) -> None:
        try:
            hash(key)
        except TypeError:
            raise self._problem("a key must be a plain value, not a list or a mapping") from None
        assert isinstance(parent.value, dict)
        if key in parent.value:
            first = self.lines.get((*parent.path, key))
            raise self._problem(
                f"the key '{key}' is given twice" + (f" (first on line {first})" if first else "")
            )
        self.lines[(*parent.path, key)] = self._line or 0
        parent.key, parent.has_key = key, True


def _scalar(event: yaml.ScalarEvent, line: int | None) -> Any:
    """The scalar's value: plain ones resolved as YAML 1.1 does, quoted ones strings, explicit
    core tags honoured (``!!float abc`` is an error), any other tag refused."""
    tag = event.tag
    if tag in (None, "!"):
        if not event.implicit[0]:  # quoted, or a block scalar: text
            return event.value
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, (True, False))
        if tag not in _SCALAR_TAGS:
            return event.value  # timestamps, ``=`` and ``<<`` as values stay text
    elif tag not in _SCALAR_TAGS:
        raise YamlProblem(line, f"the tag {_shown_tag(tag)} is not allowed: write plain YAML")
    kind = tag.removeprefix(_CORE)
    if kind in ("int", "float") and len(event.value) > MAX_NUMBER_DIGITS:
        raise YamlProblem(line, f"the number {event.value[:20]}… has more than {MAX_NUMBER_DIGITS} digits")
    if kind == "null" and event.value not in _NULLS:
        raise YamlProblem(line, f"'{event.value}' is not a valid null")
    try:
        value = _CONSTRUCTORS[kind](yaml.ScalarNode(tag, event.value))
    except (ValueError, TypeError, KeyError, yaml.YAMLError):
        raise YamlProblem(line, f"'{event.value}' is not a valid {kind}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlProblem(line, f"'{event.value}' is not a finite number")
    return value


def _shown_tag(tag: str) -> str:
    return f"!!{tag.removeprefix(_CORE)}" if tag.startswith(_CORE) else tag
