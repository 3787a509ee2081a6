"""``gameday report RUN``: scores and reports again from the run folder alone."""

from __future__ import annotations

from pathlib import Path

from gameday import api
from gameday.evidence.records import Verdict
from gameday.runfolder import RunFolder


def report(run_dir: Path) -> Verdict:
    result = api.report(run_dir)
    print(result.table)
    print(f"\nreport: {RunFolder(run_dir).report}")
    return result.verdict
