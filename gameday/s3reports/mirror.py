"""The ledger and plan in S3 while the run writes them.

A Fargate task killed mid-fault takes its disk with it; the faults it left applied can only be
reverted from what reached S3. So a thread watches for the run folder the run creates and puts
its ledger and plan up each time they change, within a second.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from gameday.aws_session import describe_error
from gameday.s3reports.store import ROLLBACK_FILES, S3Reports

POLL_S = 1.0


class LedgerMirror:
    """Uploads the rollback files of the one run folder that appears under ``runs`` after it starts."""

    def __init__(self, store: S3Reports, runs: Path) -> None:
        self.store = store
        self.runs = runs
        self.run_dir: Path | None = None
        self._before = self._run_folders()
        self._sent: dict[str, tuple[int, int]] = {}
        self._warned = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="ledger-mirror", daemon=True)

    def __enter__(self) -> LedgerMirror:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sync()  # the last word of the ledger, whatever the thread last saw

    def _run_folders(self) -> set[str]:
        return {p.name for p in self.runs.iterdir() if p.is_dir()} if self.runs.is_dir() else set()

    def _watch(self) -> None:
        while not self._stop.wait(POLL_S):
            self.sync()

    def sync(self) -> None:
        """Find the run folder if it is new, and upload what changed since the last upload."""
        if self.run_dir is None:
            new = sorted(self._run_folders() - self._before)
            if not new:
                return
            self.run_dir = self.runs / new[0]
        for name in ROLLBACK_FILES:
            path = self.run_dir / name
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            version = (stat.st_size, stat.st_mtime_ns)
            if self._sent.get(name) == version:
                continue
            try:
                self.store.put_file(path, self.run_dir.name, name)
            except (ClientError, BotoCoreError) as error:
                if not self._warned:  # said once; the next change tries again
                    print(
                        f"gameday: warning: {name} did not reach S3 yet: {describe_error(error)}",
                        file=sys.stderr,
                    )
                    self._warned = True
                continue
            self._sent[name] = version
