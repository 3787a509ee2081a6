"""``gameday validate``: check scenarios before anything runs."""

from __future__ import annotations

import sys
from pathlib import Path

from gameday.errors import InputError, Problem
from gameday.local_fit import check_local_fit
from gameday.run.dependencies import check_dependencies
from gameday.scenario import Scenario, load_scenario
from gameday.targets import Target, load_target


def validate(
    paths: list[Path], target_name: str | None = None, targets_path: Path = Path("targets.yaml")
) -> int:
    """Print every problem of every file (not just the first), then exit 2 if there was any.

    With ``target_name``, each scenario is also checked as a run on that target checks it before it
    starts (its faults against a localcloud stack, the dependencies it grades), so a name the
    target lacks is found before a run is scheduled.
    """
    target = None if target_name is None else (target_name, load_target(targets_path, target_name))
    problems = 0
    for path in paths:
        try:
            scenario = load_scenario(path)
            if target is not None:
                _check_against(path, scenario, *target)
        except InputError as exc:
            problems += len(exc.problems)
            print(exc, file=sys.stderr)
            continue
        print(f"{path}: ok ({scenario.name}: {len(scenario.faults)} fault(s), {scenario.duration:g}s)")
    if problems:
        raise InputError(f"{problems} problem(s) found") from None
    return 0


def _check_against(path: Path, scenario: Scenario, target_name: str, target: Target) -> None:
    """Both checks, their problems together: one must not hide the other's."""
    problems: list[Problem] = []
    try:
        check_local_fit(path, scenario, target)
    except InputError as error:
        problems.extend(error.problems)
    try:
        check_dependencies(path, scenario, target_name, target)
    except InputError as error:
        problems.extend(error.problems)
    if problems:
        raise InputError(problems)
