"""Benchmark: fetch 10k traces from an X-Ray API that throttles, gameday's way and the naive way.

The API is a real botocore X-Ray client whose calls are answered at the ``before-call`` seam
(the one botocore's Stubber uses), so requests are built and responses parsed as for AWS, and
threads really overlap. Each answer takes 20-50 ms, as an X-Ray call from a region nearby does.
BatchGetTraces is limited by a token bucket (``RATE_PER_S``, burst ``BURST``), the way AWS quotas
behave, and a further ``RANDOM_THROTTLE`` share of every call is throttled anyway; a throttled
call answers ``ThrottledException`` (429) quickly. botocore's own retries are not involved (the
answer is given before them), so each contender handles throttling on its own:

* ``collect_traces``: summaries page by page, each page's ids sent in batches of 5 as it arrives,
  on the adaptive pool (AIMD) with jittered exponential backoff, as an AWS run collects;
* the naive loop: the same calls one after the other, sleeping ``NAIVE_SLEEP_S`` after a throttle.

Both must end with every one of the traces, or the benchmark fails.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from gameday.aws_session import is_throttle
from gameday.evidence.aws.xray import BATCH_SIZE, collect_traces

TRACES = 10_000
PAGE_SIZE = 100  # summaries per GetTraceSummaries page
LATENCY_S = (0.020, 0.050)
THROTTLED_LATENCY_S = (0.002, 0.005)
RATE_PER_S, BURST = 100.0, 10.0
RANDOM_THROTTLE = 0.02
NAIVE_SLEEP_S = 0.5
SINCE = 1_800_000_000.0
UNTIL = SINCE + 600.0


@dataclass
class _Http:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)


class TokenBucket:
    """``rate`` calls a second on average, ``burst`` at once; thread-safe."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate, self._burst, self._clock = rate, burst, clock
        self._tokens, self._at = burst, clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


class ThrottlingXRay:
    """Answers a client's GetTraceSummaries and BatchGetTraces for ``traces`` traces, throttling some."""

    def __init__(
        self, xray: BaseClient, traces: int, *, random_throttle: float = RANDOM_THROTTLE, seed: int = 11
    ) -> None:
        self.ids = [f"1-{int(SINCE):08x}-{n:024x}" for n in range(traces)]
        self.calls = 0
        self.throttled = 0
        self._rng = random.Random(seed)
        self._random_throttle = random_throttle
        self._bucket = TokenBucket(RATE_PER_S, BURST)
        self._lock = threading.Lock()
        xray.meta.events.register("before-call.xray.GetTraceSummaries", self._summaries)
        xray.meta.events.register("before-call.xray.BatchGetTraces", self._traces)

    def _summaries(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        token = json.loads(params["body"]).get("NextToken")
        if self._throttle(limited=False):
            return self._throttled()
        start = int(token) if token else 0
        page = self.ids[start : start + PAGE_SIZE]
        summaries = [
            {"Id": i, "HasFault": n % 50 == 0, "StartTime": datetime.fromtimestamp(SINCE + n * 0.05, UTC)}
            for n, i in enumerate(page, start=start)
        ]
        response: dict[str, Any] = {"TraceSummaries": summaries}
        if start + PAGE_SIZE < len(self.ids):
            response["NextToken"] = str(start + PAGE_SIZE)
        self._wait(LATENCY_S)
        return _Http(200), response

    def _traces(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        ids = json.loads(params["body"])["TraceIds"]
        if not 1 <= len(ids) <= BATCH_SIZE:
            return _Http(400), {"Error": {"Code": "InvalidRequestException", "Message": "1 to 5 trace ids"}}
        if self._throttle(limited=True):
            return self._throttled()
        self._wait(LATENCY_S)
        return _Http(200), {"Traces": [_trace(i) for i in ids], "UnprocessedTraceIds": []}

    def _throttle(self, *, limited: bool) -> bool:
        with self._lock:
            self.calls += 1
            throttled = self._rng.random() < self._random_throttle or (limited and not self._bucket.take())
            self.throttled += throttled
            return throttled

    def _throttled(self) -> tuple[_Http, dict[str, Any]]:
        self._wait(THROTTLED_LATENCY_S)
        error = {"Code": "ThrottledException", "Message": "Rate exceeded"}
        return _Http(429), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 429}}

    def _wait(self, bounds: tuple[float, float]) -> None:
        with self._lock:
            pause = self._rng.uniform(*bounds)
        time.sleep(pause)


