"""``gameday rollback [RUN]``: revert what a killed run left applied, from its ledger alone.

Each unreverted fault's recorded revert plan is executed (see :mod:`faults.revert`); a success
writes ``reverted`` to that run's ledger, a failure writes ``failed_revert`` and keeps the fault
open. Running it twice does nothing the second time. The same scan stops a new run on a target
that still has faults applied.
"""

from __future__ import annotations

import sys
from pathlib import Path

from faults.kind import RevertContext, RevertFailed
from faults.revert import execute_revert_plan
from gameday.errors import GamedayError, InputError
from gameday.ledger import Ledger
from gameday.run.open_faults import plan_target, run_folders, unreverted
from gameday.runfolder import RunFolder
from gameday.s3reports.location import is_s3, parse_s3
from gameday.s3reports.remote_run import parse_run_url
from gameday.s3reports.store import S3Reports

ROLLBACK_FAILED_EXIT = 3


def rollback(
    run: str | Path | None,
    reports: str | Path,
    targets_file: Path = Path("targets.yaml"),
    local_reports: Path = Path("reports"),
) -> int:
    """Revert every unreverted fault of ``run`` (or of every run under ``reports``); the exit code.

    ``targets_file`` defines the target each run's plan.json names, for reverts that must reach it.
    Runs in S3 (``run`` or ``reports`` an ``s3://`` URL) are reverted from their ledgers fetched into
    ``local_reports``, and the ledgers that recorded a revert are put back.
    """
    if run is not None and is_s3(run):
        location, run_id = parse_run_url(str(run))
        if run_id is None:
            raise InputError(
                f"{run}: name the run to roll back (…/runs/RUN_ID), or give --reports {location}"
            )
        return _rollback_from_s3(S3Reports(location), local_reports, targets_file, run_id)
    if is_s3(reports):
        return _rollback_from_s3(S3Reports(parse_s3(str(reports))), local_reports, targets_file, None)
    return _rollback_local(Path(run) if run is not None else None, Path(reports), targets_file)


def _rollback_from_s3(store: S3Reports, local_reports: Path, targets_file: Path, run_id: str | None) -> int:
    store.probe()
    pulled = store.pull_rollback_files(local_reports / "runs")
    if run_id is not None:
        pulled = [run_dir for run_dir in pulled if run_dir.name == run_id]
        if not pulled:
            raise InputError(
                f"{store.run_url(run_id)}: no such run (no {RunFolder.LEDGER} or {RunFolder.PLAN} there)"
            )
    before = {run_dir: _ledger_text(run_dir) for run_dir in pulled}
    exit_code = 0
    for run_dir in pulled:
        exit_code = max(exit_code, _rollback_local(run_dir, local_reports, targets_file, quiet=True))
    changed = [run_dir for run_dir in pulled if _ledger_text(run_dir) != before[run_dir]]
    for run_dir in changed:
        store.push_rollback_files(run_dir)
    if not changed and exit_code == 0:
        where = store.location.url("runs") if run_id is None else store.run_url(run_id)
        print(f"nothing to roll back in {where}")
    return exit_code


def _ledger_text(run_dir: Path) -> str:
    try:
        return RunFolder(run_dir).ledger.read_text()
    except OSError:
        return ""


def _rollback_local(run: Path | None, reports: Path, targets_file: Path, quiet: bool = False) -> int:
    if run is not None:
        if not run.is_dir() or not (RunFolder(run).plan.exists() or RunFolder(run).ledger.exists()):
            raise InputError(f"{run}: not a run folder (no {RunFolder.PLAN} or {RunFolder.LEDGER})")
        targets = [run]
    else:
        targets = [r for r in run_folders(reports) if _has_open_faults(r)]
    reverted = 0
    failures: list[str] = []
    for run_dir in targets:
        done, failed = _rollback_run(run_dir, targets_file)
        reverted += done
        failures.extend(failed)
    if reverted == 0 and not failures and not quiet:
        where = str(run) if run is not None else str(reports / "runs")
        print(f"nothing to roll back in {where}")
    for failure in failures:
        print(f"gameday: rollback failed: {failure}", file=sys.stderr)
    return ROLLBACK_FAILED_EXIT if failures else 0


def _has_open_faults(run_dir: Path) -> bool:
    try:
        return bool(unreverted(run_dir))
    except GamedayError:
        return True  # an unreadable ledger is reported by the rollback itself, never skipped


def _rollback_run(run_dir: Path, targets_file: Path) -> tuple[int, list[str]]:
    """Revert one run's open faults, newest first; (how many reverted, one line per failure)."""
    run_id = run_dir.resolve().name
    ledger = Ledger(RunFolder(run_dir).ledger)
    try:
        open_faults = ledger.unreverted()
    except GamedayError as exc:
        return 0, [f"run {run_id}: {exc}"]
    target_name = plan_target(run_dir)
    done = 0
    failures: list[str] = []
    for intent in reversed(open_faults):  # undo in the reverse order of injection, like the run does
        context = RevertContext(
            run_id=run_id, fault_id=intent.fault_id, target_name=target_name, targets_file=targets_file
        )
        try:
            what = execute_revert_plan(intent.revert_plan, context)
        except RevertFailed as exc:
            ledger.failed_revert(intent.fault_id, str(exc))
            failures.append(str(exc))
            continue
        ledger.reverted(intent.fault_id)
        done += 1
        print(f"reverted {run_id} {intent.fault_id} ({intent.kind} on {intent.target}): {what}")
    return done, failures
