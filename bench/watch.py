"""Independent observation: poll a check in its own thread and note when it first holds.

The benchmarks time harm and its undoing from what the target shows, never from what an injector
reports about itself, so the watcher runs apart from the code under measurement.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

POLL_INTERVAL_S = 0.002


class Watch:
    """Starts polling at once; :meth:`seen_at` is the wall-clock time the check first passed."""

    def __init__(self, check: Callable[[], bool], timeout_s: float) -> None:
        self._check = check
        self._deadline = time.monotonic() + timeout_s
        self._seen_at: float | None = None
        self._thread = threading.Thread(target=self._poll, name="bench-watch", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while time.monotonic() < self._deadline:
            if self._check():
                self._seen_at = time.time()  # after the answer that showed it: never early
                return
            time.sleep(POLL_INTERVAL_S)

    def seen_at(self) -> float | None:
        """Wait for the watch to end; None when the check never held before the timeout."""
        self._thread.join()
        return self._seen_at
