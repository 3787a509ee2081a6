"""``gameday history``: every run of a reports folder (local or in S3) over time, with regressions.

A reports folder in S3 is read through its run folders' scores.json alone, mirrored into
``LOCAL/s3/BUCKET/PREFIX/runs``; the pages are written into the local reports folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gameday.errors import InputError
from gameday.history.page import write_history
from gameday.history.runs import RUNS, read_runs
from gameday.history.trends import histories
from gameday.runfolder import RunFolder
from gameday.s3reports.location import S3Location, parse_reports
from gameday.s3reports.store import S3Reports


def history(reports: str, scenarios: list[str], local_reports: Path, fail_on_regression: bool) -> int:
    """Write history.md and history.html; exit 1 on a regression when asked to, else 0."""
    where = parse_reports(reports)
    if isinstance(where, S3Location):
        folder, out = _mirror(where, local_reports), local_reports
    else:
        if not (where / RUNS).is_dir():
            raise InputError(
                f"{where}: no run folders there (no {RUNS}/ folder); give --reports the folder runs write to"
            )
        folder = out = where
    listed = read_runs(folder, set(scenarios) or None)
    for scenario in sorted(set(scenarios) - {r.scenario for r in listed.runs}):
        print(f"warning: no finished run of {scenario} under {reports}", file=sys.stderr)
    for skipped in listed.skipped:
        print(f"warning: skipped {skipped}", file=sys.stderr)
    found = histories(listed.runs)
    out.mkdir(parents=True, exist_ok=True)
    paths = write_history(out, str(reports), found, listed.skipped)
    for each in found:
        verdict, n = each.streak()
        resilience = " → ".join(
            "n/a" if r.resilience is None else f"{r.resilience:.0f}" for r in each.runs[-5:]
        )
        streak = f"streak {verdict.value} × {n}"
        print(f"{each.scenario}: {len(each.runs)} runs, {streak}, resilience {resilience}")
        for regression in each.regressions:
            print(f"  REGRESSION {regression}")
    if not found:
        print(f"no finished run under {reports}")
    print(f"\nhistory: {paths.html}\n         {paths.markdown}")
    regressed = any(s.regressions for s in found)
    return 1 if fail_on_regression and regressed else 0


def _mirror(location: S3Location, local_reports: Path) -> Path:
    store = S3Reports(location)
    store.probe()
    mirror = local_reports / "s3" / location.bucket / location.prefix
    print(f"reading the runs of {location} …", file=sys.stderr)
    pulled = store.pull_files({RunFolder.SCORES}, mirror / RUNS)
    print(f"{len(pulled)} run folders with scores in {location}", file=sys.stderr)
    return mirror
