"""The shop with ``SHOP_TRACING=plain``: traced only as the X-Ray SDK's own instrumentation records,
and answering exactly as with its own annotated tracing.

bff runs in both modes against the same kind of local double (503 then 200, a refused port, a
reset, a server that never answers, a dependency its open breaker keeps it from); the plain
documents hold one subsegment of the SDK's aiohttp trace config per attempt and nothing of the
shop's (no ``<dependency>-call`` wrapper, no annotation). The SQS subsegments orders and worker
write are compared field for field with what the botocore patch records for the same calls against
the same endpoint (``tests/botocore_recording.py``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from http_double import http_double
from shop_processes import (
    REPO,
    Document,
    Response,
    Service,
    Shop,
    SqsServer,
    XrayDaemon,
    free_port,
    get,
    named,
    only,
    request,
    run_shop,
    subsegments,
)

from gameday.localcloud.api import QueueFaultSpec
from gameday.localcloud.sqs.faults import InjectedFaults

MODES = ("annotated", "plain")
ORDER = {"item_id": "sku-001", "quantity": 1}
FAST_RETRIES = {"RETRY_ATTEMPT_TIMEOUT": "0.2", "RETRY_MAX_DELAY": "0.05"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    logs = tmp_path_factory.mktemp("plain-shop-logs")
    with closing(XrayDaemon()) as xray, closing(SqsServer()) as sqs:
        yield from run_shop(xray, sqs, logs, SHOP_TRACING="plain")


# --- bff: one SDK subsegment per attempt, nothing else ---------------------------------------------


@dataclass(frozen=True)
class BothModes:
    answers: dict[str, tuple[int, Any]]  # (status, body) per mode
    plain: Response
    plain_log: Path


def in_both_modes(shop: Shop, name: str, ask: Callable[[Service], Response], **env: str) -> BothModes:
    """What a bff answers in each mode with the same settings (the shop's catalog and orders unless
    ``env`` says otherwise). Each bff is stopped once asked."""
    settings = {"CATALOG_URL": shop.catalog.url, "ORDERS_URL": shop.orders.url, **env}
    answers: dict[str, Response] = {}
    bffs = {mode: shop.start("bff", f"bff-{name}-{mode}", SHOP_TRACING=mode, **settings) for mode in MODES}
    for mode, bff in bffs.items():
        answers[mode] = ask(bff)
        assert bff.stop() == 0
    return BothModes(
        {mode: (a.status, a.body) for mode, a in answers.items()}, answers["plain"], bffs["plain"].log_path
    )


def plain_attempts(shop: Shop, answer: Response, count: int) -> list[Document]:
    """The bff segment's subsegments: ``count`` attempts by the SDK's trace config, and nothing of
    the shop's anywhere in the document."""
    segment = shop.xray.wait_for(answer.trace_id, "bff")
    assert [entity for entity in (segment, *subsegments(segment)) if "annotations" in entity] == []
    attempts: list[Document] = segment.get("subsegments", [])
    assert [(a["name"], "subsegments" in a, a["in_progress"]) for a in attempts] == [
        ("127.0.0.1", False, False)
    ] * count
    assert segment["http"]["response"]["status"] == answer.status
    return attempts


def assert_no_xray_trouble(log: Path) -> None:
    """bff logs the SDK's warnings and errors (a missing or ended entity would be one of them)."""
    text = log.read_text()
    assert "aws_xray_sdk" not in text and "Traceback" not in text, text


def test_a_retried_call_is_two_sdk_subsegments_each_sending_the_trace_header(shop: Shop) -> None:
    received: dict[str, list[Any]] = {}
    with http_double() as catalog:

        def ask(bff: Service) -> Response:
            catalog.first["/items/sku-001"] = [503]
            catalog.received.clear()
            answer = get(bff.url + "/catalog/sku-001")
            received[bff.env["SHOP_TRACING"]] = list(catalog.received)
            return answer

        both = in_both_modes(shop, "retried", ask, CATALOG_URL=catalog.url, **FAST_RETRIES)
    assert both.answers == {mode: (200, {"item": {}, "degraded": False}) for mode in MODES}
    first, second = plain_attempts(shop, both.plain, 2)
    assert first["namespace"] == second["namespace"] == "remote"
    assert first["http"]["request"]["method"] == "GET"
    assert first["http"]["request"]["url"] == f"{catalog.url}/items/sku-001"
    assert (first["http"]["response"], first["fault"], "cause" in first) == ({"status": 503}, True, False)
    assert second["http"]["response"] == {"status": 200}
    assert not {"fault", "error", "cause"} & set(second)
    sent = [r.headers["X-Amzn-Trace-Id"] for r in received["plain"]]
    assert sent == [f"Root={both.plain.trace_id};Parent={a['id']};Sampled=1" for a in (first, second)]
    assert_no_xray_trouble(both.plain_log)


