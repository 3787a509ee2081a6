"""``gameday run``: one game day, its verdict table, and where the report is."""

from __future__ import annotations

import sys
from pathlib import Path

from gameday.errors import InputError
from gameday.evidence.records import Verdict
from gameday.local_fit import check_local_fit
from gameday.localcloud.variants import load_stack_as
from gameday.reporting import verdict_table
from gameday.run.dependencies import check_dependencies
from gameday.run.orchestrator import run_game_day
from gameday.run.plan import build_plan
from gameday.safety.dry_run import dry_run_lines
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


def run(
    scenario_path: Path,
    target_name: str,
    targets_path: Path,
    reports: Path,
    variant: str | None = None,
    workers: WorkerOptions | None = None,
) -> Verdict:
    load_scenario(scenario_path)  # bad input is reported before a target is touched
    target = load_target(targets_path, target_name)
    check_variant(target, target_name, variant)
    outcome = run_game_day(scenario_path, target_name, target, reports, variant=variant, workers=workers)
    print(verdict_table(outcome.card))
    print(f"\nreport: {outcome.run_dir / 'report.html'}", file=sys.stderr)
    return outcome.card.verdict


def dry_run(scenario_path: Path, target_name: str, targets_path: Path, variant: str | None = None) -> int:
    """``gameday run --dry-run``: the plan and every change it would make; no run folder, no change."""
    scenario = load_scenario(scenario_path)
    target = load_target(targets_path, target_name)
    check_variant(target, target_name, variant)
    check_dependencies(scenario_path, scenario, target_name, target)
    check_local_fit(scenario_path, scenario, target, variant)
    plan = build_plan(scenario, target, target_name, run_id="dry-run", variant=variant)
    for line in dry_run_lines(plan, target):
        print(line)
    return 0
