"""Each rule the trace reader infers calls by, with its negatives, and documents of the wrong shape.

Documents here are written as the standard SDKs write them (no wrapper, no annotation): a segment
``web`` with ``remote`` or ``aws`` subsegments (builders in tests/xray_calls.py). The corpus of
real recordings is in tests/test_trace_corpus.py, dependency maps in tests/test_trace_dependencies.py
and arbitrary documents in tests/test_trace_fuzz.py; these isolate one rule each.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from xray_calls import FAULT_AT, T0, TIMEOUT, aws_attempt, remote_attempt, run_with, sdk_segment, subsegment

from gameday.scoring.dependency_calls import calls_to
from gameday.traces import Call, Caller, TracedRequest, read_traces
from gameday.traces.calls import MAX_RETRY_GAP_S
from gameday.traces.dependencies import DependencyMatch
from gameday.traces.shedding import dependent_routes, first_failures, shed_calls

CATALOG = {"catalog": [DependencyMatch(host="catalog:8080")], "orders": [DependencyMatch(host="orders:8080")]}


def _calls(*documents: dict[str, Any]) -> list[Call]:
    return read_traces(documents, CATALOG).calls


def _shape(calls: list[Call]) -> list[list[int | None]]:
    return [[a.status for a in call.attempts] for call in calls]


# --- grouping attempts into calls ---------------------------------------------------------------


def test_failed_attempts_one_after_another_are_one_call_with_retries() -> None:
    (call,) = _calls(
        sdk_segment(
            remote_attempt(1.0, 1.1, 503), remote_attempt(1.2, 1.3, 503), remote_attempt(1.5, 1.6, 200)
        )
    )
    assert _shape([call]) == [[503, 503, 200]]
    assert (call.dependency, call.outcome, call.found, call.start, call.end) == (
        "catalog",
        "ok",
        "inferred",
        T0 + 1.0,
        T0 + 1.6,
    )
    assert call.retries_seen and call.attempts_timed


def test_retries_that_all_fail_are_one_failed_call() -> None:
    (call,) = _calls(sdk_segment(remote_attempt(1.0, 1.1, 503), remote_attempt(1.2, 2.2, TIMEOUT)))
    assert (_shape([call]), call.outcome) == ([[503, None]], "failed")


def test_concurrent_attempts_to_one_dependency_are_separate_calls() -> None:
    calls = _calls(sdk_segment(remote_attempt(1.0, 1.5, 503), remote_attempt(1.1, 1.6, 200)))
    assert _shape(calls) == [[503], [200]]


def test_an_attempt_starting_within_a_millisecond_of_the_last_ones_end_follows_it() -> None:
    """Clocks round to the millisecond: that is "as the last one ended", not concurrent."""
    calls = _calls(sdk_segment(remote_attempt(1.0, 1.1, 503), remote_attempt(1.0995, 1.2, 200)))
    assert _shape(calls) == [[503, 200]]


def test_an_attempt_after_a_success_starts_a_new_call() -> None:
    calls = _calls(sdk_segment(remote_attempt(1.0, 1.1, 200), remote_attempt(1.2, 1.3, 503)))
    assert _shape(calls) == [[200], [503]]


@pytest.mark.parametrize(("path", "method"), [("/other", "GET"), ("/items", "POST")])
def test_another_path_or_method_is_another_call(path: str, method: str) -> None:
    second = remote_attempt(1.2, 1.3, 200, path=path, method=method)
    assert _shape(_calls(sdk_segment(remote_attempt(1.0, 1.1, 503), second))) == [[503], [200]]


def test_another_query_string_is_the_same_request_target() -> None:
    second = remote_attempt(1.2, 1.3, 200, path="/items?page=2")
    assert _shape(_calls(sdk_segment(remote_attempt(1.0, 1.1, 503, path="/items?page=1"), second))) == [
        [503, 200]
    ]


@pytest.mark.parametrize(
    ("gap", "expected"),
    [(MAX_RETRY_GAP_S - 0.5, [[503, 200]]), (MAX_RETRY_GAP_S + 1, [[503], [200]])],
    ids=["within", "past"],
)
def test_a_retry_comes_within_max_retry_gap_and_a_longer_wait_is_a_new_call(
    gap: float, expected: list[list[int]]
) -> None:
    later = 1.1 + gap
    assert _shape(
        _calls(sdk_segment(remote_attempt(1.0, 1.1, 503), remote_attempt(later, later + 0.1, 200)))
    ) == (expected)


def test_a_wrapper_over_two_dependencies_is_split_per_dependency() -> None:
    wrapper = subsegment("checkout", 1.0, 2.0)
    wrapper["subsegments"] = [
        remote_attempt(1.0, 1.1, 503),
        remote_attempt(1.2, 1.3, 200),
        remote_attempt(1.15, 1.19, 200, host="orders:8080"),
    ]
    calls = _calls(sdk_segment(wrapper))
    assert [(c.dependency, _shape([c])[0]) for c in calls] == [("catalog", [503, 200]), ("orders", [200])]


@pytest.mark.parametrize(
    ("first", "resend", "expected"),
    [(503, 0, [[503], [200]]), (503, 1, [[503, 200]]), (301, 1, [[301, 200]])],
    ids=["zero-after-a-failure", "one-after-a-failure", "one-after-a-redirect"],
)
def test_opentelemetry_resend_count_settles_whether_an_attempt_is_a_retry(
    first: int, resend: int, expected: list[list[int]]
) -> None:
    """ADOT puts span attributes in ``metadata.default``; resend_count counts redirects too."""
    second = remote_attempt(1.2, 1.3, 200, metadata={"default": {"http.request.resend_count": resend}})
    assert _shape(_calls(sdk_segment(remote_attempt(1.0, 1.1, first), second))) == expected


def test_one_request_recorded_twice_by_a_double_patch_is_one_attempt() -> None:
    send = remote_attempt(1.0, 1.01, TIMEOUT, fault=False)  # httplib's send: no answer, no error
    answer = remote_attempt(1.01, 1.1, 503)
    read = remote_attempt(1.1, 1.11, 503, method="READ")
    calls = _calls(sdk_segment(send, answer, read, remote_attempt(1.2, 1.3, 200)))
    assert _shape(calls) == [[503, 200]]


def test_a_record_with_no_answer_and_no_fault_is_an_attempt_when_no_answer_follows_it() -> None:
    """The negative of the double patch: a send record is left out only for the answer after it."""
    unanswered = remote_attempt(1.0, 1.01, TIMEOUT, fault=False)
    calls = _calls(sdk_segment(unanswered, remote_attempt(1.2, 1.3, 200, path="/other")))
    assert _shape(calls) == [[None], [200]]


def test_a_nested_remote_subsegment_is_the_same_request_not_another_attempt() -> None:
    outer = remote_attempt(1.0, 1.2, 200)
    outer["subsegments"] = [remote_attempt(1.01, 1.19, 200)]
    assert _shape(_calls(sdk_segment(outer))) == [[200]]


def test_the_aiohttp_trace_configs_failed_local_attempt_is_an_attempt() -> None:
    refused = remote_attempt(1.0, 1.01, TIMEOUT, namespace="local")
    assert _shape(_calls(sdk_segment(refused, remote_attempt(1.1, 1.2, 200)))) == [[None, 200]]


def test_a_local_subsegment_without_a_url_is_no_attempt() -> None:
    work = subsegment("render", 1.0, 1.01, fault=True)
    work["namespace"] = "local"
    assert _calls(sdk_segment(work)) == []


# --- AWS SDK calls ------------------------------------------------------------------------------

TABLES = {"orders-table": [DependencyMatch(aws="DynamoDB", resource="orders")]}


def _aws_calls(*documents: dict[str, Any], sdk: str = "X-Ray for Java") -> list[Call]:
    return read_traces([sdk_segment(*documents, aws={"xray": {"sdk": sdk}})], TABLES).calls


@pytest.mark.parametrize(
    ("sdk", "retries", "attempts"),
    [
        ("X-Ray for Java", 2, 3),
        ("X-Ray for Go", 2, 3),
        ("X-Ray for Java", 0, 1),
        ("X-Ray for Node.js", 3, 3),
        ("X-Ray for Node.js", 1, 1),
    ],
)
def test_aws_retries_count_retries_from_java_and_go_and_attempts_from_node(
    sdk: str, retries: int, attempts: int
) -> None:
    (call,) = _aws_calls(aws_attempt(retries), sdk=sdk)
    assert (len(call.attempts), call.found, call.outcome) == (attempts, "aws", "ok")
    assert call.retries_seen and call.attempts_timed == (attempts == 1)  # earlier ones: count only


def test_without_aws_retries_a_call_says_its_retries_are_unseen() -> None:
    (call,) = _aws_calls(aws_attempt(None), sdk="X-Ray for Python")
    assert (len(call.attempts), call.retries_seen, call.attempts_timed) == (1, False, True)


@pytest.mark.parametrize(
    "exception",
    [
        {
            "type": "ClientError",
            "message": "An error occurred (ProvisionedThroughputExceededException) when calling",
        },
        {"type": "ThrottlingException", "message": "Rate exceeded"},
        {
            "type": "DynamoDbException",
            "message": "Rate exceeded (Service: DynamoDb, Error Code: ThrottlingException)",
        },
    ],
    ids=["python", "node", "java"],
)
def test_a_throttling_code_in_the_cause_is_a_throttle_though_no_flag_says_so(
    exception: dict[str, str],
) -> None:
    (call,) = _aws_calls(aws_attempt(None, status=400, exception=exception))
    assert call.attempts[-1].throttle and call.outcome == "failed"


def test_another_error_code_is_an_answer_not_a_throttle() -> None:
    refused = {"type": "ClientError", "message": "An error occurred (ConditionalCheckFailedException)"}
    (call,) = _aws_calls(aws_attempt(None, status=400, exception=refused))
    assert not call.attempts[-1].throttle and call.outcome == "ok"


def test_a_closed_breaker_wrapper_around_a_good_aws_call_is_an_ok_call() -> None:
    wrapper = subsegment("orders-table", 1.0, 2.0)
    wrapper.update(annotations={"circuit_open": False}, subsegments=[aws_attempt(0)])
    (call,) = _aws_calls(wrapper)
    assert (call.found, call.outcome, call.dependency, len(call.attempts)) == (
        "wrapper",
        "ok",
        "orders-table",
        1,
    )


def test_an_aws_call_without_its_resource_goes_to_the_only_mapped_one_of_its_service() -> None:
    bare = aws_attempt(1)
    del bare["aws"]["table_name"]
    two = {**TABLES, "users-table": [DependencyMatch(aws="dynamodb", resource="users")]}
    assert [c.dependency for c in read_traces([sdk_segment(bare)], TABLES).calls] == ["orders-table"]
    reading = read_traces([sdk_segment(bare)], two)
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
    ids=["task-arn-over-container", "adot-container-name", "sdk-container-host"],
)
def test_the_caller_instance_is_the_most_specific_id_and_a_shared_name_is_marked(
    aws: dict[str, Any], instance: str, shared: bool
) -> None:
    (call,) = _calls(sdk_segment(remote_attempt(1.0, 1.1, 200), aws=aws))
    assert (call.caller_instance, call.instance_shared, call.who.distinct) == (instance, shared, not shared)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"id": "a", "trace_id": "1-2-3", "start_time": T0, "http": "GET /x"}, "http is a string 'GET /x'"),
        ({"id": "a", "trace_id": "1-2-3", "start_time": None}, "start_time is missing"),
        ({"id": "a", "trace_id": "1-2-3", "start_time": T0, "annotations": ["x"]}, "annotations is an array"),
        (["not", "a", "document"], "the document is list, not an object"),
        ({"trace_id": "1-2-3", "start_time": T0}, "id is null, not a non-empty string"),
        (
            {"id": "a", "trace_id": "1-2-3", "start_time": 10**400},
            "start_time is 1" + "0" * 26 + "…, not a number",
        ),
    ],
    ids=["http-string", "start-null", "annotations-list", "not-an-object", "no-id", "start-400-digits"],
)
def test_a_document_of_the_wrong_shape_is_counted_never_raised(document: object, reason: str) -> None:
    reading = read_traces([document, sdk_segment(remote_attempt(1.0, 1.1, 200))], CATALOG)
    problems = reading.problems
    assert (problems.documents, problems.unreadable) == (2, 1)
    assert problems.first_unreadable.startswith(f"document 1: {reason}")
    assert _shape(reading.calls) == [[200]]  # the good document is still read


def test_problems_summary_says_each_kind_in_one_line() -> None:
    documents = [{"id": "a", "trace_id": "1-2-3", "start_time": T0, "http": "GET /x"}, *_loop(), _orphan()]
    problems = read_traces(documents, CATALOG).problems
    assert problems.summary() == (
        "1 of 4 documents unreadable (first: document 1: http is a string 'GET /x', not an object); "
        "1 subsegments whose parent never arrived; 2 entities in a loop of parent ids"
    )
    assert problems.unusable() == 4
    assert read_traces([sdk_segment(remote_attempt(1.0, 1.1, 200))], CATALOG).problems.summary() is None


def _loop() -> list[dict[str, Any]]:
    """Two subsegment documents, each the other's parent."""
    a = {**remote_attempt(1.0, 1.1, 200), "type": "subsegment", "trace_id": "1-2-3", "id": "a" * 16}
    return [{**a, "parent_id": "b" * 16}, {**a, "id": "b" * 16, "parent_id": "a" * 16}]


