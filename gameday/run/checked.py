"""A game day started from a scenario file and a target name, every input checked first.

``gameday run`` and :func:`gameday.api.run` both start runs this way, so the order of checks (the
scenario before any target is touched, the variant against its target) is written once.
"""

from __future__ import annotations

from pathlib import Path

from gameday.errors import InputError
from gameday.localcloud.variants import load_stack_as
from gameday.run.orchestrator import RunOutcome, run_game_day
from gameday.scenario import load_scenario
from gameday.targets import LocalTarget, Target, load_target
from loadprofiles.config import WorkerOptions


def check_variant(target: Target, target_name: str, variant: str | None) -> None:
    """A variant is a localcloud stack overlay: an unknown name or an AWS target is bad input."""
    if variant is None:
        return
    if not isinstance(target, LocalTarget):
        raise InputError(f"--variant applies to localcloud targets only; '{target_name}' is not one")
    load_stack_as(target.stack, variant)


def run_checked(
    scenario_path: Path,
    target_name: str,
    targets_path: Path,
    reports: Path,
    variant: str | None = None,
    workers: WorkerOptions | None = None,
) -> RunOutcome:
    """Check the scenario, the target and the variant, then run the game day."""
    load_scenario(scenario_path)  # bad input is reported before a target is touched
    target = load_target(targets_path, target_name)
    check_variant(target, target_name, variant)
    return run_game_day(scenario_path, target_name, target, reports, variant=variant, workers=workers)
