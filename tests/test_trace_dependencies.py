"""How a dependency map names what traces show: each way a match fits an endpoint, and where it
does not; the names a dependency may have; the one-way rule of a match; and the endpoints no name
fits, listed in the form a target's entry takes. (Scenario and targets files that carry these are
in tests/test_run_dependencies.py.)"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pydantic import ValidationError
from xray_calls import aws_attempt, remote_attempt, sdk_segment, subsegment

from gameday.traces import read_traces
from gameday.traces.dependencies import DependencyMatch, DependencyResolver, Endpoint, check_dependency_name


def _name(match: DependencyMatch, endpoint: Endpoint) -> str | None:
    return DependencyResolver({"dep": [match]}).name_of(endpoint)


def _http(url: str, name: str = "node") -> Endpoint:
    return Endpoint(name, url, None, None, None)


def _aws(service: str, resource: str | None) -> Endpoint:
    return Endpoint(service, None, service, resource, None)


@pytest.mark.parametrize(
    ("host", "url", "fits"),
    [
        ("catalog.internal", "http://catalog.internal:8080/items", True),
        ("catalog.internal", "http://orders.internal:8080/items", False),
        ("catalog:8080", "http://catalog:8080/items", True),
        ("catalog:8080", "http://catalog:9090/items", False),
        ("catalog:80", "http://catalog/items", True),
        ("api.example.com:443", "https://api.example.com/v2/pay", True),
        ("catalog:443", "http://catalog/items", False),
        ("Catalog.Internal", "http://CATALOG.internal/items", True),
        ("[::1]:8080", "http://[::1]:8080/items", True),
        ("[::1]:8080", "http://[::1]:8081/items", False),
        ("[::1]", "http://[::1]:8081/items", True),
        ("::1", "http://[::1]:8081/items", True),
        ("catalog:²", "http://catalog:2/items", False),
        ("catalog", "http://[catalog/items", False),
    ],
)
def test_a_host_fits_any_port_and_a_host_with_port_only_that_one_the_default_when_none_is_written(
    host: str, url: str, fits: bool
) -> None:
    assert (_name(DependencyMatch(host=host), _http(url)) == "dep") is fits


@pytest.mark.parametrize(
    ("prefix", "url", "fits"),
    [
        ("https://api.example.com/v2", "https://API.example.com/v2/pay?card=1", True),
        ("https://api.example.com/v2", "https://api.example.com/v3/pay", False),
        ("http://catalog:8080", "https://catalog:8080/items", False),
    ],
)
def test_a_url_is_a_prefix_of_the_request_url_without_its_query(prefix: str, url: str, fits: bool) -> None:
    assert (_name(DependencyMatch(url=prefix), _http(url)) == "dep") is fits


def test_a_name_fits_the_node_name_of_an_http_call_only() -> None:
    match = DependencyMatch(name="DynamoDB")
    assert _name(match, _http("http://127.0.0.1:4566/", name="DynamoDB")) == "dep"
    assert _name(match, _http("http://127.0.0.1:4566/", name="dynamodb")) is None
    assert _name(match, _aws("DynamoDB", "orders")) is None  # an AWS call is matched by aws


@pytest.mark.parametrize(
    ("service", "mapped", "recorded"),
    [
        ("DynamoDB", "orders", "orders"),
        ("sqs", "orders", "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"),
        ("SQS", "arn:aws:sqs:eu-west-1:123456789012:orders", "http://127.0.0.1:4566/123456789012/orders/"),
        ("DynamoDB", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders", "orders"),
        ("Lambda", "pay", "arn:aws:lambda:eu-west-1:123456789012:function:pay:live"),
        ("Lambda", "arn:aws:lambda:eu-west-1:123456789012:function:pay", "pay"),
        ("Lambda", "pay", "123456789012:function:pay"),
        ("Lambda", "pay", "pay:live"),
    ],
)
def test_an_aws_resource_fits_as_a_name_a_queue_url_or_an_arn(
    service: str, mapped: str, recorded: str
) -> None:
    assert _name(DependencyMatch(aws=service, resource=mapped), _aws(service, recorded)) == "dep"


@pytest.mark.parametrize(
    ("match", "endpoint"),
    [
        (DependencyMatch(aws="DynamoDB", resource="orders"), _aws("DynamoDB", "users")),
        (
            DependencyMatch(aws="Lambda", resource="pay"),
            _aws("Lambda", "arn:aws:lambda:eu-west-1:1:function:payments"),
        ),
        (DependencyMatch(aws="SQS", resource="orders"), _aws("DynamoDB", "orders")),
        (DependencyMatch(aws="DynamoDB"), _aws("DynamoDB Streams", "orders")),
        (
            DependencyMatch(aws="DynamoDB"),
            _http("https://dynamodb.eu-west-1.amazonaws.com/", name="DynamoDB"),
        ),
    ],
    ids=["other-table", "other-function", "other-service", "streams-is-not-dynamodb", "not-an-aws-call"],
)
def test_an_aws_match_fits_only_its_service_and_resource(match: DependencyMatch, endpoint: Endpoint) -> None:
    assert _name(match, endpoint) is None


@pytest.mark.parametrize("service", ["DynamoDB", "dynamodb", "Amazon DynamoDB", "AWS DynamoDB"])
def test_service_names_as_sdks_and_people_write_them_are_one_service(service: str) -> None:
    assert _name(DependencyMatch(aws=service), _aws("DynamoDB", "orders")) == "dep"
    assert _name(DependencyMatch(aws="dynamodb"), _aws(service, "orders")) == "dep"


def test_an_annotation_fits_the_dependency_annotation_and_a_known_name_annotated_is_that_name() -> None:
    resolver = DependencyResolver(
        {"payments": [DependencyMatch(annotation="pay")], "catalog": [DependencyMatch(host="catalog")]}
    )
    assert resolver.name_of(Endpoint("10.0.0.9", "http://10.0.0.9/", None, None, "pay")) == "payments"
    assert resolver.name_of(Endpoint("10.0.0.9", "http://10.0.0.9/", None, None, "catalog")) == "catalog"
    assert resolver.name_of(Endpoint("10.0.0.9", "http://10.0.0.9/", None, None, "payment")) is None


def test_the_first_name_whose_match_fits_wins_and_without_a_map_the_traces_name_it() -> None:
    endpoint = Endpoint("catalog", "http://catalog:8080/items", None, None, None)
    both = {"first": [DependencyMatch(host="catalog")], "second": [DependencyMatch(name="catalog")]}
    assert DependencyResolver(both).name_of(endpoint) == "first"
    assert DependencyResolver(None).name_of(endpoint) == "catalog"
    assert DependencyResolver(None).name_of(endpoint._replace(annotation="catalog-api")) == "catalog-api"


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({}, "give exactly one of name, host, url, aws or annotation"),
        ({"host": "catalog", "url": "http://catalog/"}, "(got host, url)"),
        ({"aws": "DynamoDB", "annotation": "orders"}, "(got aws, annotation)"),
        ({"resource": "orders"}, "give exactly one of"),
        ({"host": "catalog", "resource": "orders"}, "resource narrows aws: give aws too"),
    ],
)
def test_a_match_says_exactly_one_way(fields: dict[str, str], says: str) -> None:
    with pytest.raises(ValidationError, match=r"(?s)" + says.replace("(", r"\(").replace(")", r"\)")):
        DependencyMatch.model_validate(fields)


def test_a_match_reads_as_its_one_way() -> None:
    assert DependencyMatch(host="127.0.0.1:4711").label() == "host 127.0.0.1:4711"
    assert DependencyMatch(aws="DynamoDB", resource="orders").label() == "aws DynamoDB orders"
    assert DependencyMatch(annotation="pay").label() == "annotation pay"


@pytest.mark.parametrize(
    "name",
    [
        "127.0.0.1",
        "catalog.internal",
        "catalog:8080",
        "api.example.com",
        "DynamoDB",
        "orders table",
        "x" * 200,
        "café",
    ],
)
def test_a_dependency_may_have_any_name_xray_gives_a_node(name: str) -> None:
    assert check_dependency_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", " catalog", "catalog ", " ", "x" * 201, "cat<alog>", "a,b", "a;b", "a\tb", "a\nb", "a\u00a0b"],
)
def test_a_dependency_name_xray_could_not_give_a_node_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="a dependency name"):
        check_dependency_name(name)


def _unmapped_documents() -> list[dict[str, Any]]:
    queue = aws_attempt(
        None, service="SQS", operation="SendMessage", queue_url="http://127.0.0.1:4566/1/orders"
    )
    del queue["aws"]["table_name"]
    bare = {**subsegment("inventory", 2.0, 2.1), "namespace": "remote"}
    return [
        sdk_segment(
            remote_attempt(1.0, 1.1, 200, host="payments:8080"),
            remote_attempt(1.2, 1.3, 200, host="payments:8080"),
            remote_attempt(1.4, 1.5, 200, host="payments"),
            remote_attempt(1.6, 1.7, 200, host="[::1]:8080", name="::1"),
            queue,
            bare,
        )
    ]


def _match(label: str) -> DependencyMatch:
    """The entry a target writes for an unmapped endpoint's label."""
    way, _, value = label.partition(" ")
    if way == "aws":
        service, _, resource = value.partition(" ")
        return DependencyMatch(aws=service, resource=resource or None)
    return DependencyMatch.model_validate({way: value})


def test_endpoints_no_name_fits_are_counted_by_the_entry_that_would_map_them() -> None:
    reading = read_traces(_unmapped_documents(), {"catalog": [DependencyMatch(host="catalog:8080")]})
    assert reading.calls == [] and reading.mapped
    assert dict(reading.unmapped) == {
        "host payments:8080": 2,
        "host payments:80": 1,
        "host [::1]:8080": 1,
        "aws SQS http://127.0.0.1:4566/1/orders": 1,
        "name inventory": 1,
    }
    mapped = read_traces(_unmapped_documents(), {label: [_match(label)] for label in reading.unmapped})
    assert not mapped.unmapped
    attempts = Counter[str]()
    for call in mapped.calls:
        attempts[call.dependency] += len(call.attempts)
    assert attempts == reading.unmapped
