"""How raw timings become the figures in reports/bench.json, and the watcher that takes them."""

from __future__ import annotations

import itertools

from bench.__main__ import summarise, table
from bench.inject_delay import Injection
from bench.proxy_latency import Latencies
from bench.watch import Watch


def _figures() -> dict[str, object]:
    injections: list[Injection | None] = [
        Injection("kill-tasks" if ms % 2 else "break-network", delay_s=ms / 1000, after_due_s=ms / 2000)
        for ms in range(1, 101)
    ]
    injections.append(None)
    aborts = [ms / 1000 for ms in range(1, 21)]
    latencies = Latencies(via_proxy_s=[0.0004] * 10, direct_s=[0.0003] * 10)
    return summarise([3.0, 4.0, 3.5], injections, aborts, latencies)


def test_percentiles_are_nearest_rank_over_observed_faults() -> None:
    figures = _figures()
    assert figures["fault_inject_delay_p50_ms"] == 50.0
    assert figures["fault_inject_delay_p99_ms"] == 99.0
    assert figures["abort_to_reverted_p99_ms"] == 20.0
    details = figures["details"]
    assert isinstance(details, dict)
    assert details["fault_inject_delay"]["not_observed"] == 1
    assert details["fault_inject_delay"]["after_due_p50_ms"] == 25.0
    assert figures["network_fault_delay_p99_ms"] == 100.0  # the even delays, 2 … 100 ms
    assert figures["kill_stop_to_gone_p99_ms"] == 49.5  # half the odd delays, 0.5 … 49.5 ms


def test_proxy_cost_is_the_difference_of_medians_and_up_time_the_median() -> None:
    figures = _figures()
    assert figures["proxy_added_latency_p50_ms"] == 0.1
    assert figures["localcloud_up_s"] == 3.5


def test_the_table_shows_every_headline_figure() -> None:
    printed = table(_figures())
    for value in ("50.0 ms", "99.0 ms", "20.0 ms", "0.1 ms", "3.5 s"):
        assert value in printed


def test_watch_notes_when_the_check_first_holds() -> None:
    calls = itertools.count()
    assert Watch(lambda: next(calls) >= 3, timeout_s=5.0).seen_at() is not None
    assert Watch(lambda: False, timeout_s=0.05).seen_at() is None
