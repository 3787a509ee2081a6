"""Each rule the trace reader infers calls by, with its negatives, and documents of any shape.

Documents here are written as the standard SDKs write them (no wrapper, no annotation): a segment
``web`` with ``remote`` or ``aws`` subsegments. The corpus of real recordings is in
tests/test_trace_corpus.py; these isolate one rule each.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gameday.traces import Call, Caller, TracedRequest, read_traces
from gameday.traces.calls import MAX_RETRY_GAP_S
from gameday.traces.dependencies import DependencyMatch
from gameday.traces.shedding import dependent_routes, first_failures, shed_calls

T0 = 1_700_000_000.0
_ids = itertools.count(1)
CATALOG = {"catalog": [DependencyMatch(host="catalog:8080")], "orders": [DependencyMatch(host="orders:8080")]}


def _id() -> str:
    return f"{next(_ids):016x}"


def _http(
    start: float,
    end: float,
    status: int | None,
    host: str = "catalog:8080",
    path: str = "/items",
    method: str = "GET",
    **extra: Any,
) -> dict[str, Any]:
    """One attempt as an X-Ray SDK's HTTP client records it (no answer: a fault, no response)."""
    attempt: dict[str, Any] = {
        "id": _id(),
        "name": host.split(":")[0],
        "namespace": "remote",
        "start_time": T0 + start,
        "end_time": T0 + end,
        "http": {"request": {"method": method, "url": f"http://{host}{path}"}},
    }
    if status is None:
        attempt["fault"] = True
    else:
        attempt["http"]["response"] = {"status": status}
        attempt["fault"] = status >= 500 or None
    return {**attempt, **extra}


def _segment(*subsegments: dict[str, Any], aws: dict[str, Any] | None = None) -> dict[str, Any]:
    segment = {
        "trace_id": f"1-6553f100-{next(_ids):024x}",
        "id": _id(),
        "name": "web",
        "start_time": T0,
        "end_time": T0 + 100,
        "subsegments": list(subsegments),
    }
    return {**segment, "aws": aws} if aws is not None else segment


def _calls(*documents: dict[str, Any]) -> list[Call]:
    return read_traces(documents, CATALOG).calls


def _shape(calls: list[Call]) -> list[list[int | None]]:
    return [[a.status for a in call.attempts] for call in calls]


# --- grouping attempts into calls ---------------------------------------------------------------


def test_failed_attempts_one_after_another_are_one_call_with_retries() -> None:
    calls = _calls(_segment(_http(1.0, 1.1, 503), _http(1.2, 1.3, 503), _http(1.5, 1.6, 200)))
    assert _shape(calls) == [[503, 503, 200]] and calls[0].outcome == "ok" and calls[0].found == "inferred"


def test_concurrent_attempts_to_one_dependency_are_separate_calls() -> None:
    calls = _calls(_segment(_http(1.0, 1.5, 503), _http(1.1, 1.6, 200)))
    assert _shape(calls) == [[503], [200]]


def test_an_attempt_after_a_success_starts_a_new_call() -> None:
    assert _shape(_calls(_segment(_http(1.0, 1.1, 200), _http(1.2, 1.3, 503)))) == [[200], [503]]


@pytest.mark.parametrize(("path", "method"), [("/other", "GET"), ("/items", "POST")])
def test_another_path_or_method_is_another_call(path: str, method: str) -> None:
    calls = _calls(_segment(_http(1.0, 1.1, 503), _http(1.2, 1.3, 200, path=path, method=method)))
    assert _shape(calls) == [[503], [200]]


def test_a_gap_longer_than_any_backoff_is_a_new_call() -> None:
    later = 1.1 + MAX_RETRY_GAP_S + 1
    assert _shape(_calls(_segment(_http(1.0, 1.1, 503), _http(later, later + 0.1, 200)))) == [[503], [200]]


def test_a_wrapper_over_two_dependencies_is_split_per_dependency() -> None:
    wrapper = {
        "id": _id(),
        "name": "checkout",
        "start_time": T0 + 1,
        "end_time": T0 + 2,
        "subsegments": [_http(1.0, 1.1, 503), _http(1.2, 1.3, 200), _http(1.4, 1.5, 200, host="orders:8080")],
    }
    calls = _calls(_segment(wrapper))
    assert [(c.dependency, len(c.attempts)) for c in calls] == [("catalog", 2), ("orders", 1)]


@pytest.mark.parametrize(("resend", "expected"), [(0, [[503], [200]]), (1, [[503, 200]])])
def test_opentelemetry_resend_count_settles_whether_an_attempt_is_a_retry(
    resend: int, expected: list[list[int]]
) -> None:
    second = _http(1.2, 1.3, 200, metadata={"default": {"http.request.resend_count": resend}})
    assert _shape(_calls(_segment(_http(1.0, 1.1, 503), second))) == expected