def _trace(trace_id: str) -> dict[str, Any]:
    """A trace of three segments: bff and the two services it called."""
    segments = [
        {"Id": f"{n:016x}", "Document": json.dumps({"trace_id": trace_id, "id": f"{n:016x}", "name": name})}
        for n, name in enumerate(("bff", "catalog", "orders"), start=1)
    ]
    return {"Id": trace_id, "Duration": 0.05, "Segments": segments}


def naive_collect(client: BaseClient, since: float, until: float) -> list[dict[str, Any]]:
    """What a script without gameday would do: every call in turn, a fixed sleep after a throttle."""
    ids: list[str] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"StartTime": since, "EndTime": until, "TimeRangeType": "TraceId"}
        if token:
            kwargs["NextToken"] = token
        page = _patiently(client.get_trace_summaries, **kwargs)
        ids += [s["Id"] for s in page.get("TraceSummaries", [])]
        token = page.get("NextToken")
        if not token:
            break
    documents: list[dict[str, Any]] = []
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        response = _patiently(client.batch_get_traces, TraceIds=batch)
        documents += [json.loads(s["Document"]) for t in response["Traces"] for s in t["Segments"]]
    return documents


def _patiently(call: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    while True:
        try:
            return call(**kwargs)
        except ClientError as error:
            if not is_throttle(error):
                raise
            time.sleep(NAIVE_SLEEP_S)


@dataclass(frozen=True)
class Collection:
    seconds: float
    calls: int
    throttled: int
    concurrency_history: list[int] = field(default_factory=list)


def xray_client() -> BaseClient:
    """A real X-Ray client that must never reach AWS: every call is answered by a fake."""
    session = boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name="eu-west-1"
    )
    return session.client("xray")


def gameday_collection(traces: int = TRACES) -> Collection:
    """collect_traces as an AWS run calls it."""

    def fetch(xray: BaseClient) -> tuple[list[dict[str, Any]], list[int]]:
        result = collect_traces(xray, SINCE, UNTIL)
        return result.documents, result.limit.history

    return _timed("collect_traces", fetch, traces)


def naive_collection(traces: int = TRACES) -> Collection:
    return _timed("the naive loop", lambda xray: (naive_collect(xray, SINCE, UNTIL), []), traces)


def _timed(
    who: str, fetch: Callable[[BaseClient], tuple[list[dict[str, Any]], list[int]]], traces: int
) -> Collection:
    """Fetch from a fresh throttling API, timed; every trace must have come back."""
    xray = xray_client()
    fake = ThrottlingXRay(xray, traces)
    started = time.perf_counter()
    documents, history = fetch(xray)
    took = time.perf_counter() - started
    fetched = {d["trace_id"] for d in documents}
    if fetched != set(fake.ids):
        raise RuntimeError(f"{who} ended with {len(fetched)} of {len(fake.ids)} traces")
    return Collection(round(took, 2), fake.calls, fake.throttled, history)


def figures(gameday: Collection, naive: Collection) -> dict[str, Any]:
    """The keys merged into reports/bench.json."""
    history = gameday.concurrency_history
    return {
        "xray_collect_10k_s": gameday.seconds,
        "xray_collect_naive_10k_s": naive.seconds,
        "xray_collect_speedup": round(naive.seconds / gameday.seconds, 2),
        "notes": {
            "xray_collect_10k": (
                f"10k traces from a botocore X-Ray client answered at before-call: {LATENCY_S[0] * 1000:g}-"
                f"{LATENCY_S[1] * 1000:g} ms a call, BatchGetTraces limited to {RATE_PER_S:g}/s (burst "
                f"{BURST:g}) plus {RANDOM_THROTTLE:.0%} of all calls throttled; collect_traces (adaptive "
                f"pool, tenacity backoff) vs a sequential loop sleeping {NAIVE_SLEEP_S:g} s after a "
                "throttle; both fetched every trace"
            )
        },
        "details": {
            "xray_collect_10k": {
                "gameday": {
                    "calls": gameday.calls,
                    "throttled": gameday.throttled,
                    "concurrency_changes": len(history) - 1,
                    "concurrency_final": history[-1] if history else None,
                    "concurrency_max": max(history, default=None),
                },
                "naive": {"calls": naive.calls, "throttled": naive.throttled},
            }
        },
    }
