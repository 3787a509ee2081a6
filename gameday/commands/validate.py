"""``gameday validate``: check scenarios before anything runs."""

from __future__ import annotations

import sys
from pathlib import Path

from gameday.errors import InputError
from gameday.scenario import load_scenario


def validate(paths: list[Path]) -> int:
    """Print every problem of every file (not just the first), then exit 2 if there was any."""
    problems = 0
    for path in paths:
        try:
            scenario = load_scenario(path)
        except InputError as exc:
            problems += len(exc.problems)
            print(exc, file=sys.stderr)
            continue
        print(f"{path}: ok ({scenario.name}: {len(scenario.faults)} fault(s), {scenario.duration:g}s)")
    if problems:
        raise InputError(f"{problems} problem(s) found") from None
    return 0
