"""Guardrail breach → every fault reverted, as the target shows it.

A path fault is injected through the Timeline and allowed to settle. Then the run's guard
(:class:`gameday.safety.guardrails.Guards`) is fed one load second of failures, so it reports a
breach with its own timestamp, and the abort path the orchestrator takes on a breach runs:
``Timeline.revert_all``. A watcher waits for ``GET /state`` to show no fault on the edge *and* a
request through the edge's proxy to succeed. Not included: the load process's one-second
aggregation and the run-clock tick before the guard is asked.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.injectors import break_path
from bench.observe import answers, path_fault_shown
from bench.scheduled import ScheduledFault
from bench.watch import Watch
from gameday.evidence.records import LoadSecond
from gameday.localcloud.client import LocalcloudClient
from gameday.processes import wait_until
from gameday.safety.guardrails import Breach, Guards
from gameday.scenario import Guardrails

SETTLE_TIMEOUT_S = 30.0
REVERT_TIMEOUT_S = 30.0
FAILING_REQUESTS = 50  # enough for the error-rate guard to judge a rate


def abort_to_reverted(client: LocalcloudClient, edge: str, ledger: Path, trials: int) -> list[float]:
    """Seconds from each breach to its revert being observed, one per trial."""
    proxy_url = client.state().paths[edge]
    seconds = []
    for index in range(trials):
        spec, injector = break_path(client, edge, f"abort-{index}")
        fault = ScheduledFault(spec, injector, time.time(), ledger)
        fault.timeline.due(time.time())
        if not wait_until(fault.settled, SETTLE_TIMEOUT_S, interval_s=0.005):
            raise RuntimeError(f"injecting on {edge} did not finish within {SETTLE_TIMEOUT_S:g}s")
        outcome = fault.state.outcome
        if outcome is None or not outcome.landed or not path_fault_shown(client, edge):
            fault.timeline.revert_all()
            raise RuntimeError(f"the fault on {edge} did not land: {outcome or fault.state.error}")
        watch = Watch(lambda: not path_fault_shown(client, edge) and answers(proxy_url), REVERT_TIMEOUT_S)
        breach = _breach()
        fault.timeline.revert_all()
        seen = watch.seen_at()
        if seen is None:
            raise RuntimeError(f"the fault on {edge} was still seen {REVERT_TIMEOUT_S:g}s after the abort")
        seconds.append(seen - breach.at)
    return seconds


def _breach() -> Breach:
    """What the orchestrator's clock gets from its guard when the load fails: a timestamped breach."""
    guards = Guards(Guardrails(max_error_rate=0.5))
    failing = LoadSecond(
        t=time.time(),
        users=1,
        requests=FAILING_REQUESTS,
        failures=FAILING_REQUESTS,
        p50_ms=None,
        p95_ms=None,
        p99_ms=None,
    )
    breach = guards.check([failing])
    if breach is None:
        raise RuntimeError("the error-rate guard saw no breach in a second of failed requests")
    return breach
