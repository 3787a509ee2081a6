"""Where a run's folder goes, for ``gameday run`` and :func:`gameday.api.run`.

A local folder is used as it is. For S3 the run folder is written to the local reports folder as
always and is the local copy; before the run the bucket is checked and the ledgers already in S3
are fetched (a run refuses to start on a target another run left faults applied on, wherever that
run ran); while it runs the ledger goes up as it is written; after it, the whole folder.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gameday.s3reports.location import S3Location, parse_reports
from gameday.s3reports.mirror import LedgerMirror
from gameday.s3reports.store import S3Reports, UploadFailed


@dataclass
class Destination:
    """The local reports folder the run writes, and what became of its S3 upload."""

    local: Path
    url: str | None = None  # the run folder in S3, once uploaded
    upload_error: str | None = None

    @property
    def uploaded(self) -> bool:
        return self.upload_error is None


@contextmanager
def reports_destination(reports: str | Path, local_reports: Path) -> Iterator[Destination]:
    """The local folder to run into; for ``s3://…``, probed before and uploaded after the block."""
    location = parse_reports(reports)
    if not isinstance(location, S3Location):
        yield Destination(location)
        return
    store = S3Reports(location)
    store.probe()
    store.pull_rollback_files(local_reports / "runs")
    destination = Destination(local_reports)
    mirror = LedgerMirror(store, local_reports / "runs")
    try:
        with mirror:
            yield destination
    finally:
        if mirror.run_dir is not None:
            _upload(store, mirror.run_dir, destination)


def _upload(store: S3Reports, run_dir: Path, destination: Destination) -> None:
    try:
        destination.url = store.upload_run(run_dir)
    except UploadFailed as error:
        destination.upload_error = str(error)
        print(f"gameday: upload failed: {error}; the local copy is {run_dir}", file=sys.stderr)
        return
    print(f"run folder: {destination.url} (local copy: {run_dir})", file=sys.stderr)