def _orphan() -> dict[str, Any]:
    return {**remote_attempt(1.0, 1.1, 200), "type": "subsegment", "trace_id": "1-2-3", "parent_id": "f" * 16}


def test_a_loop_of_parent_ids_ends_and_is_counted() -> None:
    reading = read_traces(_loop(), None)
    assert reading.problems.cycles == 2 and reading.calls == []


def test_an_orphan_and_a_duplicate_are_counted() -> None:
    segment = sdk_segment(remote_attempt(1.0, 1.1, 200))
    again = {**json.loads(json.dumps(segment)), "end_time": segment["end_time"] + 1}  # sent twice, differing
    problems = read_traces([_orphan(), segment, again, segment], CATALOG).problems
    assert (problems.orphans, problems.duplicates) == (1, 1)  # the same version again is no problem


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


def test_from_documents_a_dependent_route_served_with_no_attempt_in_the_outage_is_a_shed_call() -> None:
    """Read end to end: routes from the segments' URLs, then the calls a score grades."""

    def served(at: float, path: str, *attempts: dict[str, Any]) -> dict[str, Any]:
        return sdk_segment(*attempts, request=f"GET http://web{path}", start=at, end=at + 0.2)

    baseline = [served(t, f"/items/sku-{t}", remote_attempt(t, t + 0.1, 200)) for t in range(1, 7)]
    baseline += [served(t + 0.5, "/health") for t in range(1, 7)]
    outage = [
        served(FAULT_AT + 1, "/items/sku-21", remote_attempt(FAULT_AT + 1, FAULT_AT + 1.1, 503)),
        served(FAULT_AT + 2, "/items/sku-22"),  # the breaker is open: no attempt
        served(FAULT_AT + 3, "/health"),  # never calls catalog: says nothing about the breaker
    ]
    calls = calls_to(run_with([*baseline, *outage]), "catalog")
    assert [(c.start - T0, c.outcome) for c in calls if c.found == "shed"] == [
        (FAULT_AT + 2, "short_circuit")
    ]
    assert len(calls) == 8  # six baseline calls, the failed one and the shed one
