"""How long an FIS experiment template runs: its waits and action durations along ``startAfter``.

A ``fis-template`` fault's ``for`` is the window gameday gives the experiment: it stops the
experiment when the window ends. A template whose waits and actions take longer would be cut
short without anyone noticing, so the scenario is refused with the shortfall instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_SECONDS = {"D": 86400.0, "H": 3600.0, "M": 60.0, "S": 1.0}
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def iso_seconds(text: str) -> float | None:
    """``PT1H30M`` → 5400.0; None for what FIS durations do not use (years, months, weeks)."""
    match = _DURATION.fullmatch(text)
    if match is None or text in ("P", "PT"):
        return None
    return sum(
        float(part) * _SECONDS[unit] for part, unit in zip(match.groups(), "DHMS", strict=True) if part
    )


def template_run_s(template: dict[str, Any]) -> float | None:
    """When the template's last action ends, in seconds after the experiment starts.

    An action starts when every action it names in ``startAfter`` has ended (at once without),
    and lasts its ``duration`` parameter (``aws:fis:wait`` included); an action without one, such
    as ``aws:ecs:stop-task``, ends as it starts. None when that cannot be told: a duration in
    years or months, or a ``startAfter`` loop (both are reported by the template checks).
    """
    starts = action_starts(template)
    if starts is None:
        return None
    actions = _mapping(template.get("actions"))
    return max((start + (_lasts(actions[name]) or 0.0) for name, start in starts.items()), default=0.0)


def action_starts(template: dict[str, Any]) -> dict[str, float] | None:
    """When each action starts, in seconds after the experiment starts; None as for :func:`template_run_s`."""
    actions = template.get("actions")
    if not isinstance(actions, dict):
        return None
    starts: dict[str, float | None] = {}

    def start(name: str, seen: frozenset[str]) -> float | None:
        if name in seen:
            return None
        if name not in starts:
            starts[name] = _start(name, actions, lambda before: start(before, seen | {name}))
        return starts[name]

    found = {name: start(name, frozenset()) for name in actions}
    if any(value is None or _lasts(actions[name]) is None for name, value in found.items()):
        return None
    return {name: value for name, value in found.items() if value is not None}


def _start(name: str, actions: dict[str, Any], start_of: Callable[[str], float | None]) -> float | None:
    after = _mapping(actions[name]).get("startAfter")
    named = [before for before in (after if isinstance(after, list) else []) if isinstance(before, str)]
    ends = []
    for before in (before for before in named if before in actions):
        begins, lasts = start_of(before), _lasts(actions[before])
        if begins is None or lasts is None:
            return None
        ends.append(begins + lasts)
    return max(ends, default=0.0)


def action_duration_s(action: object) -> float | None:
    """An action's ``duration`` parameter in seconds; None without one (it ends as it starts)."""
    return _lasts(action) if "duration" in _mapping(_mapping(action).get("parameters")) else None


def _lasts(action: object) -> float | None:
    """How long an action takes: 0 without a duration; None for one that cannot be told."""
    duration = _mapping(_mapping(action).get("parameters")).get("duration")
    return iso_seconds(duration) if isinstance(duration, str) else 0.0


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
