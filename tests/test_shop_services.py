"""shop as real processes: catalog, orders, worker and bff over real HTTP, a real SQS endpoint
(localcloud's) and a UDP socket standing in for the X-Ray daemon.

The X-Ray documents are the evidence: retries show as several attempt subsegments, the breaker as
``circuit_open`` / ``breaker_state`` annotations, and one trace links bff → orders → queue → worker
through parent ids.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gameday.processes import child_options, terminate
from localcloud.sqs import QueueStore, SqsEndpoint

REPO = Path(__file__).resolve().parents[1]
Document = dict[str, Any]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- the X-Ray daemon stand-in -------------------------------------------------------------------


class XrayDaemon:
    """Collects the documents shop sends: ``{"format": "json", "version": 1}\\n<document>`` datagrams."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.address = f"127.0.0.1:{self._socket.getsockname()[1]}"
        self._documents: list[Document] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._receive, name="xray-daemon", daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stopping.is_set():
            try:
                datagram = self._socket.recv(65535)
            except TimeoutError:
                continue
            header, _, body = datagram.partition(b"\n")
            assert json.loads(header) == {"format": "json", "version": 1}
            with self._lock:
                self._documents.append(json.loads(body))

    def close(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._socket.close()

    def segments(self, where: Callable[[Document], bool]) -> list[Document]:
        with self._lock:
            return [doc for doc in self._documents if "type" not in doc and where(doc)]

    def wait_for_all(
        self, where: Callable[[Document], bool], count: int, timeout_s: float = 15.0
    ) -> list[Document]:
        """The segments matching ``where`` once ``count`` of them have arrived."""
        deadline = time.monotonic() + timeout_s
        while len(found := self.segments(where)) < count:
            assert time.monotonic() < deadline, f"{len(found)} of {count} segments arrived"
            time.sleep(0.05)
        return found

    def wait_for(self, trace_id: str, name: str) -> Document:
        """The segment named ``name`` in the trace, once it has arrived."""
        return only(self.wait_for_all(lambda doc: doc["trace_id"] == trace_id and doc["name"] == name, 1))


def subsegments(entity: Document) -> Iterator[Document]:
    for child in entity.get("subsegments", []):
        yield child
        yield from subsegments(child)


def named(entity: Document, name: str) -> list[Document]:
    return [sub for sub in subsegments(entity) if sub["name"] == name]


def only(items: list[Document]) -> Document:
    assert len(items) == 1, items
    return items[0]


# --- SQS and processes ---------------------------------------------------------------------------


class SqsServer:
    """localcloud's SQS endpoint on its own loop thread, with the stack's "orders" queue."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sqs", daemon=True)
        self._thread.start()
        store = QueueStore()
        store.create_queue("orders", visibility_timeout_s=30)
        self._endpoint = SqsEndpoint(store)
        asyncio.run_coroutine_threadsafe(self._endpoint.start(), self._loop).result(timeout=10)
        self.url = self._endpoint.url
        self.orders_queue_url = self._endpoint.queue_url("orders")

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._endpoint.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@dataclass
class Service:
    """One shop task: ``python -m shop.<module>`` on its own port, stopped by pid."""

    module: str
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Service:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECS_"))}
        env |= {
            "PORT": str(self.port),
            "SERVICE_NAME": self.module,
            "TASK_ID": f"{self.module}-test",
            **self.env,
        }
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"shop.{self.module}"],
                env=env,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=log,
                **child_options(),
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.module} exited: {self.log_path.read_text()}")
            try:
                if get(self.url + "/health").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.module} never became healthy: {self.log_path.read_text()}")

    def stop(self) -> int | None:
        """SIGTERM (as ECS and localcloud stop tasks); the exit status, 0 for a clean exit."""
        if self.process is None:
            return None
        status = terminate(self.process)
        self.process = None
        return status


@dataclass
class Response:
    status: int
    body: Any
    trace_id: str


def request(method: str, url: str, body: object = None, headers: dict[str, str] | None = None) -> Response:
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            status, received, raw = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, received, raw = error.code, error.headers, error.read()
    trace = dict(part.split("=", 1) for part in received.get("X-Amzn-Trace-Id", "Root=").split(";"))
    return Response(status, json.loads(raw) if raw else None, trace["Root"])


def get(url: str) -> Response:
    return request("GET", url)


@dataclass
class Shop:
    xray: XrayDaemon
    bff: Service
    catalog: Service
    orders: Service
    worker: Service
    start: Callable[..., Service]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    logs = tmp_path_factory.mktemp("shop-logs")
    with closing(XrayDaemon()) as xray, closing(SqsServer()) as sqs:
        yield from _run_shop(xray, sqs, logs)


def _run_shop(xray: XrayDaemon, sqs: SqsServer, logs: Path) -> Iterator[Shop]:
    started: list[Service] = []

    def start(module: str, log_name: str | None = None, **env: str) -> Service:
        service = Service(
            module, {"AWS_XRAY_DAEMON_ADDRESS": xray.address, **env}, logs / f"{log_name or module}.log"
        )
        started.append(service)
        return service.start()

    queue_env = {
        "ORDERS_QUEUE_URL": sqs.orders_queue_url,
        "SQS_ENDPOINT_URL": sqs.url,
        "AWS_REGION": "us-east-1",
    }
    try:
        catalog = start("catalog")
        orders = start("orders", **queue_env)
        worker = start("worker", **queue_env)
        bff = start("bff", CATALOG_URL=catalog.url, ORDERS_URL=orders.url)
        yield Shop(xray, bff, catalog, orders, worker, start)
    finally:
        statuses = {service.log_path.stem: service.stop() for service in reversed(started)}
    assert all(status in (0, None) for status in statuses.values()), f"unclean exits: {statuses}"


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
