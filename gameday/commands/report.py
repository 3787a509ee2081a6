"""``gameday report RUN``: scores and reports again from the run folder alone.

A run folder in S3 is downloaded (checked against its manifest) into the local reports folder,
re-scored there, and its new reports are put back.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gameday import api
from gameday.evidence.records import Verdict
from gameday.runfolder import RunFolder
from gameday.s3reports.location import is_s3
from gameday.s3reports.remote_run import parse_run_url, resolve_run_id
from gameday.s3reports.store import S3Reports


def report(run: str | Path, local_reports: Path = Path("reports")) -> Verdict:
    if not is_s3(run):
        return _report_local(Path(run))
    location, run_id = parse_run_url(str(run))
    store = S3Reports(location)
    store.probe()
    run_dir = store.download_run(resolve_run_id(store, run_id), local_reports / "runs")
    verdict = _report_local(run_dir)
    url = store.upload_run(run_dir)
    print(f"run folder: {url} (local copy: {run_dir})", file=sys.stderr)
    return verdict


def _report_local(run_dir: Path) -> Verdict:
    result = api.report(run_dir)
    print(result.table)
    print(f"\nreport: {RunFolder(run_dir).report}")
    return result.verdict