@contextmanager
def unanswering(kind: str) -> Iterator[str]:
    """A dependency URL that never answers: ``refused`` (nothing listens), ``reset`` (each request
    is read, then its connection closed with a TCP reset) or ``hanging`` (connections are accepted
    by the kernel and never read)."""
    if kind == "refused":
        yield f"http://127.0.0.1:{free_port()}"
        return
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        if kind == "reset":
            threading.Thread(target=_reset_each, args=(listener,), daemon=True).start()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def _reset_each(listener: socket.socket) -> None:
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:  # the listener was closed
            return
        with connection:
            connection.recv(65536)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


@pytest.mark.parametrize(
    ("kind", "errors"),
    [
        ("refused", {"ClientConnectorError"}),
        ("reset", {"ClientOSError", "ServerDisconnectedError"}),
        ("hanging", {"TimeoutError"}),
    ],
)
def test_an_attempt_that_gets_no_answer_is_an_ended_local_subsegment(
    shop: Shop, kind: str, errors: set[str]
) -> None:
    """The trace config ends the subsegment even when the attempt's timeout fires, so bff's context
    stays whole (a broken one would raise: shop runs with context_missing=RUNTIME_ERROR)."""
    with unanswering(kind) as url:

        def ask(bff: Service) -> Response:
            answer = request("POST", bff.url + "/checkout", ORDER)
            assert get(bff.url + "/catalog").status == 200, "bff serves on after the failed call"
            return answer

        both = in_both_modes(shop, kind, ask, ORDERS_URL=url, **FAST_RETRIES)
    assert both.answers == {mode: (502, {"error": "orders unavailable"}) for mode in MODES}
    for attempt in plain_attempts(shop, both.plain, 3):
        assert (attempt["namespace"], attempt["fault"], attempt["http"]["request"]["method"]) == (
            "local",
            True,
            "POST",
        )
        assert "response" not in attempt["http"]
        assert {e["type"] for e in attempt["cause"]["exceptions"]} <= errors
        if kind == "hanging":
            assert 0.15 < attempt["end_time"] - attempt["start_time"] < 1.0
    assert_no_xray_trouble(both.plain_log)


def test_a_call_the_open_breaker_refuses_records_nothing(shop: Shop) -> None:
    def ask(bff: Service) -> Response:
        assert get(bff.url + "/catalog").status == 502, "the failed call that opens the breaker"
        missing = get(bff.url + "/catalog/sku-009")
        assert (missing.status, missing.body) == (503, {"error": "catalog unavailable", "degraded": True})
        return get(bff.url + "/catalog")

    refused = f"http://127.0.0.1:{free_port()}"
    settings = {"CATALOG_URL": refused, "BREAKER_FAILURE_THRESHOLD": "1", "BREAKER_RESET_TIMEOUT": "60"}
    both = in_both_modes(shop, "open-breaker", ask, **settings, **FAST_RETRIES)
    fallback = {"items": [{"id": "sku-001"}, {"id": "sku-002"}, {"id": "sku-003"}], "degraded": True}
    assert {mode: (status, _ids(body)) for mode, (status, body) in both.answers.items()} == {
        mode: (200, fallback) for mode in MODES
    }
    assert plain_attempts(shop, both.plain, 0) == []
    assert_no_xray_trouble(both.plain_log)


def _ids(body: Any) -> Any:
    return {**body, "items": [{"id": item["id"]} for item in body["items"]]}


def test_checkout_is_one_linked_trace_through_sdk_subsegments(shop: Shop) -> None:
    answer = request("POST", shop.bff.url + "/checkout", {"item_id": "sku-002", "quantity": 2})
    assert answer.status == 201
    (attempt,) = plain_attempts(shop, answer, 1)
    assert (attempt["namespace"], attempt["http"]["response"]) == ("remote", {"status": 201})
    orders = shop.xray.wait_for(answer.trace_id, "orders")
    assert orders["parent_id"] == attempt["id"]
    send = only(named(orders, "sqs"))
    assert (send["namespace"], send["aws"]["operation"]) == ("aws", "SendMessage")
    assert "annotations" not in orders and "annotations" not in send
    worker = shop.xray.wait_for(answer.trace_id, "worker")
    assert worker["parent_id"] == send["id"]
    assert only(named(worker, "sqs"))["aws"]["operation"] == "DeleteMessage"


