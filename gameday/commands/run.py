"""``gameday run``: one game day, its verdict table, and where the report is."""

from __future__ import annotations

import sys
from pathlib import Path

from gameday.evidence.records import Verdict
from gameday.reporting import verdict_table
from gameday.run.orchestrator import run_game_day
from gameday.run.plan import build_plan
from gameday.safety.dry_run import dry_run_lines
from gameday.scenario import load_scenario
from gameday.targets import load_target


def run(scenario_path: Path, target_name: str, targets_path: Path, reports: Path) -> Verdict:
    load_scenario(scenario_path)  # bad input is reported before a target is touched
    target = load_target(targets_path, target_name)
    outcome = run_game_day(scenario_path, target_name, target, reports)
    print(verdict_table(outcome.card))
    print(f"\nreport: {outcome.run_dir / 'report.html'}", file=sys.stderr)
    return outcome.card.verdict


def dry_run(scenario_path: Path, target_name: str, targets_path: Path) -> int:
    """``gameday run --dry-run``: the plan and every change it would make; no run folder, no change."""
    scenario = load_scenario(scenario_path)
    target = load_target(targets_path, target_name)
    for line in dry_run_lines(build_plan(scenario, target_name, run_id="dry-run"), target):
        print(line)
    return 0
