"""X-Ray collection: summaries paged, batches of 5 on an adaptive pool, throttling, sampling."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_evidence_helpers import client, dummy_credentials
from botocore.client import BaseClient
from botocore.stub import Stubber
from tenacity import wait_fixed, wait_none

from gameday.evidence.aws.xray import AdaptiveLimit, collect_traces, select_ids

SINCE, UNTIL = 1_800_000_000.0, 1_800_000_600.0


@pytest.fixture(autouse=True)
def _credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dummy_credentials(tmp_path, monkeypatch)


def _id(n: int) -> str:
    return f"1-6b49d200-{n:024x}"


def _summary(n: int, *, fault: bool = False, at: float = SINCE + 1) -> dict[str, Any]:
    return {"Id": _id(n), "HasFault": fault, "StartTime": datetime.fromtimestamp(at, UTC)}


def _segment(trace_id: str) -> dict[str, Any]:
    return {"Id": "0123456789abcdef", "Document": json.dumps({"trace_id": trace_id, "name": "bff"})}


class FakeXRay:
    """X-Ray answered from the request, safely from many threads.

    The Stubber answers calls in the order queued, which threads do not keep; this hook sits at the
    same botocore seam (``before-call``) and answers from the requested ids, so concurrency stays
    real. Summaries come in ``pages`` pages (two unless told), as X-Ray pages them with NextToken;
    ``log`` holds every call in the order answered: ``("page", n)`` or ``("batch", ids, status)``.
    """

    def __init__(
        self,
        xray: BaseClient,
        summaries: list[dict[str, Any]],
        *,
        throttles: int = 0,
        unprocessed_once: frozenset[str] = frozenset(),
        pages: int = 2,
        deny_page: int | None = None,
        hold_last_page: bool = False,
    ) -> None:
        self._summaries = summaries
        self._pages = pages
        self._deny_page = deny_page
        self._hold_last_page = hold_last_page
        self._answered = threading.Event()
        self.calls = 0
        self.throttled = 0
        self.log: list[tuple[Any, ...]] = []
        self._throttles = throttles
        self._unprocessed = set(unprocessed_once)
        self._lock = threading.Lock()
        xray.meta.events.register("before-call.xray.BatchGetTraces", self._answer)
        xray.meta.events.register("before-call.xray.GetTraceSummaries", self._page)

    def _page(self, params: dict[str, Any], **_: Any) -> tuple[_HttpResponse, dict[str, Any]]:
        body = json.loads(params["body"])
        assert body["TimeRangeType"] == "TraceId" and (body["StartTime"], body["EndTime"]) == (SINCE, UNTIL)
        n = int(body.get("NextToken", "p1")[1:])
        if n == self._deny_page:
            return _http(403), {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}
        if n == self._pages and self._hold_last_page:
            self._answered.wait(timeout=5)  # a batch answered meanwhile, if fetching runs alongside
        size = -(-len(self._summaries) // self._pages)
        response: dict[str, Any] = {"TraceSummaries": self._summaries[(n - 1) * size : n * size]}
        if n < self._pages:
            response["NextToken"] = f"p{n + 1}"
        with self._lock:
            self.log.append(("page", n))
        return _http(200), response

    def _answer(self, params: dict[str, Any], **_: Any) -> tuple[_HttpResponse, dict[str, Any]]:
        ids = json.loads(params["body"])["TraceIds"]
        assert 1 <= len(ids) <= 5
        with self._lock:
            self.calls += 1
            if self.throttled < self._throttles:
                self.throttled += 1
                self.log.append(("batch", ids, 429))
                error = {"Code": "ThrottledException", "Message": "Rate exceeded"}
                return _http(429), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 429}}
            later = [i for i in ids if i in self._unprocessed]
            self._unprocessed -= set(later)
            self.log.append(("batch", ids, 200))
            self._answered.set()
        traces = [{"Id": i, "Segments": [_segment(i)]} for i in ids if i not in later]
        return _http(200), {"Traces": traces, "UnprocessedTraceIds": later}


@dataclass
class _HttpResponse:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)


def _http(status: int) -> _HttpResponse:
    return _HttpResponse(status)


def test_every_trace_is_fetched_despite_throttling_and_unprocessed_ids() -> None:
    xray = client("xray")
    summaries = [_summary(n) for n in range(200)]
    fake = FakeXRay(xray, summaries, throttles=3, unprocessed_once=frozenset({_id(7), _id(123)}))
    result = collect_traces(xray, SINCE, UNTIL, workers=8, wait=wait_none())
    assert sorted(doc["trace_id"] for doc in result.documents) == sorted(s["Id"] for s in summaries)
    assert result.gaps == []
    assert fake.throttled == 3
    assert fake.calls == 40 + 3 + 1  # 200 ids in fives, three throttled retries, one unprocessed batch
    history = result.limit.history
    lowest = history.index(min(history))
    assert min(history) < history[0], "concurrency never went down on throttling"
    assert max(history[lowest:]) > min(history), "concurrency never grew back after throttling"


def _fetched(fake: FakeXRay) -> list[str]:
    return [i for entry in fake.log if entry[0] == "batch" and entry[2] == 200 for i in entry[1]]


def test_batches_go_out_while_the_listing_is_read_and_documents_keep_its_order() -> None:
    xray = client("xray")
    summaries = [_summary(n) for n in range(100)]
    summaries[60] = summaries[3]  # listed twice, on two pages
    fake = FakeXRay(xray, summaries, pages=4, hold_last_page=True)
    result = collect_traces(xray, SINCE, UNTIL, wait=wait_none())
    expected, gaps = select_ids(summaries, 100, [])
    assert [doc["trace_id"] for doc in result.documents] == expected and result.gaps == gaps == []
    assert fake.log.index(("page", 4)) > next(i for i, e in enumerate(fake.log) if e[0] == "batch")
    assert sorted(_fetched(fake)) == sorted(expected)  # each trace asked once


def test_passing_the_cap_mid_listing_gives_what_select_then_fetch_gives() -> None:
    xray = client("xray")
    fault_window = (SINCE + 100, SINCE + 120)
    summaries = [_summary(n, fault=n % 7 == 0, at=SINCE + n) for n in range(200)]
    fake = FakeXRay(xray, summaries, pages=4, hold_last_page=True)
    result = collect_traces(xray, SINCE, UNTIL, cap=60, fault_windows=[fault_window], wait=wait_none())
    chosen, gaps = select_ids(summaries, 60, [fault_window])
    assert [doc["trace_id"] for doc in result.documents] == chosen
    assert result.gaps == gaps and "of 200 traces (cap 60)" in gaps[0].reason
    fetched = _fetched(fake)
    assert len(fetched) == len(set(fetched)), "a trace fetched ahead was asked again"
    assert set(chosen) <= set(fetched)
    assert set(fetched) - set(chosen), "nothing was fetched ahead of the listing (or it was kept)"


def test_a_listing_denied_midway_is_a_gap_and_no_documents_even_if_some_were_fetched() -> None:
    xray = client("xray")
    FakeXRay(xray, [_summary(n) for n in range(40)], pages=4, deny_page=3)
    result = collect_traces(xray, SINCE, UNTIL, wait=wait_none())
    assert result.documents == []
    assert [g.reason for g in result.gaps] == ["GetTraceSummaries failed: AccessDeniedException: not allowed"]


def test_a_throttled_batch_gives_up_its_place_while_it_backs_off() -> None:
    xray = client("xray")
    fake = FakeXRay(xray, [_summary(n) for n in range(10)], throttles=1)  # a batch of 5 on each page
    result = collect_traces(xray, SINCE, UNTIL, workers=2, wait=wait_fixed(0.3))  # one call at a time
    assert len(result.documents) == 10 and result.limit.history[0] == 1
    batches = [entry[1:] for entry in fake.log if entry[0] == "batch"]
    assert [status for _ids, status in batches] == [429, 200, 200]
    assert batches[0][0] == batches[2][0] != batches[1][0], "the other batch waited for the backoff"


def test_throttled_out_batches_become_a_gap_not_silence() -> None:
    xray = client("xray")
    FakeXRay(xray, [_summary(n) for n in range(10)], throttles=10_000)
    result = collect_traces(xray, SINCE, UNTIL, workers=2, wait=wait_none())
    assert result.documents == []
    assert [g.source for g in result.gaps] == ["traces"]
    assert "10 of 10 traces not fetched: ThrottledException" in result.gaps[0].reason


def test_summaries_are_asked_by_trace_start_and_denial_or_emptiness_are_gaps() -> None:
    xray = client("xray")
    expected = {"StartTime": SINCE, "EndTime": UNTIL, "TimeRangeType": "TraceId", "Sampling": False}
    with Stubber(xray) as stubber:
        stubber.add_client_error(
            "get_trace_summaries", "AccessDeniedException", "not allowed", 403, expected_params=expected
        )
        denied = collect_traces(xray, SINCE, UNTIL, wait=wait_none())
        stubber.add_response("get_trace_summaries", {"TraceSummaries": []})
        empty = collect_traces(xray, SINCE, UNTIL, wait=wait_none())
    assert "AccessDeniedException: not allowed" in denied.gaps[0].reason
    assert "no traces" in empty.gaps[0].reason


def test_above_the_cap_failed_and_in_fault_traces_are_all_kept_and_the_rest_sampled_stably() -> None:
    fault_window = (SINCE + 100, SINCE + 200)
    summaries = [_summary(n) for n in range(1000)]
    summaries += [_summary(n, fault=True) for n in range(1000, 1050)]
    summaries += [_summary(n, at=SINCE + 150) for n in range(1050, 1100)]
    chosen, gaps = select_ids(summaries, 300, [fault_window])
    assert {_id(n) for n in range(1000, 1100)} <= set(chosen)
    assert 250 <= len(chosen) <= 350
    assert set(chosen) == set(select_ids(list(reversed(summaries)), 300, [fault_window])[0])
    assert len(gaps) == 1 and "of 1100 traces (cap 300)" in gaps[0].reason


def test_at_or_below_the_cap_nothing_is_sampled() -> None:
    summaries = [_summary(n) for n in range(10)]
    assert select_ids(summaries, 10, []) == ([s["Id"] for s in summaries], [])


def test_sampled_collection_fetches_only_the_chosen_traces() -> None:
    xray = client("xray")
    FakeXRay(xray, [_summary(n, fault=n < 5) for n in range(40)])
    result = collect_traces(xray, SINCE, UNTIL, cap=10, wait=wait_none())
    fetched = {doc["trace_id"] for doc in result.documents}
    assert {_id(n) for n in range(5)} <= fetched and len(fetched) < 40
    assert any("sampled" in g.reason for g in result.gaps)


def test_the_limit_halves_on_throttle_and_grows_by_one_after_a_streak() -> None:
    limit = AdaptiveLimit(ceiling=8)
    assert limit.current == 4
    limit.throttled()
    limit.throttled()
    assert limit.current == 1
    limit.succeeded()
    assert limit.current == 2
    limit.succeeded()
    limit.succeeded()
    assert limit.current == 3
    assert limit.history == [4, 2, 1, 2, 3]


def test_throttles_of_calls_in_flight_together_cut_the_limit_once() -> None:
    limit = AdaptiveLimit(ceiling=8)
    first, second = limit.acquire(), limit.acquire()
    limit.throttled(first)
    limit.throttled(second)  # started before the cut: the same overload, already answered
    assert limit.current == 2
    limit.release()
    limit.release()
    later = limit.acquire()
    limit.throttled(later)
    assert limit.current == 1 and limit.history == [4, 2, 1]