# --- orders and worker: the SQS subsegment is the botocore patch's --------------------------------

VARYING = {"id", "parent_id", "trace_id", "start_time", "end_time"}
PER_CALL = {"request_id", "message_id"}  # ids SQS gives each call


def comparable(subsegment: Document, queue_url: str) -> Document:
    """The document without what differs between two runs of the same call: ids, times, the
    stack a cause was raised in (its frames are the caller's); ``queue_url`` must be the call's."""
    document = {key: value for key, value in subsegment.items() if key not in VARYING}
    aws = dict(document["aws"])
    assert aws.pop("queue_url") == queue_url
    document["aws"] = {key: (bool(value) if key in PER_CALL else value) for key, value in aws.items()}
    if "cause" in subsegment:
        exceptions = subsegment["cause"]["exceptions"]
        assert all(e["stack"] and e["id"] for e in exceptions)
        trimmed = [{k: v for k, v in e.items() if k not in ("id", "stack")} for e in exceptions]
        document["cause"] = {**subsegment["cause"], "exceptions": trimmed}
    return document


def recorded_by_the_patch(env: dict[str, str], calls: list[Document]) -> list[Document]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECS_"))}
    result = subprocess.run(
        [sys.executable, str(REPO / "tests" / "botocore_recording.py"), json.dumps(calls)],
        env={**clean, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def send(queue_url: str) -> Document:
    """A SendMessage as orders makes it: an order, and a trace header for its consumer."""
    order = {"order_id": f"recorded-{uuid.uuid4().hex}", "item_id": "sku-001", "quantity": 1}
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    attributes = {"AWSTraceHeader": {"DataType": "String", "StringValue": header}}
    params = {"QueueUrl": queue_url, "MessageBody": json.dumps(order), "MessageSystemAttributes": attributes}
    return {"operation": "SendMessage", "params": params}


def test_sqs_subsegments_are_what_the_botocore_patch_records(shop: Shop) -> None:
    sqs = shop.sqs
    sqs.store.create_queue("throttled")
    sqs.store.set_faults("throttled", InjectedFaults(QueueFaultSpec(throttle_share=1.0)))
    sqs.store.create_queue("scratch")
    unreachable = {**sqs.env(), "SQS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    queues = {
        "sent": sqs.orders_queue_url,
        "missing": sqs.queue_url("missing"),
        "throttled": sqs.queue_url("throttled"),
        "unreachable": sqs.orders_queue_url,
    }
    statuses = {"sent": 201, "missing": 503, "throttled": 503, "unreachable": 503}
    written: dict[str, Document] = {}
    for case, queue_url in queues.items():
        env = unreachable if case == "unreachable" else sqs.env(queue_url)
        orders = shop.orders if case == "sent" else shop.start("orders", f"orders-{case}", **env)
        answer = request("POST", orders.url + "/orders", ORDER)
        assert answer.status == statuses[case], answer.body
        written[case] = only(named(shop.xray.wait_for(answer.trace_id, "orders"), "sqs"))
        if orders is not shop.orders:
            assert orders.stop() == 0
    consumed = request("POST", shop.orders.url + "/orders", ORDER)
    written["deleted"] = only(named(shop.xray.wait_for(consumed.trace_id, "worker"), "sqs"))

    scratch = sqs.queue_url("scratch")
    *recorded, _, deleted = recorded_by_the_patch(
        sqs.env(),
        [send(queues[case]) for case in ("sent", "missing", "throttled")]
        + [send(scratch), {"operation": "DeleteMessage", "params": {"QueueUrl": scratch}}],
    )
    recorded += recorded_by_the_patch(unreachable, [send(queues["unreachable"])])
    for case, patch in zip(queues, recorded, strict=True):
        assert comparable(written[case], queues[case]) == comparable(patch, queues[case]), case
    assert comparable(written["deleted"], sqs.orders_queue_url) == comparable(deleted, scratch)

    # What the comparison holds to, in the patch's own words.
    assert (written["sent"]["name"], written["sent"]["http"]) == ("sqs", {"response": {"status": 200}})
    assert set(written["sent"]["aws"]) == {"operation", "region", "request_id", "queue_url", "message_id"}
    throttled = written["throttled"]
    assert (throttled["http"]["response"]["status"], throttled["error"], throttled["fault"]) == (
        403,
        True,
        True,
    )
    assert "throttle" not in throttled, "the patch flags throttling from a 429 status only"
    assert throttled["cause"]["exceptions"][0]["remote"] is True
    assert not {"fault", "error", "cause", "http"} & set(written["unreachable"]), (
        "the patch records no error for a call that got no answer"
    )
