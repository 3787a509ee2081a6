"""The load for plain ``locust -f loadprofiles/locustfile.py``, where no run config exists.

Every field of the chosen shape is a ``GAMEDAY_LOAD_<FIELD>`` variable (``GAMEDAY_LOAD_SHAPE=spike``,
``GAMEDAY_LOAD_SPIKE_USERS=40``, ``GAMEDAY_LOAD_FOR=30s``, ``GAMEDAY_LOAD_FILE=loads/day.csv``),
validated by the scenario's own models, so a value that a scenario would refuse is refused here
too, naming the variable. Fields left unset take small defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from gameday.durations import parse_duration
from gameday.errors import InputError
from gameday.loadspecs import SHAPES, LoadSpec
from gameday.yamlfile import problems_from
from loadprofiles.schedule import LoadSchedule

ENV_PREFIX = "GAMEDAY_LOAD_"
DURATION_VARIABLE = ENV_PREFIX + "DURATION"
DEFAULT_DURATION = "10m"

DEFAULTS: dict[str, dict[str, object]] = {
    "steady": {"users": 1},
    "step": {"users": 1, "step_users": 1, "step_every": "30s", "max_users": 10},
    "ramp": {"users": 0, "max_users": 10, "over": "1m"},
    "spike": {"users": 1, "spike_users": 10, "at": "1m", "for": "30s"},
    "wave": {"min_users": 1, "max_users": 10, "period": "5m"},
    "replay": {},
}
"""Small enough for a laptop; every key is a field of its shape."""


def _variable(field: str, shape: str = "") -> str:
    """``spike_users`` → ``GAMEDAY_LOAD_SPIKE_USERS``; within a flow, the rest of the path follows."""
    if field == "(top level)":
        return f"{ENV_PREFIX}SHAPE={shape}"
    head, dot, rest = field.partition(".")
    head, bracket, index = head.partition("[")
    return ENV_PREFIX + head.upper() + bracket + index + dot + rest


def load_from_env(environ: Mapping[str, str], cwd: Path | None = None) -> LoadSpec:
    """The load the ``GAMEDAY_LOAD_*`` variables describe; InputError with one line per wrong variable.

    ``GAMEDAY_LOAD_FLOW`` is ``shop`` or a flow in YAML flow style (``{http: {requests: [...]}}``);
    a replay file is relative to ``cwd``.
    """
    shape = environ.get(_variable("shape"), "step")
    if shape not in SHAPES:
        raise InputError(f"{_variable('shape')}: '{shape}' is not one of: {', '.join(SHAPES)}")
    fields = [field.alias or name for name, field in SHAPES[shape].model_fields.items() if name != "points"]
    given: dict[str, Any] = {name: environ[_variable(name)] for name in fields if _variable(name) in environ}
    known = {_variable(name) for name in ("shape", "duration", *fields)}
    unknown = sorted(name for name in environ if name.startswith(ENV_PREFIX) and name not in known)
    if unknown:
        settable = ", ".join(_variable(name) for name in fields if name != "shape")
        raise InputError(f"{unknown[0]}: not a setting of the {shape} shape (settable: {settable})")
    if "flow" in given:
        try:
            given["flow"] = yaml.safe_load(given["flow"])
        except yaml.YAMLError as exc:
            raise InputError(f"{_variable('flow')}: not valid YAML: {exc}") from None
    data = {**DEFAULTS[shape], **given, "shape": shape}
    try:
        return TypeAdapter(LoadSpec).validate_python(data, context={"scenario_dir": cwd or Path.cwd()})
    except ValidationError as exc:
        problems = problems_from(exc, "", data, {})
        raise InputError("; ".join(f"{_variable(p.field, shape)}: {p.message}" for p in problems)) from None


def _checked(load: LoadSpec, duration_s: float) -> LoadSchedule:
    try:
        load.check_within(duration_s)
    except ValueError as exc:
        raise InputError(f"{DURATION_VARIABLE}: {exc}") from None
    return LoadSchedule(load, duration_s)


def schedule_from_env(environ: Mapping[str, str], cwd: Path | None = None) -> LoadSchedule:
    """The schedule of :func:`load_from_env`, ending after ``GAMEDAY_LOAD_DURATION`` (default 10m)."""
    load = load_from_env(environ, cwd)
    try:
        duration = parse_duration(environ.get(DURATION_VARIABLE, DEFAULT_DURATION))
    except ValueError as exc:
        raise InputError(f"{DURATION_VARIABLE}: {exc}") from None
    return _checked(load, duration)
