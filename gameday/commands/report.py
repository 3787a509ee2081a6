"""``gameday report RUN``: scores and reports again from the run folder alone."""

from __future__ import annotations

from pathlib import Path

from gameday.errors import InputError
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Verdict
from gameday.reporting import verdict_table, write_reports
from gameday.runfolder import RunFolder
from gameday.scenario import load_scenario
from gameday.scoring import score_run


def report(run_dir: Path) -> Verdict:
    scenario_file = RunFolder(run_dir).scenario
    if not scenario_file.exists():
        raise InputError(f"{run_dir}: not a run folder (no scenario.yaml)")
    scenario = load_scenario(scenario_file, check_files=False)
    evidence = RunEvidence.load(run_dir)
    card = score_run(scenario, evidence)
    write_reports(run_dir, scenario, evidence, card)
    print(verdict_table(card))
    print(f"\nreport: {RunFolder(run_dir).report}")
    return card.verdict
