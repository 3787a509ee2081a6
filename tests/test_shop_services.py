"""shop as real processes: catalog, orders, worker and bff over real HTTP, a real SQS endpoint
(localcloud's) and a UDP socket standing in for the X-Ray daemon.

The X-Ray documents are the evidence, in the shop's default annotated tracing: retries show as
several attempt subsegments, the breaker as ``circuit_open`` / ``breaker_state`` annotations, and
one trace links bff → orders → queue → worker through parent ids. (``SHOP_TRACING=plain``:
test_shop_plain_tracing.py.)
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest
from shop_processes import (
    Shop,
    SqsServer,
    XrayDaemon,
    get,
    named,
    only,
    request,
    run_shop,
)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    logs = tmp_path_factory.mktemp("shop-logs")
    with closing(XrayDaemon()) as xray, closing(SqsServer()) as sqs:
        yield from run_shop(xray, sqs, logs)


# --- the tests -----------------------------------------------------------------------------------


def test_browsing_goes_through_bff_to_catalog_in_one_trace(shop: Shop) -> None:
    answer = get(shop.bff.url + "/catalog")
    assert answer.status == 200
    assert answer.body["degraded"] is False
    assert len(answer.body["items"]) == 10

    bff = shop.xray.wait_for(answer.trace_id, "bff")
    call = only(named(bff, "catalog-call"))
    assert call["annotations"] == {
        "dependency": "catalog",
        "circuit_open": False,
        "breaker_state": "closed",
        "attempts": 1,
        "outcome": "ok",
        "breaker_state_after": "closed",
    }
    attempt = only(named(call, "catalog"))
    assert attempt["namespace"] == "remote"
    assert attempt["annotations"] == {"attempt": 1, "dependency": "catalog"}
    assert attempt["http"]["response"]["status"] == 200
    assert attempt["http"]["request"]["traced"] is True
    catalog = shop.xray.wait_for(answer.trace_id, "catalog")
    assert catalog["parent_id"] == attempt["id"]
    # Each segment names its task where the ECS plugin would name the container.
    assert (bff["aws"]["ecs"], catalog["aws"]["ecs"]) == (
        {"container": "bff-test"},
        {"container": "catalog-test"},
    )


def test_an_item_and_a_missing_item(shop: Shop) -> None:
    item = get(shop.bff.url + "/catalog/sku-003")
    assert (item.status, item.body["item"]["id"], item.body["degraded"]) == (200, "sku-003", False)

    missing = get(shop.bff.url + "/catalog/sku-999")
    assert missing.status == 404
    call = only(named(shop.xray.wait_for(missing.trace_id, "bff"), "catalog-call"))
    assert call["annotations"]["attempts"] == 1, "a 4xx is an answer, not retried"
    assert call["annotations"]["outcome"] == "ok"


def test_health_probes_are_not_traced(shop: Shop) -> None:
    probe = get(shop.catalog.url + "/health")
    assert probe.status == 200
    assert probe.body == {"status": "ok", "service": "catalog", "task": "catalog-test"}
    assert probe.trace_id == ""


def test_checkout_is_queued_and_consumed_in_one_linked_trace(shop: Shop) -> None:
    answer = request("POST", shop.bff.url + "/checkout", {"item_id": "sku-002", "quantity": 2})
    assert answer.status == 201
    order_id = answer.body["order_id"]

    bff = shop.xray.wait_for(answer.trace_id, "bff")
    attempt = only(named(only(named(bff, "orders-call")), "orders"))
    orders = shop.xray.wait_for(answer.trace_id, "orders")
    assert orders["parent_id"] == attempt["id"]
    send = only(named(orders, "SQS"))
    assert send["namespace"] == "aws"
    assert send["aws"]["operation"] == "SendMessage"
    assert send["aws"]["queue_url"].endswith("/orders")
    assert send["http"]["response"]["status"] == 200

    worker = shop.xray.wait_for(answer.trace_id, "worker")
    assert worker["parent_id"] == send["id"]
    assert worker["annotations"] == {"order_id": order_id, "duplicate": False}
    delete = only(named(worker, "SQS"))
    assert delete["aws"]["operation"] == "DeleteMessage"
    assert "fault" not in worker


def test_concurrent_requests_keep_their_traces_apart(shop: Shop) -> None:
    paths = [f"/catalog/sku-{n:03d}" for n in range(1, 11)] * 3
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        answers = list(pool.map(lambda path: get(shop.bff.url + path), paths))
    assert {answer.status for answer in answers} == {200}
    assert len({answer.trace_id for answer in answers}) == len(paths)
    for path, answer in zip(paths, answers, strict=True):
        bff = shop.xray.wait_for(answer.trace_id, "bff")
        attempt = only(named(only(named(bff, "catalog-call")), "catalog"))
        assert attempt["http"]["request"]["url"].endswith(path.replace("/catalog/", "/items/"))
        assert shop.xray.wait_for(answer.trace_id, "catalog")["parent_id"] == attempt["id"]


def test_a_repeated_order_id_is_consumed_once(shop: Shop) -> None:
    """bff sends one Idempotency-Key for all attempts of a checkout; a retry reaching orders twice
    queues the order twice, and the worker drops the repeat."""
    key = f"test-{uuid.uuid4().hex}"
    for _ in range(2):
        answer = request(
            "POST",
            shop.orders.url + "/orders",
            {"item_id": "sku-004", "quantity": 1},
            {"Idempotency-Key": key},
        )
        assert (answer.status, answer.body) == (201, {"order_id": key})
    consumed = shop.xray.wait_for_all(
        lambda doc: doc["name"] == "worker" and doc.get("annotations", {}).get("order_id") == key, 2
    )
    assert sorted(doc["annotations"]["duplicate"] for doc in consumed) == [False, True]


def test_an_invalid_order_is_rejected_without_retries(shop: Shop) -> None:
    answer = request("POST", shop.bff.url + "/checkout", {"item_id": "sku-001", "quantity": 0})
    assert answer.status == 400
    assert "quantity" in answer.body["error"]
    call = only(named(shop.xray.wait_for(answer.trace_id, "bff"), "orders-call"))
    assert call["annotations"]["attempts"] == 1

    not_json = request("POST", shop.bff.url + "/checkout", ["sku-001"])
    assert (not_json.status, not_json.body) == (400, {"error": "the body must be a JSON object"})


def test_retries_then_breaker_opens_with_fallback_then_closes_after_recovery(shop: Shop) -> None:
    catalog = shop.start("catalog", "catalog-breaker")
    bff = shop.start(
        "bff",
        "bff-breaker",
        CATALOG_URL=catalog.url,
        ORDERS_URL=shop.orders.url,
        BREAKER_FAILURE_THRESHOLD="2",
        BREAKER_RESET_TIMEOUT="1",
        RETRY_MAX_ATTEMPTS="3",
        RETRY_BASE_DELAY="0.01",
        RETRY_MAX_DELAY="0.05",
    )
    assert get(bff.url + "/catalog").body["degraded"] is False
    assert catalog.stop() == 0, "SIGTERM is a clean exit"

    # Two failed calls, each retried three times, open the breaker.
    for expected_after in ("closed", "open"):
        failed = get(bff.url + "/catalog")
        assert (failed.status, failed.body) == (502, {"error": "catalog unavailable"})
        call = only(named(shop.xray.wait_for(failed.trace_id, "bff"), "catalog-call"))
        assert call["annotations"]["outcome"] == "failed"
        assert call["annotations"]["breaker_state"] == "closed"
        assert call["annotations"]["breaker_state_after"] == expected_after
        assert call["fault"] is True
        attempts = named(call, "catalog")
        assert [a["annotations"]["attempt"] for a in attempts] == [1, 2, 3]
        assert all(a["fault"] and a["cause"]["exceptions"] for a in attempts)

    # Open: the fallback, and nothing sent. (If the reset timeout passed meanwhile, a half-open
    # trial failed and re-opened the breaker; ask again.)
    for _ in range(5):
        degraded = get(bff.url + "/catalog")
        if degraded.status == 200:
            break
    assert degraded.body["degraded"] is True
    assert [item["id"] for item in degraded.body["items"]] == ["sku-001", "sku-002", "sku-003"]
    call = only(named(shop.xray.wait_for(degraded.trace_id, "bff"), "catalog-call"))
    assert call["annotations"] == {
        "dependency": "catalog",
        "circuit_open": True,
        "breaker_state": "open",
        "attempts": 0,
        "outcome": "short_circuit",
    }
    assert "subsegments" not in call
    assert "fault" not in call

    # Recovery: after the reset timeout one trial call goes through and closes the breaker.
    catalog.start()
    deadline = time.monotonic() + 20
    while (answer := get(bff.url + "/catalog")).body.get("degraded", True):
        assert time.monotonic() < deadline, "the breaker never closed"
        time.sleep(0.2)
    call = only(named(shop.xray.wait_for(answer.trace_id, "bff"), "catalog-call"))
    assert call["annotations"]["breaker_state"] == "half_open"
    assert call["annotations"]["breaker_state_after"] == "closed"
    closed = only(named(shop.xray.wait_for(get(bff.url + "/catalog").trace_id, "bff"), "catalog-call"))
    assert closed["annotations"]["breaker_state"] == "closed"


def test_a_hanging_dependency_times_out_then_checkout_fails_fast(shop: Shop) -> None:
    with socket.socket() as blackhole:  # accepts connections (the kernel does) and never answers
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(64)
        bff = shop.start(
            "bff",
            "bff-blackhole",
            CATALOG_URL=shop.catalog.url,
            ORDERS_URL=f"http://127.0.0.1:{blackhole.getsockname()[1]}",
            BREAKER_FAILURE_THRESHOLD="1",
            BREAKER_RESET_TIMEOUT="60",
            RETRY_ATTEMPT_TIMEOUT="0.2",
            RETRY_MAX_DELAY="0.05",
        )
        order = {"item_id": "sku-001", "quantity": 1}
        failed = request("POST", bff.url + "/checkout", order)
        assert (failed.status, failed.body) == (502, {"error": "orders unavailable"})
        call = only(named(shop.xray.wait_for(failed.trace_id, "bff"), "orders-call"))
        assert call["annotations"]["breaker_state_after"] == "open"
        attempts = named(call, "orders")
        assert len(attempts) == 3
        assert all(a["cause"]["exceptions"][0]["type"].endswith("TimeoutError") for a in attempts)

        refused = request("POST", bff.url + "/checkout", order)
        assert (refused.status, refused.body) == (503, {"error": "checkout unavailable"})
        call = only(named(shop.xray.wait_for(refused.trace_id, "bff"), "orders-call"))
        assert call["annotations"]["circuit_open"] is True
        assert get(bff.url + "/catalog").body["degraded"] is False, "one breaker per dependency"
