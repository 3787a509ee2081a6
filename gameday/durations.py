"""Durations as people write them in YAML: ``30s``, ``2m``, ``1m30s``, ``1500ms`` or plain seconds."""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_SECONDS = 7 * 24 * 3600.0  # a game day lasts minutes; no time in any input comes near a week


def parse_duration(value: object) -> float:
    """Return seconds; raise ValueError with a message fit for a user."""
    if value is None:
        raise ValueError("is empty: give a duration such as 30s, 2m or 1m30s")
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 2m or 1m30s")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        if not text or _PART.sub("", text) or not _PART.search(text):
            raise ValueError(f"'{value}' is not a duration (use 30s, 2m, 1m30s or 1500ms)")
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(text))
    else:
        raise ValueError("expected a duration such as 30s, 2m or 1m30s")
    if not math.isfinite(seconds):
        raise ValueError("a duration must be a finite number of seconds")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_SECONDS:
        raise ValueError(f"{value} is longer than a week: no time in gameday needs that much")
    return seconds


Seconds = Annotated[float, BeforeValidator(parse_duration)]
"""A pydantic field type: accepts ``30s``-style strings and numbers, holds float seconds."""
