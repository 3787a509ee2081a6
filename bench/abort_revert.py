"""Guardrail breach → every fault reverted, as the target shows it.

A path fault is injected through the Timeline and allowed to settle; then, at a recorded breach
time, the run's abort path (``Timeline.revert_all``, what the orchestrator calls when a run is cut
short) runs while a watcher waits for ``GET /state`` to show no fault on the edge *and* a request
through the edge's proxy to succeed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench.observe import answers, path_fault_shown
from bench.path_fault import break_network, path_fault_injector
from bench.scheduled import ScheduledFault
from bench.watch import Watch
from gameday.processes import wait_until
from localcloud.client import LocalcloudClient

SETTLE_TIMEOUT_S = 30.0
REVERT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class AbortTrials:
    seconds: list[float]  # breach → revert observed, one per trial
    note: str | None  # set when the fault was the stand-in, not the library's provider


def abort_to_reverted(client: LocalcloudClient, edge: str, ledger: Path, trials: int) -> AbortTrials:
    proxy_url = client.state()["paths"][edge]
    seconds = []
    note = None
    for index in range(trials):
        spec = break_network(edge)
        injector, note = path_fault_injector(spec, client, f"abort-{index}")
        fault = ScheduledFault(spec, injector, time.time(), ledger)
        fault.timeline.due(time.time())
        if not wait_until(fault.settled, SETTLE_TIMEOUT_S, interval_s=0.005):
            raise RuntimeError(f"injecting on {edge} did not finish within {SETTLE_TIMEOUT_S:g}s")
        outcome = fault.state.outcome
        if outcome is None or not outcome.landed or not path_fault_shown(client, edge):
            fault.timeline.revert_all()
            raise RuntimeError(f"the fault on {edge} did not land: {outcome or fault.state.error}")
        watch = Watch(lambda: not path_fault_shown(client, edge) and answers(proxy_url), REVERT_TIMEOUT_S)
        breach_at = time.time()
        fault.timeline.revert_all()
        seen = watch.seen_at()
        if seen is None:
            raise RuntimeError(f"the fault on {edge} was still seen {REVERT_TIMEOUT_S:g}s after the abort")
        seconds.append(seen - breach_at)
    return AbortTrials(seconds, note)
