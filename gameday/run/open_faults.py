"""Faults still applied: the run folders whose ledgers hold an intent with no ``reverted`` line.

Both ``gameday rollback`` (to undo them) and a new run (to refuse to start on the same target)
read the run folders this way.
"""

from __future__ import annotations

from pathlib import Path

from gameday.errors import EnvironmentProblem
from gameday.ledger import Intent, Ledger
from gameday.runfolder import RunFolder


def run_folders(reports: Path) -> list[Path]:
    """Every run folder under ``reports/runs``, newest first (names start with the UTC time)."""
    runs = reports / "runs"
    if not runs.is_dir():
        return []
    return sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True)


def plan_target(run_dir: Path) -> str | None:
    """The target name the run's plan.json records, or None if there is none to read."""
    return RunFolder(run_dir).plan_target()


def unreverted(run_dir: Path) -> list[Intent]:
    return Ledger(RunFolder(run_dir).ledger).unreverted()


def refuse_if_unreverted(reports: Path, target_name: str) -> None:
    """Raise (exit 2) if any run under ``reports`` left faults applied on ``target_name``."""
    lines = []
    for run_dir in run_folders(reports):
        if plan_target(run_dir) != target_name:
            continue
        open_faults = unreverted(run_dir)
        if not open_faults:
            continue
        count = len(open_faults)
        ids = ", ".join(f.fault_id for f in open_faults)
        lines.append(
            f"target '{target_name}' has {count} unreverted fault{'s' if count != 1 else ''} from run "
            f"{run_dir.name} ({ids}); run `gameday rollback {run_dir}` first"
        )
    if lines:
        raise EnvironmentProblem("\n".join(lines))
