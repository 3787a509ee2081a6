"""The run clock: epoch seconds for every record, measured on the monotonic clock.

Records (fault times, phases, the ledger's windows) are epoch seconds, so they line up with the
requests, metrics and traces the target reports. Measuring them as ``time.time()`` would let an NTP
step move a fault against its phase mid-run; so the clock reads the wall clock once, at the start,
and counts from there on ``time.monotonic()``. Waiting is a sleep until the next moment something
is due, not a poll on a fixed tick, so a fault fires within a few milliseconds of its time.
"""

from __future__ import annotations

import time


class RunClock:
    def __init__(self) -> None:
        self.started_at = time.time()
        self._started_mono = time.monotonic()

    def now(self) -> float:
        """Epoch seconds now, as the monotonic clock has counted them since the start."""
        return self.started_at + (time.monotonic() - self._started_mono)

    def sleep_until(self, epoch: float, at_most: float) -> None:
        """Sleep until ``epoch`` (clock time) or for ``at_most`` seconds, whichever comes first."""
        delay = min(at_most, epoch - self.now())
        if delay > 0:
            time.sleep(delay)
