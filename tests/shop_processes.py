"""The shop's services as real processes for tests: each ``python -m gameday.shop.<name>`` on its own port,
localcloud's SQS endpoint on a loop thread, and a UDP socket standing in for the X-Ray daemon."""

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gameday.localcloud.sqs import QueueStore, SqsEndpoint
from gameday.processes import child_options, terminate

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
    """localcloud's SQS endpoint on its own loop thread, with the stack's "orders" queue; ``store``
    takes more queues and queue faults."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sqs", daemon=True)
        self._thread.start()
        self.store = QueueStore()
        self.store.create_queue("orders", visibility_timeout_s=30)
        self._endpoint = SqsEndpoint(self.store)
        asyncio.run_coroutine_threadsafe(self._endpoint.start(), self._loop).result(timeout=10)
        self.url = self._endpoint.url
        self.orders_queue_url = self._endpoint.queue_url("orders")

    def queue_url(self, name: str) -> str:
        return self._endpoint.queue_url(name)

    def env(self, queue_url: str | None = None) -> dict[str, str]:
        """What a service needs to use ``queue_url`` (the orders queue by default) here."""
        return {
            "ORDERS_QUEUE_URL": queue_url or self.orders_queue_url,
            "SQS_ENDPOINT_URL": self.url,
            "AWS_REGION": "us-east-1",
        }

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._endpoint.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@dataclass
class Service:
    """One shop task: ``python -m gameday.shop.<module>`` on its own port, stopped by pid."""

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
                [sys.executable, "-m", f"gameday.shop.{self.module}"],
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
    sqs: SqsServer
    bff: Service
    catalog: Service
    orders: Service
    worker: Service
    start: Callable[..., Service]


def run_shop(xray: XrayDaemon, sqs: SqsServer, logs: Path, **shared_env: str) -> Iterator[Shop]:
    """The four services wired together, ``shared_env`` set on each; every one started is stopped."""
    started: list[Service] = []

    def start(module: str, log_name: str | None = None, **env: str) -> Service:
        service = Service(
            module,
            {"AWS_XRAY_DAEMON_ADDRESS": xray.address, **shared_env, **env},
            logs / f"{log_name or module}.log",
        )
        started.append(service)
        return service.start()

    try:
        catalog = start("catalog")
        orders = start("orders", **sqs.env())
        worker = start("worker", **sqs.env())
        bff = start("bff", CATALOG_URL=catalog.url, ORDERS_URL=orders.url)
        yield Shop(xray, sqs, bff, catalog, orders, worker, start)
    finally:
        statuses = {service.log_path.stem: service.stop() for service in reversed(started)}
    assert all(status in (0, None) for status in statuses.values()), f"unclean exits: {statuses}"
