"""``gameday run``: one game day, its verdict table, and where the report is."""

from __future__ import annotations

import sys
from pathlib import Path

from gameday.local_fit import check_local_fit
from gameday.reporting import verdict_table
from gameday.run.checked import check_variant
from gameday.run.delivered import DeliveredRun, run_delivered
from gameday.run.dependencies import check_dependencies
from gameday.run.plan import build_plan
from gameday.safety.dry_run import dry_run_lines
from gameday.scenario import load_scenario
from gameday.targets import load_target
from loadprofiles.config import WorkerOptions


def run(
    scenario_path: Path,
    target_name: str,
    targets_path: Path,
    reports: str | Path,
    variant: str | None = None,
    workers: WorkerOptions | None = None,
    local_reports: Path = Path("reports"),
) -> DeliveredRun:
    delivered = run_delivered(
        scenario_path, target_name, targets_path, reports, local_reports, variant, workers
    )
    print(verdict_table(delivered.outcome.card))
    print(f"\nreport: {delivered.outcome.run_dir / 'report.html'}", file=sys.stderr)
    return delivered


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
