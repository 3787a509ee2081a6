"""X-Ray traces of the run window, fetched as raw segment documents.

Summaries are listed with ``TimeRangeType="TraceId"``: a trace belongs to the window its root
request *started* in, the same clock the load generator stamps requests with, and a trace updated
later (a queue consumer finishing after the run) is still found and counted once. ``Event`` would
also pull in traces started before the baseline that merely ended inside it.

Fetching runs alongside the listing: while the window's traces stay within ``cap``, every page's
ids go out in batches as soon as the page arrives, so the hundred pages of a long run cost no
time of their own. Once the listing passes ``cap``, the batches still queued are called off (the
few already with the pool finish), and when the listing is complete :func:`select_ids` samples it
as if nothing had been fetched ahead: traces fetched ahead and chosen are kept, those not chosen
are dropped, the rest of the chosen are fetched then. The documents (in the listing's order) and
the gaps are therefore those of listing everything first and fetching after; a listing that fails
midway leaves only its gap, whatever was fetched ahead.

BatchGetTraces takes at most 5 ids per call and is throttled per account, so batches run on a
bounded pool whose calls in flight are limited adaptively: halved on a throttle, grown by one
after as many successes in a row as the current limit (additive increase, multiplicative
decrease). Calls in flight together meet the same throttling, so their throttles count as one
decrease: only a call started after the latest decrease can cut the limit again. A throttled
batch backs off with jitter through tenacity before it is tried again, and gives up its place in
the limit while it waits, so the limit counts calls the API is actually answering.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential
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
    """How many calls may be in flight; ``history`` keeps every change so a run can be explained."""

    ceiling: int
    current: int = 0
    history: list[int] = field(default_factory=list)
    _active: int = 0
    _streak: int = 0
    _decreases: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.current = self.current or max(1, self.ceiling // 2)
        self.history.append(self.current)

    def acquire(self) -> int:
        """Wait for a place; the number returned tells :meth:`throttled` when the call started."""
        with self._cond:
            self._cond.wait_for(lambda: self._active < self.current)
            self._active += 1
            return self._decreases

    def release(self) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def throttled(self, started: int | None = None) -> None:
        """Halve the limit, unless the throttled call started before the latest decrease."""
        with self._cond:
            self._streak = 0
            if started is not None and started < self._decreases:
                return
            self._decreases += 1
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
    with _Fetcher(client, limit, wait) as fetcher:
        ahead = _Ahead(fetcher, cap)
        try:
            summaries = _summaries(client, since, until, wait, ahead.page)
        except (ClientError, BotoCoreError) as error:
            fetcher.call_off()
            return TraceResult([], [_gap(f"GetTraceSummaries failed: {describe_error(error)}")], limit)
        if not summaries:
            return TraceResult([], [_gap("X-Ray holds no traces started in the run window")], limit)
        ids, gaps = ahead.finish(summaries, fault_windows)
        documents, missing, failure = fetcher.gather(ids)
    if missing:
        gaps.append(_gap(f"{len(missing)} of {len(ids)} traces not fetched: {failure}"))
    return TraceResult(documents, gaps, limit)


def _summaries(
    client: BaseClient,
    since: float,
    until: float,
    wait: WaitBaseT,
    on_page: Callable[[list[dict[str, Any]]], None],
) -> list[dict[str, Any]]:
    """Every summary, page by page, each page handed to ``on_page`` as it arrives; a throttled page
    is asked again on its own, not the listing from its first page (a long run has a hundred
    pages, and one of them is likely throttled)."""
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
        listed = page.get("TraceSummaries", [])
        summaries += listed
        on_page(listed)
        token = page.get("NextToken")
        if not token:
            return summaries


def _retrying(wait: WaitBaseT) -> Retrying:
    return Retrying(
        retry=retry_if_exception(is_throttle),
        wait=wait,
        stop=stop_after_attempt(ATTEMPTS),
        reraise=True,
    )


class _Ahead:
    """Sends a page's ids to the fetcher while the listing stays within ``cap``."""

    def __init__(self, fetcher: _Fetcher, cap: int) -> None:
        self._fetcher = fetcher
        self._cap = cap
        self._seen: set[str] = set()
        self._batch: list[str] = []
        self._over = False

    def page(self, summaries: list[dict[str, Any]]) -> None:
        if self._over:
            return
        for summary in summaries:
            trace_id = str(summary["Id"])
            if trace_id in self._seen:
                continue
            self._seen.add(trace_id)
            if len(self._seen) > self._cap:
                self._over = True
                self._batch = []
                self._fetcher.call_off()
                return
            self._batch.append(trace_id)
            if len(self._batch) == BATCH_SIZE:
                self._fetcher.send(self._batch)
                self._batch = []

    def finish(
        self, summaries: Sequence[dict[str, Any]], fault_windows: Sequence[Span]
    ) -> tuple[list[str], list[Gap]]:
        """The ids to keep and the sampling note; whatever of them is not on its way is sent."""
        if self._batch:
            self._fetcher.send(self._batch)
            self._batch = []
        ids, gaps = select_ids(summaries, self._cap, fault_windows)
        rest = [i for i in ids if not self._fetcher.sent(i)]
        for start in range(0, len(rest), BATCH_SIZE):
            self._fetcher.send(rest[start : start + BATCH_SIZE])
        return ids, gaps


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
    """BatchGetTraces over a bounded pool, each call gated by an :class:`AdaptiveLimit`.

    Batches are sent while the listing is still being read; :meth:`gather` waits for them, asks
    again for what X-Ray left unprocessed, and keeps the documents of the ids asked for.
    """

    def __init__(self, client: BaseClient, limit: AdaptiveLimit, wait: WaitBaseT) -> None:
        self._client = client
        self._limit = limit
        self._wait = wait
        self._failure = ""
        self._pool = ThreadPoolExecutor(max_workers=limit.ceiling, thread_name_prefix="xray")
        self._sent: dict[str, Future[_Outcome]] = {}
        self._futures: list[Future[_Outcome]] = []

    def __enter__(self) -> _Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def send(self, batch: list[str]) -> None:
        future = self._pool.submit(self._batch, batch)
        self._futures.append(future)
        for trace_id in batch:
            self._sent[trace_id] = future

    def sent(self, trace_id: str) -> bool:
        """Whether the id is fetched or on its way (a batch called off before it started is not)."""
        future = self._sent.get(trace_id)
        return future is not None and not future.cancelled()

    def call_off(self) -> None:
        """Cancel the batches still queued; those the pool has taken finish."""
        for future in self._futures:
            future.cancel()

    def gather(self, ids: list[str]) -> tuple[list[dict[str, Any]], list[str], str]:
        """Documents of ``ids`` in their order, the ids never fetched, and why (the last AWS error,
        or X-Ray left them)."""
        wanted = set(ids)
        found: dict[str, list[dict[str, Any]]] = {}
        lost: set[str] = set()
        for round_ in range(UNPROCESSED_ROUNDS):
            pending: list[str] = []
            futures = [future for future in self._futures if not future.cancelled()]
            self._futures = []
            wait(futures)
            for future in futures:
                outcome = future.result()
                for trace_id, documents in outcome.documents.items():
                    found.setdefault(trace_id, []).extend(documents)
                pending += [i for i in outcome.unprocessed if i in wanted]
                lost.update(outcome.failed)
            if not pending or round_ == UNPROCESSED_ROUNDS - 1:
                break
            for start in range(0, len(pending), BATCH_SIZE):
                self.send(pending[start : start + BATCH_SIZE])
        if pending:
            self._failure = self._failure or "X-Ray left them unprocessed after retries"
        lost.update(pending)
        missing = [i for i in ids if i in lost]
        documents = [document for i in ids for document in found.get(i, [])]
        return documents, missing, self._failure

    def _batch(self, batch: list[str]) -> _Outcome:
        try:
            outcome = _retrying(self._wait)(self._attempt, batch)
        except (ClientError, BotoCoreError) as error:
            self._failure = describe_error(error)
            return _Outcome(failed=list(batch))
        self._limit.succeeded()
        return outcome

    def _attempt(self, batch: list[str]) -> _Outcome:
        """One try, holding a place in the limit only while the call is answered."""
        started = self._limit.acquire()
        try:
            return _batch_get(self._client, batch)
        except ClientError as error:
            if is_throttle(error):
                self._limit.throttled(started)
            raise
        finally:
            self._limit.release()


@dataclass
class _Outcome:
    documents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
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
            documents = outcome.documents.setdefault(str(trace.get("Id", "")), [])
            documents.extend(_documents(trace.get("Segments", [])))
        outcome.unprocessed.extend(response.get("UnprocessedTraceIds", []))
        token = response.get("NextToken")
        if not token:
            return outcome


def _documents(segments: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(segment["Document"]) for segment in segments if "Document" in segment]
