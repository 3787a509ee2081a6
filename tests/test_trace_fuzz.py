"""Any JSON at the trace reader, with or without a dependency map: it reads what it can, counts
what it cannot, never raises and always finishes.

Three sources of documents: arbitrary JSON values; documents of every shape the reader knows (a
shop-style breaker wrapper, streamed subsegments, a refused call, an ADOT segment with a resend
count, a double record, an AWS call with retries and a throttling code) with any of their fields,
at any depth, replaced by arbitrary JSON or removed; and documents nested or chained far deeper
than any SDK writes. Maps are arbitrary valid ones.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from input_fuzz import CASE_LIMIT_S, time_limit
from xray_calls import T0, Traces, aws_attempt, remote_attempt, sdk_segment

from gameday.traces import TraceReading, read_traces
from gameday.traces.dependencies import DependencyMap, DependencyMatch

EXAMPLES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Field names the reader looks at, so arbitrary objects hit its branches, not only unknown keys.
FIELDS = [
    "id", "trace_id", "parent_id", "type", "inferred", "name", "start_time", "end_time", "in_progress",
    "namespace", "http", "request", "response", "method", "url", "status", "aws", "xray", "sdk", "ecs",
    "container", "task_arn", "operation", "table_name", "table_names", "queue_url", "function_name",
    "retries", "annotations", "metadata", "default", "circuit_open", "dependency",
    "http.request.resend_count", "subsegments", "fault", "error", "throttle", "cause", "exceptions",
    "message",
]  # fmt: skip
NUMBERS = [0, -1, 0.5, T0, T0 + 1.5, 1e308, 2**63, 10**400, -(10**400)]
STRINGS = [
    "", "remote", "aws", "local", "subsegment", "READ", "GET", "X-Ray for Node.js", "opentelemetry for go",
    "http://catalog/", "http://catalog:8080/items", "http://[::1", "http://catalog:99999/", "http://\ud800/",
    "arn:aws:lambda:eu-west-1:1:function:", "ThrottlingException", "1-2-3", "0000000000000001",
]  # fmt: skip

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(NUMBERS),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(STRINGS),
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=25,
)

DELETE = object()  # a mutation that removes the field
Path = tuple[int | str, ...]


def _known_shapes() -> list[dict[str, Any]]:
    traces = Traces()
    traces.call("catalog", [(1.0, 1.1, 503), (1.2, 1.3, 200)], streamed=True)
    traces.short_circuit("catalog", 2.0)
    nested = remote_attempt(3.0, 3.2, 200)
    nested["subsegments"] = [remote_attempt(3.01, 3.19, 200)]
    resent = remote_attempt(3.5, 3.6, 200, metadata={"default": {"http.request.resend_count": 1}})
    throttled = aws_attempt(
        2, status=400, exception={"type": "ThrottlingException", "message": "Rate exceeded"}
    )
    segment = sdk_segment(
        remote_attempt(3.3, 3.4, 503),
        resent,
        nested,
        remote_attempt(3.7, 3.71, None, fault=False),
        remote_attempt(3.71, 3.8, 200),
        throttled,
        request="GET http://web/items/sku-1",
        aws={"ecs": {"container": "web"}, "xray": {"sdk": "opentelemetry for python"}},
    )
    return [*traces.documents, segment]


KNOWN = _known_shapes()
KNOWN_TEXT = json.dumps(KNOWN)
MAP: DependencyMap = {
    "catalog": [DependencyMatch(host="catalog")],
    "orders-table": [DependencyMatch(aws="DynamoDB", resource="orders")],
}


def _paths(value: object, path: Path = ()) -> list[Path]:
    """Every place in ``value`` a mutation may change: each field and item, at every depth."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            found += _paths(item, (*path, number))
    return found


PATHS = _paths(KNOWN)


def _mutated(mutations: list[tuple[Path, object]]) -> list[Any]:
    """The known documents with each mutation made where its place still exists."""
    documents: list[Any] = json.loads(KNOWN_TEXT)
    for path, value in mutations:
        parent: Any = documents
        try:
            for step in path[:-1]:
                parent = parent[step]
            if value is DELETE and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = None if value is DELETE else value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation took the place away
    return documents


def _checked(documents: list[Any], dependencies: DependencyMap | None) -> TraceReading:
    """Read the documents within the time limit, and check what holds for any documents."""
    with time_limit(CASE_LIMIT_S):
        reading = read_traces(documents, dependencies)
    assert reading.problems.documents == len(documents)
    assert [c.start for c in reading.calls] == sorted(c.start for c in reading.calls)
    assert [r.start for r in reading.requests] == sorted(r.start for r in reading.requests)
    if dependencies is not None:
        assert {c.dependency for c in reading.calls} <= set(dependencies)
    return reading