def test_one_request_recorded_twice_by_a_double_patch_is_one_attempt() -> None:
    send = _http(1.0, 1.01, None, fault=None)  # httplib's send: no answer, no error
    del send["fault"]
    answer = _http(1.01, 1.1, 503)
    read = _http(1.1, 1.11, 503, method="READ")
    assert _shape(_calls(_segment(send, answer, read, _http(1.2, 1.3, 200)))) == [[503, 200]]


def test_a_nested_remote_subsegment_is_the_same_request_not_another_attempt() -> None:
    outer = _http(1.0, 1.2, 200)
    outer["subsegments"] = [_http(1.01, 1.19, 200)]
    assert _shape(_calls(_segment(outer))) == [[200]]


def test_the_aiohttp_trace_configs_failed_local_attempt_is_an_attempt() -> None:
    refused = {**_http(1.0, 1.01, None), "namespace": "local"}
    assert _shape(_calls(_segment(refused, _http(1.1, 1.2, 200)))) == [[None, 200]]


# --- AWS SDK calls ------------------------------------------------------------------------------


def _aws(retries: int | None, status: int = 200, cause: str | None = None, **aws: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"operation": "GetItem", "table_name": "orders", **aws}
    if retries is not None:
        fields["retries"] = retries
    doc: dict[str, Any] = {
        "id": _id(),
        "name": "DynamoDB",
        "namespace": "aws",
        "start_time": T0 + 1,
        "end_time": T0 + 1.5,
        "aws": fields,
        "http": {"response": {"status": status}},
    }
    if cause is not None:
        doc.update(error=True, fault=True, cause={"exceptions": [{"type": "ClientError", "message": cause}]})
    return doc


def _aws_calls(*documents: dict[str, Any], sdk: str = "X-Ray for Java") -> list[Call]:
    tables = {"orders-table": [DependencyMatch(aws="DynamoDB", resource="orders")]}
    return read_traces([_segment(*documents, aws={"xray": {"sdk": sdk}})], tables).calls


def test_aws_retries_count_retries_from_java_and_go_and_attempts_from_node() -> None:
    (java,) = _aws_calls(_aws(2))
    (node,) = _aws_calls(_aws(3), sdk="X-Ray for Node.js")
    assert len(java.attempts) == len(node.attempts) == 3
    assert java.retries_seen and not java.attempts_timed


def test_without_aws_retries_a_call_says_its_retries_are_unseen() -> None:
    (call,) = _aws_calls(_aws(None))
    assert not call.retries_seen and len(call.attempts) == 1


def test_a_throttling_code_in_the_cause_is_a_throttle_though_no_flag_says_so() -> None:
    message = "An error occurred (ProvisionedThroughputExceededException) when calling GetItem"
    (call,) = _aws_calls(_aws(None, status=400, cause=message))
    assert call.attempts[-1].throttle and call.outcome == "failed"


def test_a_closed_breaker_wrapper_around_a_good_aws_call_is_an_ok_call() -> None:
    wrapper = {
        "id": _id(),
        "name": "orders-table",
        "start_time": T0 + 1,
        "end_time": T0 + 2,
        "annotations": {"circuit_open": False},
        "subsegments": [_aws(0)],
    }
    (call,) = _aws_calls(wrapper)
    assert (call.found, call.outcome) == ("wrapper", "ok")


def test_an_aws_call_without_its_resource_goes_to_the_only_mapped_one_of_its_service() -> None:
    bare = _aws(1)
    del bare["aws"]["table_name"]
    one = {"orders-table": [DependencyMatch(aws="DynamoDB", resource="orders")]}
    two = {**one, "users-table": [DependencyMatch(aws="dynamodb", resource="users")]}
    assert [c.dependency for c in read_traces([_segment(bare)], one).calls] == ["orders-table"]
    reading = read_traces([_segment(bare)], two)
    assert reading.calls == [] and dict(reading.unmapped) == {"aws DynamoDB": 1}


# --- callers, and documents that cannot be used --------------------------------------------------


@pytest.mark.parametrize(
    ("aws", "instance", "shared"),
    [
        (
            {"ecs": {"task_arn": "arn:aws:ecs:eu-west-1:1:task/shop/abc", "container": "bff"}},
            "arn:aws:ecs:eu-west-1:1:task/shop/abc",
            False,
        ),
        ({"ecs": {"container": "bff"}, "xray": {"sdk": "opentelemetry for java"}}, "bff", True),
        ({"ecs": {"container": "ip-10-0-1-5"}, "xray": {"sdk": "X-Ray for Python"}}, "ip-10-0-1-5", False),
    ],
)
def test_the_caller_instance_is_the_most_specific_id_and_a_shared_name_is_marked(
    aws: dict[str, Any], instance: str, shared: bool
) -> None:
    (call,) = _calls(_segment(_http(1.0, 1.1, 200), aws=aws))
    assert (call.caller_instance, call.instance_shared) == (instance, shared)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"id": "a", "trace_id": "1-2-3", "start_time": T0, "http": "GET /x"}, "http is a string"),
        ({"id": "a", "trace_id": "1-2-3", "start_time": None}, "start_time is missing"),
        ({"id": "a", "trace_id": "1-2-3", "start_time": T0, "annotations": ["x"]}, "annotations is an array"),
        (["not", "a", "document"], ""),
        ({"trace_id": "1-2-3", "start_time": T0}, "id is null"),
    ],
)
def test_a_document_of_the_wrong_shape_is_counted_never_raised(document: object, reason: str) -> None:
    problems = read_traces([document, _segment(_http(1.0, 1.1, 200))], CATALOG).problems
    assert problems.unreadable == 1 and reason in problems.first_unreadable
    assert "1 of 2 documents unreadable" in (problems.summary() or "")


