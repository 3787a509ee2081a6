"""Users over time from a CSV file, for the replay load shape: rows of ``t,users``.

A team replays the shape of real traffic (a day's users from its analytics, compressed into a game
day) without writing Python. ``t`` is seconds from the start of the run, plain (``90``) or as a
duration (``1m30s``); between rows the users hold (a step function). Problems name the file and
line, because the scenario's own line (``load.file``) says nothing about which row is wrong.
"""

from __future__ import annotations

import csv
from pathlib import Path

from gameday.durations import MAX_SECONDS, parse_duration
from gameday.errors import InputError
from gameday.inputfile import read_input_text
from gameday.limits import MAX_USERS

Point = tuple[float, int]
"""(seconds from the start of the run, users from then on)."""

COLUMNS = ("t", "users")


def read_replay_csv(path: Path, shown_as: str | None = None) -> tuple[Point, ...]:
    """The points of ``path``, or ValueError naming ``shown_as`` (default: the path) and the line."""
    where = shown_as or str(path)
    try:
        text = read_input_text(path, what="replay file").removeprefix("\ufeff")  # a spreadsheet's BOM
    except InputError as error:
        raise ValueError(str(error).replace(str(path), where, 1)) from None
    rows = [
        (number, next(csv.reader([line])))
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not rows or not set(COLUMNS) <= {name.strip() for name in rows[0][1]}:
        found = ",".join(rows[0][1]) if rows else "nothing"
        line = rows[0][0] if rows else 1
        raise ValueError(f"{where}:{line}: the first line must name the columns t,users, not {found}")
    columns = [name.strip() for name in rows[0][1]]
    points: list[Point] = []
    for line, values in rows[1:]:
        if len(values) != len(columns):
            raise ValueError(f"{where}:{line}: expected {len(columns)} values ({','.join(columns)})")
        row = dict(zip(columns, (v.strip() for v in values), strict=True))
        point = (_seconds(row["t"], where, line), _users(row["users"], where, line))
        problem = series_problem(points[-1] if points else None, point)
        if problem is not None:
            raise ValueError(f"{where}:{line}: {problem}")
        points.append(point)
    if not points:
        raise ValueError(f"{where}: no rows after the header t,users")
    return tuple(points)


def series_problem(previous: Point | None, point: Point) -> str | None:
    """What is wrong with ``point`` after ``previous`` (None for the first row), as ``field: message``."""
    t, users = point
    if previous is None and t != 0:
        return "t: the first row must be at 0 (the start of the run)"
    if previous is not None and t <= previous[0]:
        return f"t: must be later than the row before ({previous[0]:g}s)"
    if not 0 <= users <= MAX_USERS:
        return f"users: must be a whole number from 0 to {MAX_USERS:,}"
    return None


def _seconds(text: str, where: str, line: int) -> float:
    try:
        seconds = float(text)
    except ValueError:
        try:
            return parse_duration(text)
        except ValueError as exc:
            raise ValueError(f"{where}:{line}: t: {exc}") from None
    if not 0 <= seconds <= MAX_SECONDS:  # NaN fails both comparisons
        raise ValueError(f"{where}:{line}: t: must be seconds from 0 to a week, not {text}")
    return seconds


def _users(text: str, where: str, line: int) -> int:
    try:
        users = int(text)
    except ValueError:
        raise ValueError(f"{where}:{line}: users: must be a whole number ≥ 0, not {text!r}") from None
    if not 0 <= users <= MAX_USERS:
        raise ValueError(f"{where}:{line}: users: must be a whole number from 0 to {MAX_USERS:,}")
    return users