def test_the_known_shapes_unmutated_are_read_whole() -> None:
    """The documents the mutations start from hold calls and no problem, so a mutation takes away."""
    reading = _checked(_mutated([]), MAP)
    assert reading.problems.summary() is None and not reading.unmapped
    assert [(c.dependency, c.found, len(c.attempts), c.outcome) for c in reading.calls] == [
        ("catalog", "wrapper", 2, "ok"),
        ("orders-table", "aws", 3, "failed"),
        ("catalog", "wrapper", 0, "short_circuit"),
        ("catalog", "inferred", 1, "ok"),  # an attempt with the same request inside it
        ("catalog", "inferred", 2, "ok"),  # a 503, then a 200 whose resend_count is 1
        ("catalog", "inferred", 1, "ok"),  # httplib's send record, then the answer
    ]


def test_every_field_of_the_known_shapes_set_to_each_edge_value_is_read_or_counted() -> None:
    """Each field at every depth, one at a time, set to each value at an edge (or removed)."""
    for path in PATHS:
        for value in [*NUMBERS, *STRINGS, None, True, [], {}, DELETE]:
            _checked(_mutated([(path, value)]), MAP)


@EXAMPLES
@given(documents=st.lists(json_values, max_size=5), mapped=st.booleans())
def test_arbitrary_json_is_read_or_counted_never_raised(documents: list[Any], mapped: bool) -> None:
    _checked(documents, MAP if mapped else None)


@EXAMPLES
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(PATHS), st.just(DELETE) | json_values),
        min_size=1,
        max_size=4,
    ),
    mapped=st.booleans(),
)
def test_known_shapes_with_any_field_replaced_or_removed_are_read_or_counted(
    mutations: list[tuple[Path, object]], mapped: bool
) -> None:
    _checked(_mutated(mutations), MAP if mapped else None)


HOSTS = st.sampled_from(
    ["catalog", "catalog:8080", "catalog:²", "catalog:", "[::1]:8080", "[::1", "::1"]
) | st.text(alphabet="ab:[]1²._-", min_size=1, max_size=10)
MATCHES = st.one_of(
    st.builds(DependencyMatch, host=HOSTS),
    st.builds(DependencyMatch, name=st.sampled_from(["catalog", "DynamoDB", "::1"]) | st.text(min_size=1)),
    st.builds(DependencyMatch, url=st.builds("http://{}{}".format, HOSTS, st.text(max_size=6))),
    st.builds(
        DependencyMatch,
        aws=st.sampled_from(["DynamoDB", "amazon dynamodb", "Lambda", "sqs"])
        | st.text(min_size=1, max_size=6),
        resource=st.none() | st.sampled_from(["orders", "arn:", ":function:", "x://"]) | st.text(min_size=1),
    ),
    st.builds(DependencyMatch, annotation=st.text(min_size=1, max_size=6)),
)


@EXAMPLES
@given(
    dependencies=st.dictionaries(st.text(min_size=1, max_size=8), st.lists(MATCHES, min_size=1, max_size=3)),
    mutations=st.lists(st.tuples(st.sampled_from(PATHS), json_values), max_size=2),
)
def test_any_valid_map_reads_any_documents(
    dependencies: dict[str, list[DependencyMatch]], mutations: list[tuple[Path, object]]
) -> None:
    _checked(_mutated(mutations), dependencies)


def test_documents_nested_or_chained_far_deeper_than_any_sdk_writes_are_read_in_time() -> None:
    segment = sdk_segment()
    innermost: dict[str, Any] = segment
    for _ in range(50_000):
        child = remote_attempt(1.0, 1.1, 200)
        innermost["subsegments"] = [child]
        innermost = child
    chain = [
        {**remote_attempt(1.0, 1.1, 200), "type": "subsegment", "trace_id": "1-2-3"} for _ in range(50_000)
    ]
    for parent, child in itertools.pairwise(chain):
        child["parent_id"] = parent["id"]
    chain[0]["parent_id"] = chain[-1]["id"]  # and the chain closes into a loop
    deep_value: list[Any] = []
    for _ in range(50_000):
        deep_value = [deep_value]
    odd = {"id": deep_value, "trace_id": "1-2-3", "start_time": T0}

    reading = _checked([segment, *chain, odd], MAP)

    assert len(reading.calls) == 1  # the outermost attempt: every one inside it records it again
    assert reading.problems.cycles == 50_000 and reading.problems.unreadable == 1