def test_a_loop_of_parent_ids_ends_and_is_counted() -> None:
    a = {
        "type": "subsegment",
        "id": "aaaaaaaaaaaaaaaa",
        "parent_id": "bbbbbbbbbbbbbbbb",
        "trace_id": "1-2-3",
        "name": "x",
        "start_time": T0,
        "end_time": T0 + 1,
        "namespace": "remote",
    }
    b = {**a, "id": "bbbbbbbbbbbbbbbb", "parent_id": "aaaaaaaaaaaaaaaa"}
    reading = read_traces([a, b], None)
    assert reading.problems.cycles == 2 and reading.calls == []


def test_an_orphan_and_a_duplicate_are_counted() -> None:
    orphan = {
        **_http(1.0, 1.1, 200),
        "type": "subsegment",
        "trace_id": "1-2-3",
        "parent_id": "ffffffffffffffff",
    }
    segment = _segment(_http(1.0, 1.1, 200))
    again = {**json.loads(json.dumps(segment)), "end_time": segment["end_time"] + 1}  # sent twice, differing
    problems = read_traces([orphan, segment, again], CATALOG).problems
    assert (problems.orphans, problems.duplicates) == (1, 1)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)
FIELDS = [
    "id",
    "trace_id",
    "parent_id",
    "type",
    "name",
    "start_time",
    "end_time",
    "in_progress",
    "namespace",
    "http",
    "aws",
    "annotations",
    "metadata",
    "subsegments",
    "fault",
    "error",
    "throttle",
    "cause",
]


@settings(max_examples=300, deadline=None)
@given(
    documents=st.lists(json_values, max_size=4),
    mutated=st.lists(st.tuples(st.sampled_from(FIELDS), json_values), max_size=4),
    mapped=st.booleans(),
)
def test_any_json_at_the_reader_is_read_or_counted_never_raised(
    documents: list[Any], mutated: list[tuple[str, Any]], mapped: bool
) -> None:
    segment = _segment(_http(1.0, 1.1, 503), _http(1.2, 1.3, 200))
    for field, value in mutated:
        target = segment if field in ("id", "trace_id", "aws", "name") else segment["subsegments"][0]
        target[field] = value
    reading = read_traces([*documents, segment], CATALOG if mapped else None)
    assert reading.problems.documents == len(documents) + 1


# --- a breaker that sends nothing, told from the requests that skipped the dependency -------------


def _request(start: float, route: str, called: set[str], instance: str = "task-1") -> TracedRequest:
    return TracedRequest(f"1-{start}", Caller("web", instance), route, start, start + 0.1, frozenset(called))


def _failed_call(at: float, instance: str = "task-1") -> Call:
    return Call("t", "web", instance, "catalog", at, at + 0.5, (), "failed", found="inferred")


BASELINE = [_request(t, "GET /items/{id}", {"catalog"}) for t in range(6)]
BASELINE += [_request(t + 0.5, "GET /health", set()) for t in range(6)]
BASELINE += [_request(t + 0.7, "GET /cart", {"catalog"} if t % 2 else set()) for t in range(6)]


def test_a_route_that_always_calls_the_dependency_and_then_skips_it_was_shed() -> None:
    routes = dependent_routes(BASELINE, "catalog", (0.0, 10.0))
    assert routes == {("web", "GET /items/{id}")}  # /health never calls it, /cart only sometimes
    outage = [_request(20.0, "GET /items/{id}", set()), _request(21.0, "GET /items/{id}", {"catalog"})]
    shed = shed_calls(outage, "catalog", routes, first_failures([_failed_call(19.0)], 10.0))
    assert [(c.start, c.outcome, c.found) for c in shed] == [(20.0, "short_circuit", "shed")]


def test_a_route_that_never_or_only_sometimes_calls_the_dependency_is_never_shed() -> None:
    routes = dependent_routes(BASELINE, "catalog", (0.0, 10.0))
    outage = [_request(20.0, "GET /health", set()), _request(20.5, "GET /cart", set())]
    assert shed_calls(outage, "catalog", routes, first_failures([_failed_call(19.0)], 10.0)) == []


def test_a_skip_on_an_instance_whose_calls_had_not_failed_is_not_shed() -> None:
    routes = dependent_routes(BASELINE, "catalog", (0.0, 10.0))
    skipped_elsewhere = [_request(20.0, "GET /items/{id}", set(), instance="task-2")]
    failures = first_failures([_failed_call(19.0, instance="task-1")], 10.0)
    assert shed_calls(skipped_elsewhere, "catalog", routes, failures) == []
