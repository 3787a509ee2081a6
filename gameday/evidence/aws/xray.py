"""X-Ray traces of the run window, fetched as raw segment documents.

Summaries are listed with ``TimeRangeType="TraceId"``: a trace belongs to the window its root
request *started* in, the same clock the load generator stamps requests with, and a trace updated
later (a queue consumer finishing after the run) is still found and counted once. ``Event`` would
also pull in traces started before the baseline that merely ended inside it.

BatchGetTraces takes at most 5 ids per call and is throttled per account, so batches run on a
bounded pool whose concurrency adapts: halved on every throttle, grown by one after as many
successes in a row as the current limit (additive increase, multiplicative decrease). Each batch
also backs off with jitter through tenacity before it is tried again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential
from tenacity.wait import WaitBaseT

from gameday.aws_session import describe_error, is_throttle
from gameday.evidence.records import Gap
from gameday.shared import Span

BATCH_SIZE = 5  # BatchGetTraces accepts 1–5 ids per call
DEFAULT_CAP = 20_000
DEFAULT_WORKERS = 8
UNPROCESSED_ROUNDS = 3
ATTEMPTS = 6  # per call: the first try and five backed-off retries on throttling
SOURCE = "traces"


@dataclass
class AdaptiveLimit:
    """How many batches may be in flight; ``history`` keeps every change so a run can be explained."""

    ceiling: int
    current: int = 0
    history: list[int] = field(default_factory=list)
    _active: int = 0
    _streak: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.current = self.current or max(1, self.ceiling // 2)
        self.history.append(self.current)

    def acquire(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._active < self.current)
            self._active += 1

    def release(self) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def throttled(self) -> None:
        with self._cond:
            self._streak = 0
            self._set(max(1, self.current // 2))

    def succeeded(self) -> None:
        with self._cond:
            self._streak += 1
            if self._streak >= self.current and self.current < self.ceiling:
                self._streak = 0
                self._set(self.current + 1)
                self._cond.notify_all()

    def _set(self, value: int) -> None:
        if value != self.current:
            self.current = value
            self.history.append(value)


@dataclass
class TraceResult:
    documents: list[dict[str, Any]]
    gaps: list[Gap]
    limit: AdaptiveLimit


def collect_traces(
    client: BaseClient,
    since: float,
    until: float,
    *,
    cap: int = DEFAULT_CAP,
    fault_windows: Sequence[Span] = (),
    workers: int = DEFAULT_WORKERS,
    wait: WaitBaseT | None = None,
) -> TraceResult:
    """Every segment document of the traces started in ``[since, until)``, sampled above ``cap``."""
    limit = AdaptiveLimit(ceiling=workers)
    wait = wait or wait_random_exponential(multiplier=0.5, max=20)
    try:
        summaries = _summaries(client, since, until, wait)
    except (ClientError, BotoCoreError) as error:
        return TraceResult([], [_gap(f"GetTraceSummaries failed: {describe_error(error)}")], limit)
    if not summaries:
        return TraceResult([], [_gap("X-Ray holds no traces started in the run window")], limit)
    ids, gaps = select_ids(summaries, cap, fault_windows)
    fetcher = _Fetcher(client, limit, wait)
    documents, missing, failure = fetcher.fetch(ids)
    if missing:
        gaps.append(_gap(f"{len(missing)} of {len(ids)} traces not fetched: {failure}"))
    return TraceResult(documents, gaps, limit)


def _summaries(client: BaseClient, since: float, until: float, wait: WaitBaseT) -> list[dict[str, Any]]:
    """Every summary, page by page; a throttled page is asked again on its own, not the listing
    from its first page (a long run has a hundred pages, and one of them is likely throttled)."""
    summaries: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "StartTime": since,
            "EndTime": until,
            "TimeRangeType": "TraceId",
            "Sampling": False,
        }
        if token:
            kwargs["NextToken"] = token
        page = _retrying(wait)(client.get_trace_summaries, **kwargs)
        summaries += page.get("TraceSummaries", [])
        token = page.get("NextToken")
        if not token:
            return summaries


def _retrying(wait: WaitBaseT, on_throttle: Callable[[RetryCallState], None] | None = None) -> Retrying:
    return Retrying(
        retry=retry_if_exception(is_throttle),
        wait=wait,
        stop=stop_after_attempt(ATTEMPTS),
        before_sleep=on_throttle,
        reraise=True,
    )


def select_ids(
    summaries: Sequence[dict[str, Any]], cap: int, fault_windows: Sequence[Span]
) -> tuple[list[str], list[Gap]]:
    """All ids up to ``cap``; above it every failed or in-fault trace plus a stable share of the rest.

    The share is chosen by a hash of the trace id, so the same run sampled twice keeps the same
    traces, and the note says how much was kept so scores built on traces can weigh it.
    """
    ids = list(dict.fromkeys(str(s["Id"]) for s in summaries))
    if len(ids) <= cap:
        return ids, []
    kept_ids = {str(s["Id"]) for s in summaries if _must_keep(s, fault_windows)}
    rest = [i for i in ids if i not in kept_ids]
    room = max(0, cap - len(kept_ids))
    share = room / len(rest) if rest else 0.0
    sampled = {i for i in rest if _fraction(i) < share}
    chosen = [i for i in ids if i in kept_ids or i in sampled]
    reason = (
        f"sampled {len(chosen)} of {len(ids)} traces (cap {cap}): all {len(kept_ids)} with a fault, "
        f"error, throttle or inside a fault window, and {len(sampled)} of the other {len(rest)} "
        f"({share:.1%}) by trace-id hash"
    )
    return chosen, [_gap(reason)]


def _gap(reason: str) -> Gap:
    return Gap(source=SOURCE, reason=reason)


def _must_keep(summary: dict[str, Any], fault_windows: Sequence[Span]) -> bool:
    if summary.get("HasFault") or summary.get("HasError") or summary.get("HasThrottle"):
        return True
    start = summary.get("StartTime")
    if start is None:
        return False
    started = start.timestamp() if isinstance(start, datetime) else float(start)
    return any(a <= started < b for a, b in fault_windows)


def _fraction(trace_id: str) -> float:
    digest = hashlib.sha256(trace_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class _Fetcher:
    """BatchGetTraces over a bounded pool, gated by an :class:`AdaptiveLimit`."""

    def __init__(self, client: BaseClient, limit: AdaptiveLimit, wait: WaitBaseT) -> None:
        self._client = client
        self._limit = limit
        self._wait = wait
        self._failure = ""

    def fetch(self, ids: list[str]) -> tuple[list[dict[str, Any]], list[str], str]:
        """Documents, the ids never fetched, and why (the last AWS error, or X-Ray left them)."""
        documents: list[dict[str, Any]] = []
        lost: list[str] = []
        pending = ids
        for _ in range(UNPROCESSED_ROUNDS):
            batches = [pending[i : i + BATCH_SIZE] for i in range(0, len(pending), BATCH_SIZE)]
            pending = []
            with ThreadPoolExecutor(max_workers=self._limit.ceiling) as pool:
                for outcome in pool.map(self._gated, batches):
                    documents.extend(outcome.documents)
                    pending.extend(outcome.unprocessed)
                    lost.extend(outcome.failed)
            if not pending:
                break
        if pending:
            self._failure = self._failure or "X-Ray left them unprocessed after retries"
        return documents, lost + pending, self._failure

    def _gated(self, batch: list[str]) -> _Outcome:
        self._limit.acquire()
        try:
            return self._batch(batch)
        finally:
            self._limit.release()

    def _batch(self, batch: list[str]) -> _Outcome:
        try:
            outcome = _retrying(self._wait, self._on_throttle)(_batch_get, self._client, batch)
        except (ClientError, BotoCoreError) as error:
            self._failure = describe_error(error)
            return _Outcome(failed=list(batch))
        self._limit.succeeded()
        return outcome

    def _on_throttle(self, _state: RetryCallState) -> None:
        self._limit.throttled()


@dataclass
class _Outcome:
    documents: list[dict[str, Any]] = field(default_factory=list)
    unprocessed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _batch_get(client: BaseClient, batch: list[str]) -> _Outcome:
    """One batch, following NextToken; documents parsed to dicts as localcloud's daemon stores them."""
    outcome = _Outcome()
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"TraceIds": batch}
        if token:
            kwargs["NextToken"] = token
        response = client.batch_get_traces(**kwargs)
        for trace in response.get("Traces", []):
            outcome.documents.extend(_documents(trace.get("Segments", [])))
        outcome.unprocessed.extend(response.get("UnprocessedTraceIds", []))
        token = response.get("NextToken")
        if not token:
            return outcome


def _documents(segments: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(segment["Document"]) for segment in segments if "Document" in segment]
