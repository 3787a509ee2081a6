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
    actions = template.get("actions")
    if not isinstance(actions, dict):
        return None
    ends: dict[str, float | None] = {}

    def end(name: str, seen: frozenset[str]) -> float | None:
        if name in seen:
            return None
        if name not in ends:
            ends[name] = _end(name, actions, lambda before: end(before, seen | {name}))
        return ends[name]

    found = [end(name, frozenset()) for name in actions]
    return None if any(e is None for e in found) else max((e for e in found if e is not None), default=0.0)


def _end(name: str, actions: dict[str, Any], end_of: Callable[[str], float | None]) -> float | None:
    action = _mapping(actions[name])
    after = action.get("startAfter")
    named = [before for before in (after if isinstance(after, list) else []) if isinstance(before, str)]
    starts = [end_of(before) for before in named if before in actions]
    if any(start is None for start in starts):
        return None
    duration = _mapping(action.get("parameters")).get("duration")
    lasts = iso_seconds(duration) if isinstance(duration, str) else 0.0
    if lasts is None:
        return None
    return max((s for s in starts if s is not None), default=0.0) + lasts


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
