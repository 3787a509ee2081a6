"""The X-Ray collection benchmark's API: it throttles as quotas do, and both contenders get every trace."""

from __future__ import annotations

import pytest
from tenacity import wait_none

from bench import xray_collect
from bench.xray_collect import (
    SINCE,
    UNTIL,
    Collection,
    ThrottlingXRay,
    TokenBucket,
    figures,
    naive_collect,
    xray_client,
)
from gameday.evidence.aws.xray import collect_traces


def test_the_bucket_allows_a_burst_then_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=10, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.1  # one token back
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 10  # never more than the burst
    assert sum(bucket.take() for _ in range(5)) == 3


def test_collect_traces_gets_every_trace_from_the_throttling_api() -> None:
    xray = xray_client()
    fake = ThrottlingXRay(xray, 150, random_throttle=0.2)
    result = collect_traces(xray, SINCE, UNTIL, wait=wait_none())
    assert {d["trace_id"] for d in result.documents} == set(fake.ids)
    assert len(result.documents) == 3 * 150 and result.gaps == []
    assert fake.throttled > 0 and min(result.limit.history) < result.limit.history[0]


def test_the_naive_loop_also_gets_every_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xray_collect, "NAIVE_SLEEP_S", 0.0)
    xray = xray_client()
    fake = ThrottlingXRay(xray, 150, random_throttle=0.2)
    documents = naive_collect(xray, SINCE, UNTIL)
    assert {d["trace_id"] for d in documents} == set(fake.ids)
    assert fake.throttled > 0


def test_figures_hold_both_times_and_their_ratio() -> None:
    merged = figures(Collection(10.0, 2100, 50, [4, 2, 3]), Collection(80.0, 2050, 40))
    assert merged["xray_collect_10k_s"] == 10.0 and merged["xray_collect_naive_10k_s"] == 80.0
    assert merged["xray_collect_speedup"] == 8.0


def test_both_contenders_are_timed_on_a_fresh_api_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xray_collect, "NAIVE_SLEEP_S", 0.0)
    gameday, naive = xray_collect.gameday_collection(60), xray_collect.naive_collection(60)
    assert gameday.calls >= 12 + 1 and naive.calls >= 12 + 1  # 60 ids in fives, one summary page
    assert gameday.concurrency_history and not naive.concurrency_history
    assert gameday.seconds > 0 and naive.seconds > 0
