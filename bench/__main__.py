"""``make bench``: measure on a fresh localcloud, merge the figures into reports/bench.json, print them."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.abort_revert import abort_to_reverted
from bench.evidence_figures import evidence_figures, evidence_rows
from bench.inject_delay import Injection, break_network_injections, kill_task_injections
from bench.load_rate import load_figures, load_rows
from bench.proxy_latency import Latencies, proxy_and_direct
from bench.results import machine_facts, merge_results
from bench.scheduled import DRIVE_TICK_S
from bench.stack import localcloud_up_s, shop_localcloud
from gameday.evidence.stats import percentile

REPORT = Path(__file__).resolve().parent.parent / "reports" / "bench.json"
EDGE = "bff->catalog"
UP_RUNS = 3
INJECTIONS = 20  # per fault kind
ABORT_TRIALS = 20
PROXY_REQUESTS = 2000  # each way


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--out", type=Path, default=REPORT, help="JSON file to merge into")
    out: Path = parser.parse_args(argv).out
    machine = machine_facts()  # before measuring: the load average of the machine as we found it
    rng = random.Random()
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        folder = Path(scratch)
        up = localcloud_up_s(folder, UP_RUNS)
        with shop_localcloud(folder) as localcloud:
            client = localcloud.client
            latencies = proxy_and_direct(client, EDGE, PROXY_REQUESTS)
            ledger = folder / "ledger.jsonl"
            injections = kill_task_injections(client, ledger, INJECTIONS, rng)
            injections += break_network_injections(client, EDGE, ledger, INJECTIONS, rng)
            aborts = abort_to_reverted(client, EDGE, ledger, ABORT_TRIALS)
        evidence = evidence_figures(folder)  # scoring and X-Ray collection: no localcloud needed
        load = load_figures(folder)  # gameday's load process against Locust and wrk on a loopback target
    figures = summarise(up, injections, aborts, latencies)
    merge_results(out, {**figures, "machine": machine})
    merge_results(out, evidence)
    merge_results(out, load)
    print(table(figures))
    print("\n".join(f"{name:<24}  {value:>12}" for name, value in evidence_rows(evidence)))
    print("\n".join(f"{name:<24}  {value:>12}" for name, value in load_rows(load)))
    print(f"merged into {out}")
    return 0


def summarise(
    up: list[float], injections: list[Injection | None], aborts: list[float], latencies: Latencies
) -> dict[str, Any]:
    seen = [i for i in injections if i is not None]
    if not seen:
        raise RuntimeError("no injected fault was ever observed on the target")
    kinds = sorted({i.kind for i in seen})
    proxy_p50 = _ms(percentile(latencies.via_proxy_s, 50))
    direct_p50 = _ms(percentile(latencies.direct_s, 50))
    notes = {
        "abort_to_reverted_p99_ms": (
            "breach timestamped by gameday.safety.guardrails.Guards (error-rate guard fed one second of "
            "failed requests), then Timeline.revert_all as the orchestrator runs it on a breach; reverted "
            "when GET /state shows no fault on the edge and a request through its proxy succeeds. Not "
            "included: the load process's one-second aggregation and the run-clock tick before the guard "
            "is asked"
        ),
        "fault_inject_delay": (
            f"kinds: {', '.join(kinds)}; faults planned at a random phase of the run clock's progress "
            f"tick ({DRIVE_TICK_S * 1000:g} ms), which sleeps until a fault is due rather than polling "
            "(after_due_* start at the inject call). Harm seen: kill-tasks "
            "when GET /state no longer lists the task RUNNING (its process has exited, graceful "
            "shutdown included); break-network when a request through the edge's proxy fails"
        ),
    }
    network = [i.delay_s for i in seen if i.kind != "kill-tasks"]
    kills = [i.after_due_s for i in seen if i.kind == "kill-tasks"]
    return {
        "fault_inject_delay_p50_ms": _ms(percentile([i.delay_s for i in seen], 50)),
        "fault_inject_delay_p99_ms": _ms(percentile([i.delay_s for i in seen], 99)),
        # the goals: due → harm for network faults; stop request → process gone for kill-tasks
        "network_fault_delay_p99_ms": _ms(percentile(network, 99)) if network else None,
        "kill_stop_to_gone_p99_ms": _ms(percentile(kills, 99)) if kills else None,
        "abort_to_reverted_p99_ms": _ms(percentile(aborts, 99)),
        "proxy_added_latency_p50_ms": round(proxy_p50 - direct_p50, 3),
        "localcloud_up_s": round(statistics.median(up), 2),
        "notes": notes,
        "details": {
            "fault_inject_delay": {
                "observed": len(seen),
                "not_observed": len(injections) - len(seen),
                "after_due_p50_ms": _ms(percentile([i.after_due_s for i in seen], 50)),
                "after_due_p99_ms": _ms(percentile([i.after_due_s for i in seen], 99)),
                "by_kind": {kind: _delays([i for i in seen if i.kind == kind]) for kind in kinds},
            },
            "abort_to_reverted": {
                "trials": len(aborts),
                "p50_ms": _ms(percentile(aborts, 50)),
                "max_ms": _ms(max(aborts)),
            },
            "proxy_added_latency": {
                "edge": EDGE,
                "requests_each": len(latencies.direct_s),
                "via_proxy_p50_ms": proxy_p50,
                "direct_p50_ms": direct_p50,
                "via_proxy_p99_ms": _ms(percentile(latencies.via_proxy_s, 99)),
                "direct_p99_ms": _ms(percentile(latencies.direct_s, 99)),
            },
            "localcloud_up": {"runs_s": [round(s, 2) for s in up]},
        },
    }


def table(figures: dict[str, Any]) -> str:
    rows = [
        ("fault inject delay p50", f"{figures['fault_inject_delay_p50_ms']} ms"),
        ("fault inject delay p99", f"{figures['fault_inject_delay_p99_ms']} ms"),
        ("network fault delay p99", f"{figures['network_fault_delay_p99_ms']} ms"),
        ("kill stop → gone p99", f"{figures['kill_stop_to_gone_p99_ms']} ms"),
        ("abort → reverted p99", f"{figures['abort_to_reverted_p99_ms']} ms"),
        ("proxy added latency p50", f"{figures['proxy_added_latency_p50_ms']} ms"),
        ("localcloud up (median)", f"{figures['localcloud_up_s']} s"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value:>12}" for name, value in rows)


def _delays(injections: list[Injection]) -> dict[str, float]:
    delays = [i.delay_s for i in injections]
    after_due = [i.after_due_s for i in injections]
    return {
        "n": len(delays),
        "p50_ms": _ms(percentile(delays, 50)),
        "p99_ms": _ms(percentile(delays, 99)),
        "after_due_p50_ms": _ms(percentile(after_due, 50)),
        "after_due_p99_ms": _ms(percentile(after_due, 99)),
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


if __name__ == "__main__":
    raise SystemExit(main())
