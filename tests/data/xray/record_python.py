"""Record the Python cases of the X-Ray corpus (``tests/data/xray/python/``) from the real SDK.

Every document in a case file is what aws-xray-sdk for Python really sent over UDP, caught by a
stand-in daemon on a free 127.0.0.1 port; the dependencies it called are small local HTTP servers
that answer a scripted sequence (503, 503, 200 …), hang past the client's timeout or refuse the
connection, and a fake AWS endpoint that answers DynamoDB, SQS and Lambda like AWS does. Each
case's ``calls`` come from what this script made happen (the client's own log of its attempts and
the fake endpoint's log of its answers), never from the documents.

SDK patches are process-wide and cannot all be undone (``requests`` and ``botocore`` have no
unpatch), so each group of cases runs in a fresh interpreter; ``record()`` also keeps the caller's
process (a test session) free of them.

Each case also states the outline of the documents it expects (names, namespaces, statuses,
flags, nesting, streamed documents). The ``notes`` describe those outlines, so a recording whose
outline differs (another SDK version) stops with the difference rather than writing notes that no
longer hold.

Re-record from the checkout: ``.venv/bin/python tests/data/xray/record_python.py [OUTDIR]``
(default ``tests/data/xray/python``); times and ids differ on every run, outlines and ``calls`` do
not.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.server
import importlib.metadata
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "python"
SCRIPT = "tests/data/xray/record_python.py"

Doc = dict[str, Any]
Call = dict[str, Any]
# One attempt as the corpus format labels it: an HTTP status, "timeout", "refused" or "throttled".
Label = int | str
# What a scripted dependency does with the next request: answer with this status, "hang" past the
# client's timeout before any answer, "stall" after the headers (the body never comes in time), or
# "close" the connection without a word.
Answer = int | Literal["hang", "stall", "close"]

CLIENT_TIMEOUT_S = 0.3
HANG_S = 1.2
SEGMENT_NAME = "web"
REGION = "us-east-1"
ACCOUNT = "123456789012"
TABLE = "orders"
QUEUE = "orders"
FUNCTION = "orders-fn"
PROTOCOL_HEADER = {"format": "json", "version": 1}
TRACE_EVERYTHING = {"version": 2, "rules": [], "default": {"fixed_target": 1, "rate": 1.0}}
GROUPS = ("requests", "double-patch", "aiohttp", "botocore")
# Only what the SDK and the libraries under test would read is cleared: a developer's AWS profile,
# retry mode or X-Ray settings must not change what gets recorded.
CLEARED_ENV_PREFIXES = ("AWS_",)


def version(package: str) -> str:
    return importlib.metadata.version(package)


def origin(*packages: str) -> str:
    libs = ", ".join(f"{name} {version(name)}" for name in packages)
    return (
        f"recorded with aws-xray-sdk {version('aws-xray-sdk')} for Python "
        f"({platform.python_implementation()} {platform.python_version()}), {libs}, by {SCRIPT}"
    )


# --------------------------------------------------------------------------------------------
# The stand-in daemon


class DaemonListener:
    """Receives the SDK's UDP datagrams like the X-Ray daemon and keeps each document in order.

    The Python SDK sends synchronously when a segment (or a streamed subsegment) ends, so once a
    case's last segment has ended, reading until the socket stays quiet gets every document.
    """

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self._sock.bind(("127.0.0.1", 0))
        self.address = "{}:{}".format(*self._sock.getsockname())

    def take(self, quiet_s: float = 0.15) -> list[Doc]:
        documents: list[Doc] = []
        self._sock.settimeout(quiet_s)
        while True:
            try:
                datagram = self._sock.recv(65535)
            except TimeoutError:
                return documents
            header, _, body = datagram.decode("utf-8").partition("\n")
            if json.loads(header) != PROTOCOL_HEADER:
                raise RuntimeError(f"unexpected daemon protocol header {header!r}")
            documents.append(json.loads(body))

    def close(self) -> None:
        self._sock.close()


# --------------------------------------------------------------------------------------------
# Scripted dependencies


class _ScriptedHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall
    server: ScriptedServer

    def do_GET(self) -> None:
        self.server.respond(self)

    def do_POST(self) -> None:
        self.server.respond(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class ScriptedServer(http.server.ThreadingHTTPServer):
    """A dependency on 127.0.0.1 that gives each request the next scripted answer.

    With ``listening=False`` the port is bound but not listening, so connecting is refused (the
    kernel answers RST) until ``listen()``: the same host and port first refuse, then answer, as a
    task that comes back does.
    """

    daemon_threads = True

    def __init__(self, answers: Sequence[Answer], *, listening: bool = True, delay_s: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler, bind_and_activate=False)
        self.server_bind()
        self._answers: deque[Answer] = deque(answers)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.delay_s = delay_s
        self.given: list[Answer] = []
        self.hostport = f"127.0.0.1:{self.server_address[1]}"
        if listening:
            self.listen()

    def url(self, path: str) -> str:
        return f"http://{self.hostport}{path}"

    def listen(self) -> None:
        if self._thread is None:
            self.server_activate()
            self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
            self._thread.start()

    def respond(self, handler: _ScriptedHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            handler.rfile.read(length)
        with self._lock:
            answer: Answer = self._answers.popleft() if self._answers else 500
            self.given.append(answer)
        if self.delay_s:
            time.sleep(self.delay_s)
        if answer == "close":
            handler.close_connection = True
            return
        if answer == "hang":
            self._stopping.wait(HANG_S)
            answer = 200
        body = json.dumps({"status": answer if answer != "stall" else 200}).encode()
        try:
            handler.send_response(200 if answer == "stall" else answer)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if answer == "stall":
                handler.wfile.flush()
                self._stopping.wait(HANG_S)
            handler.wfile.write(body)
        except OSError:
            handler.close_connection = True  # the client gave up on a hung answer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and went away is part of the script

    def close(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
        self.server_close()

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


AwsAnswer = Literal["ok", "internal", "throttling", "throughput"]
AWS_ERRORS: dict[str, tuple[int, str, str]] = {
    "internal": (500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error"),
    "throttling": (
        400,
        "com.amazonaws.dynamodb.v20120810#ThrottlingException",
        "Rate of requests exceeds the allowed throughput.",
    ),
    "throughput": (
        400,
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    ),
}


def aws_label(answer: AwsAnswer) -> Label:
    if answer == "ok":
        return 200
    if answer == "internal":
        return 500
    return "throttled"


class _AwsHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: FakeAws

    def do_POST(self) -> None:
        self.server.respond(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeAws(http.server.ThreadingHTTPServer):
    """An AWS endpoint on 127.0.0.1 for botocore's ``endpoint_url``: DynamoDB and SQS over the JSON
    protocol (``X-Amz-Target``), Lambda Invoke over REST-JSON.

    Each operation answers from its own script (``ok`` or an error), and every answer given is
    logged with the ``amz-sdk-request`` header botocore sends (``attempt=N; max=M``): that log is
    the ground truth of botocore's own retries, which the documents may not show.
    """

    daemon_threads = True

    def __init__(self, script: dict[str, Sequence[AwsAnswer]]) -> None:
        super().__init__(("127.0.0.1", 0), _AwsHandler)
        self._script = {operation: deque(answers) for operation, answers in script.items()}
        self._lock = threading.Lock()
        self.given: list[tuple[str, AwsAnswer, str]] = []
        self.endpoint = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # botocore dropping a pooled connection is no error of the script

    def labels(self, operation: str) -> list[Label]:
        return [aws_label(answer) for op, answer, _ in self.given if op == operation]

    def respond(self, handler: _AwsHandler) -> None:
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        target = handler.headers.get("X-Amz-Target") or ""
        operation = target.rpartition(".")[2] if target else "Invoke"
        with self._lock:
            queue = self._script.get(operation)
            answer: AwsAnswer = queue.popleft() if queue else "internal"
            self.given.append((operation, answer, handler.headers.get("amz-sdk-request") or ""))
        headers = {"x-amzn-RequestId": secrets.token_hex(26).upper()[:52]}
        if answer == "ok":
            status, body = 200, self._ok_body(operation, raw)
            if operation == "Invoke":
                headers["X-Amz-Executed-Version"] = "$LATEST"
        else:
            status, error_type, message = AWS_ERRORS[answer]
            body = {"__type": error_type, "message": message}
        payload = json.dumps(body).encode()
        handler.send_response(status)
        content_type = "application/json" if operation == "Invoke" else "application/x-amz-json-1.0"
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    @staticmethod
    def _ok_body(operation: str, raw: bytes) -> Doc:
        item = {"id": {"S": "42"}, "name": {"S": "espresso"}}
        if operation == "GetItem":
            return {"Item": item}
        if operation == "Query":
            return {"Count": 1, "Items": [item], "ScannedCount": 1}
        if operation == "SendMessage":
            message = json.loads(raw)["MessageBody"]
            return {
                "MD5OfMessageBody": hashlib.md5(message.encode()).hexdigest(),
                "MessageId": "5fea7756-0ea4-451a-a703-a558b933e274",
            }
        return {"ok": True}  # Lambda Invoke: the function's own answer

    def close(self) -> None:
        self.shutdown()
        self._thread.join()
        self.server_close()

    def __enter__(self) -> FakeAws:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeImds(http.server.ThreadingHTTPServer):
    """The EC2 instance metadata service (IMDSv2) on 127.0.0.1, for the SDK's real EC2 plugin."""

    INSTANCE: ClassVar[dict[str, str]] = {
        "instanceId": "i-0a1b2c3d4e5f60718",
        "availabilityZone": "us-east-1a",
        "instanceType": "t3.micro",
        "imageId": "ami-0abcdef1234567890",
        "region": REGION,
        "accountId": ACCOUNT,
    }

    def __init__(self) -> None:
        instance = json.dumps(self.INSTANCE).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self) -> None:
                self._answer(b"AQAEAFakeImdsToken==")

            def do_GET(self) -> None:
                self._answer(instance)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/latest/"
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()

    def close(self) -> None:
        self.shutdown()
        self._thread.join()
        self.server_close()


# --------------------------------------------------------------------------------------------
# Cases


@dataclass
class Case:
    name: str
    case: str
    origin: str
    documents: list[Doc]
    calls: list[Call]
    notes: str

    def write(self, out_dir: Path) -> Path:
        path = out_dir / f"{self.name}.json"
        body = {
            "origin": self.origin,
            "case": self.case,
            "documents": self.documents,
            "calls": self.calls,
            "notes": self.notes,
        }
        path.write_text(json.dumps(body, indent=2) + "\n")
        return path


def outcome(attempts: Sequence[Label]) -> str:
    last = attempts[-1] if attempts else None
    return "ok" if isinstance(last, int) and 200 <= last < 500 and last != 429 else "failed"


def http_call(
    server: ScriptedServer,
    path: str,
    attempts: Sequence[Label],
    *,
    instance: str | None = None,
    caller: str = SEGMENT_NAME,
    host: str | None = None,
) -> Call:
    """One HTTP call; ``host`` only where the documents name the dependency without its port."""
    return {
        "caller": caller,
        "instance": instance,
        "dependency": {"host": host or server.hostport},
        "method": "GET",
        "path": path,
        "attempts": list(attempts),
        "outcome": outcome(attempts),
        "retries_visible": True,
    }


def aws_call(service: str, resource: str, attempts: Sequence[Label], *, visible: bool) -> Call:
    return {
        "caller": SEGMENT_NAME,
        "instance": None,
        "dependency": {"aws": service, "resource": resource},
        "attempts": list(attempts),
        "outcome": outcome(attempts),
        "retries_visible": visible,
    }


def expect_attempts(what: str, seen: Sequence[Label], planned: Sequence[Label]) -> list[Label]:
    """The script's plan must be what really happened, or the case's ground truth is wrong."""
    if list(seen) != list(planned):
        raise RuntimeError(f"{what}: planned attempts {list(planned)}, but saw {list(seen)}")
    return list(seen)


def outline(entity: Doc, *, document: bool = True) -> str:
    """A document's shape without ids or times: name[namespace status flags …] {children}.

    ``independent`` marks a subsegment sent as a document of its own (the Python SDK also writes
    ``type: subsegment`` on subsegments embedded in their segment, so the type alone does not say).
    """
    parts: list[str] = []
    if document and entity.get("type") == "subsegment":
        parts.append("independent")
    if entity.get("namespace"):
        parts.append(str(entity["namespace"]))
    aws = entity.get("aws") or {}
    if "operation" in aws:
        parts.append(str(aws["operation"]))
    if "ecs" in aws or "ec2" in aws:
        parts.append("instance")
    status = ((entity.get("http") or {}).get("response") or {}).get("status")
    if status is not None:
        parts.append(str(status))
    parts += [flag for flag in ("error", "throttle", "fault", "in_progress") if entity.get(flag)]
    cause = entity.get("cause")
    if isinstance(cause, dict):
        parts += ["!" + str(exc.get("type")) for exc in cause.get("exceptions", [])]
    elif isinstance(cause, str):
        parts.append("!cause-ref")
    parts += [f"{key}={json.dumps(value)}" for key, value in (entity.get("annotations") or {}).items()]
    label = entity["name"] + (f"[{' '.join(parts)}]" if parts else "")
    children = [outline(child, document=False) for child in entity.get("subsegments", [])]
    return label + (" {" + ", ".join(children) + "}" if children else "")


class ShapeDrift(RuntimeError):
    """The SDK recorded another shape than the case's notes describe."""


@dataclass
class Recording:
    """What one case hands back: its documents and ground truth, checked against its outline."""

    name: str
    case: str
    origin: str
    calls: list[Call]
    notes: str
    expect: list[str]


class Session:
    """One recording interpreter: the stand-in daemon and the cases of one group."""

    def __init__(self, out_dir: Path, listener: DaemonListener) -> None:
        self.out_dir = out_dir
        self.listener = listener
        self.written: list[Path] = []

    def keep(self, recording: Recording) -> None:
        documents = self.listener.take()
        shapes = [outline(document) for document in documents]
        if shapes != recording.expect:
            raise ShapeDrift(
                f"{recording.name}: the SDK recorded\n  "
                + "\n  ".join(shapes)
                + "\nbut the case (and its notes) expect\n  "
                + "\n  ".join(recording.expect)
            )
        case = Case(
            recording.name, recording.case, recording.origin, documents, recording.calls, recording.notes
        )
        self.written.append(case.write(self.out_dir))


# --------------------------------------------------------------------------------------------
# Recorder set-up shared by the synchronous groups


def configure_recorder(listener: DaemonListener, **extra: Any) -> Any:
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.sampling.local.sampler import LocalSampler

    os.environ["AWS_XRAY_DAEMON_ADDRESS"] = listener.address
    xray_recorder.configure(
        service=SEGMENT_NAME,
        sampling=True,
        sampler=LocalSampler(TRACE_EVERYTHING),
        context_missing="RUNTIME_ERROR",
        daemon_address=listener.address,
        plugins=(),
        **extra,
    )
    return xray_recorder


@contextmanager
def incoming(route: str, *, name: str = SEGMENT_NAME) -> Iterator[Any]:
    """One simulated incoming request: a segment begun by hand, its ``http`` fields set with the
    SDK's own ``put_http_meta`` the way its WSGI middlewares (Flask, Django) set them."""
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.models import http as xhttp

    segment = xray_recorder.begin_segment(name)
    segment.put_http_meta(xhttp.METHOD, "GET")
    segment.put_http_meta(xhttp.URL, f"http://web.example.internal{route}")
    segment.put_http_meta(xhttp.CLIENT_IP, "203.0.113.24")
    status = 200
    try:
        yield segment
    except Exception:
        status = 500
        raise
    finally:
        segment.put_http_meta(xhttp.STATUS, status)
        xray_recorder.end_segment()


class Retryable(Exception):
    """A 5xx or 429 answer the application's retry loop retries."""


def retrying_sync(attempts: int = 3, on_retry: Callable[[], None] | None = None) -> Any:
    import requests
    import tenacity

    def before_sleep(_: tenacity.RetryCallState) -> None:
        if on_retry is not None:
            on_retry()

    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_exponential(multiplier=0.05, max=0.4),
        retry=tenacity.retry_if_exception_type(
            (Retryable, requests.ConnectionError, requests.Timeout, urllib.error.URLError, TimeoutError)
        ),
        before_sleep=before_sleep,
        reraise=True,
    )


def get_with_retries(
    session: Any, url: str, log: list[Label], *, attempts: int = 3, on_retry: Callable[[], None] | None = None
) -> None:
    """The team's retry loop around ``requests``: tenacity, no subsegment of its own."""
    import requests

    try:
        for attempt in retrying_sync(attempts, on_retry):
            with attempt:
                try:
                    response = session.get(url, timeout=CLIENT_TIMEOUT_S)
                except requests.Timeout:
                    log.append("timeout")
                    raise
                except requests.ConnectionError:
                    log.append("refused")
                    raise
                log.append("throttled" if response.status_code == 429 else response.status_code)
                if response.status_code >= 500 or response.status_code == 429:
                    raise Retryable(response.status_code)
    except (Retryable, requests.RequestException):
        pass  # the call failed after its last attempt; the ground truth says so


# --------------------------------------------------------------------------------------------
# Group "requests": requests patched, threads, plugins, streaming


def group_requests(session: Session) -> None:
    import requests
    from aws_xray_sdk.core import patch

    recorder = configure_recorder(session.listener)
    patch(["requests"])
    o = origin("requests", "urllib3", "tenacity")

    def retried(
        name: str,
        answers: Sequence[Answer],
        planned: Sequence[Label],
        case: str,
        notes: str,
        expect: list[str],
    ) -> None:
        log: list[Label] = []
        with ScriptedServer(answers) as server, requests.Session() as client, incoming("/catalog"):
            get_with_retries(client, server.url("/items"), log)
        attempts = expect_attempts(name, log, planned)
        session.keep(Recording(name, case, o, [http_call(server, "/items", attempts)], notes, expect))

    retried(
        "requests-503-503-200",
        [503, 503, 200],
        [503, 503, 200],
        "web (segment per request) calls GET /items with requests in a plain tenacity retry loop "
        "(no subsegment of its own): 503, 503, 200.",
        "One subsegment per attempt, siblings directly under the segment, each named after the host "
        "only (127.0.0.1: the SDK's get_hostname drops the port, which only http.request.url keeps). "
        "The 503 attempts carry fault and no cause; nothing links the three attempts but host, method "
        "and URL.",
        [
            "web[200] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 503 fault], 127.0.0.1[remote 200]}",
        ],
    )
    retried(
        "requests-503-503-503-exhausted",
        [503, 503, 503],
        [503, 503, 503],
        "web calls GET /items with requests in a plain tenacity retry loop of 3 attempts: 503 every "
        "time, so the call fails once the retries are spent (the handler still answers 200).",
        "Same shape as requests-503-503-200 with a last 503: the segment answers 200 because the "
        "handler swallowed the failure, so only the subsegments tell the call failed.",
        [
            "web[200] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 503 fault], "
            "127.0.0.1[remote 503 fault]}",
        ],
    )
    retried(
        "requests-429-then-200",
        [429, 200],
        ["throttled", 200],
        "web calls GET /items with requests in a tenacity retry loop: 429 (throttled), then 200.",
        "A 429 attempt carries both error and throttle (apply_status_code), not fault.",
        ["web[200] {127.0.0.1[remote 429 error throttle], 127.0.0.1[remote 200]}"],
    )

    # 2. the team's wrapper subsegment around the retry loop
    log: list[Label] = []
    with (
        ScriptedServer([503, 503, 200]) as server,
        requests.Session() as client,
        incoming("/catalog"),
        recorder.in_subsegment("catalog-call"),
    ):
        get_with_retries(client, server.url("/items"), log)
    session.keep(
        Recording(
            "requests-wrapper-503-503-200",
            "web wraps its tenacity retry loop around requests in its own subsegment "
            "(xray_recorder.in_subsegment('catalog-call')): GET /items answers 503, 503, 200.",
            o,
            [http_call(server, "/items", expect_attempts("wrapper", log, [503, 503, 200]))],
            "The wrapper is namespace local with no http block; the three attempts are its children. "
            "The wrapper itself carries no fault although two of its children do.",
            [
                "web[200] {catalog-call[local] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 503 fault], "
                "127.0.0.1[remote 200]}}"
            ],
        )
    )

    # 3. refused, then 200 on the same host and port
    log = []
    with (
        ScriptedServer([200], listening=False) as server,
        requests.Session() as client,
        incoming("/catalog"),
    ):
        get_with_retries(client, server.url("/items"), log, on_retry=server.listen)
    session.keep(
        Recording(
            "requests-refused-then-200",
            "web calls GET /items with requests in a tenacity retry loop; the first connection is "
            "refused (port bound, not listening), the retry to the same host:port gets 200.",
            o,
            [http_call(server, "/items", expect_attempts("refused", log, ["refused", 200]))],
            "The refused attempt stays namespace remote and has http.request but no http.response; "
            "add_exception sets fault and cause.exceptions holds requests' ConnectionError (remote: "
            "false; only the message says Connection refused and names the port).",
            [
                "web[200] {127.0.0.1[remote fault !ConnectionError], 127.0.0.1[remote 200]}",
            ],
        )
    )

    # 4. a timeout (the server hangs past the client's timeout), then 200
    log = []
    with ScriptedServer(["hang", 200]) as server, requests.Session() as client, incoming("/catalog"):
        get_with_retries(client, server.url("/items"), log)
    session.keep(
        Recording(
            "requests-timeout-then-200",
            f"web calls GET /items with requests (timeout {CLIENT_TIMEOUT_S} s) in a tenacity retry "
            f"loop; the server holds the first answer for {HANG_S} s, the retry gets 200.",
            o,
            [http_call(server, "/items", expect_attempts("timeout", log, ["timeout", 200]))],
            "The timed-out attempt is ended when requests raises ReadTimeout: no http.response, "
            "fault (set by add_exception, as for a 5xx), cause.exceptions with ReadTimeout. Its "
            "end_time is about the timeout after its start.",
            ["web[200] {127.0.0.1[remote fault !ReadTimeout], 127.0.0.1[remote 200]}"],
        )
    )

    # 5. two successful GETs to the same URL, one after the other: two calls
    with ScriptedServer([200, 200]) as server, requests.Session() as client, incoming("/catalog"):
        first = client.get(server.url("/items"), timeout=CLIENT_TIMEOUT_S).status_code
        second = client.get(server.url("/items"), timeout=CLIENT_TIMEOUT_S).status_code
    session.keep(
        Recording(
            "requests-two-calls-same-url",
            "web calls GET /items twice in one request, one call after the other, both 200 (no retry).",
            o,
            [
                http_call(server, "/items", expect_attempts("first", [first], [200])),
                http_call(server, "/items", expect_attempts("second", [second], [200])),
            ],
            "Two sibling subsegments identical in shape to a retried pair except that the first "
            "succeeded: two calls, not a retry.",
            ["web[200] {127.0.0.1[remote 200], 127.0.0.1[remote 200]}"],
        )
    )

    # 5b. a failed call the application gave up on, then a new call to the same URL
    with ScriptedServer([503, 200]) as server, requests.Session() as client, incoming("/catalog"):
        first = client.get(server.url("/items"), timeout=CLIENT_TIMEOUT_S).status_code
        time.sleep(0.05)  # the handler does other work, then needs the catalog again
        second = client.get(server.url("/items"), timeout=CLIENT_TIMEOUT_S).status_code
    session.keep(
        Recording(
            "requests-failed-call-then-new-call",
            "web calls GET /items without any retry and gets 503 (it falls back), then makes a second, "
            "unrelated call to the same URL 50 ms later that gets 200.",
            o,
            [
                http_call(server, "/items", expect_attempts("first", [first], [503])),
                http_call(server, "/items", expect_attempts("second", [second], [200])),
            ],
            "Adversarial: the documents are indistinguishable from a 503-then-200 retry (same host, "
            "method and URL, the second starting after the first failed); only the ground truth says "
            "these are two calls. A parser that infers retries from shape will count one retried call "
            "here, and should be expected to.",
            ["web[200] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 200]}"],
        )
    )

    # 6. two concurrent calls to the same dependency from threads sharing the segment
    with (
        ScriptedServer([200, 200], delay_s=0.15) as server,
        incoming("/catalog"),
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        entity = recorder.get_trace_entity()

        def fetch(_: int) -> int:
            # The SDK's documented way to carry the context into a thread.
            recorder.set_trace_entity(entity)
            try:
                with requests.Session() as client:
                    status: int = client.get(server.url("/items"), timeout=2).status_code
                    return status
            finally:
                recorder.clear_trace_entities()

        statuses = list(pool.map(fetch, range(2)))
    session.keep(
        Recording(
            "requests-concurrent-two-calls",
            "web calls GET /items twice at the same time from two threads (ThreadPoolExecutor, the "
            "segment passed with set_trace_entity as the SDK documents), each answered 200 after "
            "150 ms.",
            o,
            [
                http_call(server, "/items", expect_attempts("thread 1", [statuses[0]], [200])),
                http_call(server, "/items", expect_attempts("thread 2", [statuses[1]], [200])),
            ],
            "Two sibling subsegments whose times overlap: two calls, neither a retry of the other.",
            ["web[200] {127.0.0.1[remote 200], 127.0.0.1[remote 200]}"],
        )
    )

    # 7. a coarse wrapper around calls to two different dependencies
    catalog_log: list[Label] = []
    with (
        ScriptedServer([503, 200]) as catalog,
        ScriptedServer([200]) as orders,
        requests.Session() as client,
        incoming("/checkout"),
        recorder.in_subsegment("checkout-dependencies"),
    ):
        get_with_retries(client, catalog.url("/items/7"), catalog_log)
        orders_status = client.get(orders.url("/orders"), timeout=CLIENT_TIMEOUT_S).status_code
    session.keep(
        Recording(
            "requests-wrapper-two-dependencies",
            "web wraps one subsegment ('checkout-dependencies') around a retried call to catalog "
            "(GET /items/7: 503, then 200) and a plain call to orders (GET /orders: 200), two "
            "servers on 127.0.0.1 with different ports.",
            o,
            [
                http_call(catalog, "/items/7", expect_attempts("catalog", catalog_log, [503, 200])),
                http_call(orders, "/orders", expect_attempts("orders", [orders_status], [200])),
            ],
            "All three subsegments are named 127.0.0.1: the two dependencies differ only in the port "
            "of http.request.url. The wrapper is one subsegment over both dependencies.",
            [
                "web[200] {checkout-dependencies[local] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 200], "
                "127.0.0.1[remote 200]}}"
            ],
        )
    )

    # Streaming: a low threshold sends each finished subsegment as its own document.
    recorder.configure(streaming_threshold=0)
    log = []
    with (
        ScriptedServer([503, 503, 200]) as server,
        requests.Session() as client,
        incoming("/catalog"),
        recorder.in_subsegment("catalog-call"),
    ):
        get_with_retries(client, server.url("/items"), log)
    recorder.configure(streaming_threshold=30)
    session.keep(
        Recording(
            "requests-wrapper-503-503-200-streamed",
            "As requests-wrapper-503-503-200 (wrapper subsegment, 503, 503, 200) with the recorder's "
            "streaming_threshold set to 0, so finished subsegments are streamed as they end.",
            o,
            [http_call(server, "/items", expect_attempts("streamed", log, [503, 503, 200]))],
            "Five documents: each attempt is sent on its own as soon as it ends (type subsegment, "
            "trace_id, parent_id = the wrapper's id, while the wrapper is still open), then the "
            "wrapper (parent_id = the segment), then the segment with no subsegments left in it. The "
            "attempts arrive before the wrapper they belong to and before the segment.",
            [
                "127.0.0.1[independent remote 503 fault]",
                "127.0.0.1[independent remote 503 fault]",
                "127.0.0.1[independent remote 200]",
                "catalog-call[independent local]",
                "web[200]",
            ],
        )
    )

    # The default threshold (30 subsegments) streams a long request's early subsegments.
    calls = 35
    with ScriptedServer([200] * calls) as server, requests.Session() as client, incoming("/report"):
        statuses = [client.get(server.url("/items"), timeout=2).status_code for _ in range(calls)]
    session.keep(
        Recording(
            "requests-35-calls-default-streaming",
            f"web calls GET /items {calls} times in one request (no retry), all 200, with the SDK's "
            "default streaming threshold (30 subsegments per segment).",
            o,
            [
                http_call(server, "/items", expect_attempts(f"call {i}", [s], [200]))
                for i, s in enumerate(statuses)
            ],
            "When the 31st subsegment ends the segment holds more than 30, so all 31 finished ones are "
            "streamed at once as independent documents (type subsegment, parent_id = the segment) and "
            "removed from it, which brings its count back to zero; the last 4 stay embedded in the "
            "segment, which arrives last. One request's calls are split between 31 documents of their "
            "own and the segment.",
            ["127.0.0.1[independent remote 200]"] * 31
            + ["web[200] {" + ", ".join(["127.0.0.1[remote 200]"] * 4) + "}"],
        )
    )

    # 15. instance fields: the ECS plugin for real, and the EC2 plugin against a fake IMDS
    recorder.configure(plugins=("ECSPlugin",))
    container = socket.gethostname()
    log = []
    with ScriptedServer([503, 200]) as server, requests.Session() as client, incoming("/catalog"):
        get_with_retries(client, server.url("/items"), log)
    recorder.configure(plugins=())
    session.keep(
        Recording(
            "requests-ecs-plugin-503-200",
            "web, configured with the SDK's ECSPlugin, calls GET /items in a tenacity retry loop: "
            "503, then 200.",
            o,
            [http_call(server, "/items", expect_attempts("ecs", log, [503, 200]), instance=container)],
            "The segment has origin AWS::ECS::Container and aws.ecs.container = the host name of the "
            "machine that recorded it (the plugin reads socket.gethostname(); on Fargate that is "
            "the task's ip-… name). The instance field is on the segment only, never on subsegments.",
            ["web[instance 200] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 200]}"],
        )
    )

    from aws_xray_sdk.core.plugins import ec2_plugin

    imds = FakeImds()
    ec2_plugin.IMDS_URL = imds.url
    try:
        recorder.configure(plugins=("EC2Plugin",))
    finally:
        imds.close()
    log = []
    with ScriptedServer([503, 200]) as server, requests.Session() as client, incoming("/catalog"):
        get_with_retries(client, server.url("/items"), log)
    recorder.configure(plugins=())
    session.keep(
        Recording(
            "requests-ec2-plugin-503-200",
            "web, configured with the SDK's EC2Plugin (its IMDSv2 requests answered by a fake "
            "instance metadata service on 127.0.0.1), calls GET /items in a tenacity retry loop: 503, "
            "then 200.",
            o,
            [
                http_call(
                    server,
                    "/items",
                    expect_attempts("ec2", log, [503, 200]),
                    instance=FakeImds.INSTANCE["instanceId"],
                )
            ],
            "The segment has origin AWS::EC2::Instance and aws.ec2 = {instance_id, availability_zone, "
            "instance_type, ami_id} as the plugin copies them from the instance identity document.",
            ["web[instance 200] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 200]}"],
        )
    )

    # Two tasks of one service, told apart by aws.ecs.container set by hand (as the shop does).
    calls_seen: list[Call] = []
    with ScriptedServer([503, 200, 200]) as server, requests.Session() as client:
        for task, planned in (("web-task-1", [503, 200]), ("web-task-2", [200])):
            recorder._aws_metadata["ecs"] = {"container": task}
            log = []
            with incoming("/catalog"):
                get_with_retries(client, server.url("/items"), log)
            calls_seen.append(http_call(server, "/items", expect_attempts(task, log, planned), instance=task))
    del recorder._aws_metadata["ecs"]
    session.keep(
        Recording(
            "requests-two-ecs-tasks",
            "Two requests to two tasks of web (aws.ecs.container web-task-1 and web-task-2, set in the "
            "recorder's _aws_metadata as the ECS plugin would): task 1 calls GET /items and retries "
            "(503, 200), task 2 calls it once (200).",
            o,
            calls_seen,
            "Two traces; without a plugin the SDK sets no origin, so only aws.ecs.container tells the "
            "tasks apart.",
            [
                "web[instance 200] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 200]}",
                "web[instance 200] {127.0.0.1[remote 200]}",
            ],
        )
    )


# --------------------------------------------------------------------------------------------
# Group "double-patch": patch_all(double_patch=True), httplib patched under urllib and requests


def group_double_patch(session: Session) -> None:
    import requests
    from aws_xray_sdk.core import patch_all

    configure_recorder(session.listener)
    patch_all(double_patch=True)
    o = origin("requests", "urllib3", "tenacity")

    log: list[Label] = []
    with ScriptedServer([503, 200]) as server, incoming("/catalog"):
        for attempt in retrying_sync():
            with attempt:
                try:
                    with urllib.request.urlopen(server.url("/items"), timeout=CLIENT_TIMEOUT_S) as answer:
                        answer.read()
                        log.append(answer.status)
                except urllib.error.HTTPError as error:
                    log.append(error.code)
                    error.close()
                    raise Retryable(error.code) from error
    session.keep(
        Recording(
            "urllib-double-patch-503-200",
            "web calls GET /items with urllib.request in a tenacity retry loop, with "
            "patch_all(double_patch=True) (httplib patched): 503, then 200.",
            o,
            [http_call(server, "/items", expect_attempts("urllib", log, [503, 200]), host="127.0.0.1")],
            "One request is recorded as two or three sibling subsegments, all named 127.0.0.1 and "
            "remote: one around HTTPConnection._send_request (http.request only, no response, no "
            "flag), one around getresponse (with the status), and, when the body is read, one around "
            "HTTPResponse.read whose http.request.method is READ (with the status again). Here the "
            "503 (urllib raises HTTPError, the body is not read) makes two, the 200 three: two "
            "attempts, five subsegments. The httplib patch writes http.request.url from the "
            "connection's host without the port (http://127.0.0.1/items), so the port the client "
            "used appears nowhere in the documents; the dependency is just 127.0.0.1.",
            [
                "web[200] {127.0.0.1[remote], 127.0.0.1[remote 503 fault], 127.0.0.1[remote], "
                "127.0.0.1[remote 200], 127.0.0.1[remote 200]}"
            ],
        )
    )

    log = []
    with ScriptedServer([503, 200]) as server, requests.Session() as client, incoming("/catalog"):
        get_with_retries(client, server.url("/items"), log)
    session.keep(
        Recording(
            "requests-double-patch-503-200",
            "web calls GET /items with requests in a tenacity retry loop, with "
            "patch_all(double_patch=True) (requests and httplib both patched): 503, then 200.",
            o,
            [http_call(server, "/items", expect_attempts("requests", log, [503, 200]))],
            f"No duplicates: one requests subsegment per attempt, as without double_patch. urllib3 "
            f"{version('urllib3')} sends through its own HTTPConnection.request, which does not call "
            "http.client's _send_request that the httplib patch wraps, and the patched getresponse "
            "records nothing for a connection _send_request did not mark.",
            ["web[200] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 200]}"],
        )
    )

    log = []
    with (
        ScriptedServer([200], listening=False) as server,
        requests.Session() as client,
        incoming("/catalog"),
    ):
        get_with_retries(client, server.url("/items"), log, on_retry=server.listen)
    session.keep(
        Recording(
            "requests-double-patch-refused-then-200",
            "web calls GET /items with requests in a tenacity retry loop, with "
            "patch_all(double_patch=True): the first connection is refused, the retry gets 200.",
            o,
            [http_call(server, "/items", expect_attempts("requests refused", log, ["refused", 200]))],
            "As without double_patch: the refused attempt is one requests subsegment with fault and a "
            "ConnectionError, no httplib child (urllib3 never reaches http.client's _send_request).",
            ["web[200] {127.0.0.1[remote fault !ConnectionError], 127.0.0.1[remote 200]}"],
        )
    )


# --------------------------------------------------------------------------------------------
# Group "aiohttp": AsyncContext, the SDK's aiohttp middleware and client trace config


def group_aiohttp(session: Session) -> None:
    asyncio.run(_aiohttp_cases(session))


async def _aiohttp_cases(session: Session) -> None:
    import aiohttp
    import tenacity
    from aiohttp import web
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.async_context import AsyncContext
    from aws_xray_sdk.ext.aiohttp.client import aws_xray_trace_config
    from aws_xray_sdk.ext.aiohttp.middleware import middleware

    configure_recorder(session.listener, context=AsyncContext(loop=asyncio.get_running_loop()))
    o = origin("aiohttp", "tenacity")
    handlers: list[Callable[[], Awaitable[None]]] = []
    traced = aiohttp.ClientSession(trace_configs=[aws_xray_trace_config()])

    async def route(request: web.Request) -> web.Response:
        await handlers[-1]()
        return web.json_response({"ok": True})

    app = web.Application(middlewares=[middleware])
    app.router.add_get("/{tail:.*}", route)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    web_port = runner.addresses[0][1]
    driver = aiohttp.ClientSession()

    async def drive(handler: Callable[[], Awaitable[None]]) -> None:
        """One incoming request to web, served by ``handler`` inside the middleware's segment."""
        handlers.append(handler)
        async with driver.get(f"http://127.0.0.1:{web_port}/catalog") as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"web answered {response.status}")

    context_after: list[str] = []

    def note_context() -> None:
        """What the recorder's context holds once an attempt is over: the segment, or a leftover."""
        current = xray_recorder.get_trace_entity()
        context_after.append(type(current).__name__ + ":" + current.name)

    async def get_with_retries_async(
        url: str, log: list[Label], *, on_retry: Callable[[], None] | None = None
    ) -> None:
        def before_sleep(_: tenacity.RetryCallState) -> None:
            if on_retry is not None:
                on_retry()

        async for attempt in tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(3),
            wait=tenacity.wait_exponential(multiplier=0.05, max=0.4),
            retry=tenacity.retry_if_exception_type((Retryable, aiohttp.ClientError, TimeoutError)),
            before_sleep=before_sleep,
            reraise=True,
        ):
            with attempt:
                try:
                    async with traced.get(url, timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)) as r:
                        await r.read()
                        log.append(r.status)
                        if r.status >= 500:
                            raise Retryable(r.status)
                except TimeoutError:
                    log.append("timeout")
                    raise
                except aiohttp.ClientConnectionError:
                    log.append("refused")
                    raise
                finally:
                    note_context()

    async def retried(
        name: str,
        answers: Sequence[Answer],
        planned: Sequence[Label],
        case: str,
        notes: str,
        expect: list[str],
        *,
        listening: bool = True,
    ) -> None:
        log: list[Label] = []
        context_after.clear()
        with ScriptedServer(answers, listening=listening) as server:
            url = server.url("/items")
            on_retry = None if listening else server.listen

            async def handler() -> None:
                await get_with_retries_async(url, log, on_retry=on_retry)

            await drive(handler)
        attempts = expect_attempts(name, log, planned)
        if context_after != ["Segment:web"] * len(attempts):
            raise ShapeDrift(f"{name}: after each attempt the context held {context_after}")
        session.keep(Recording(name, case, o, [http_call(server, "/items", attempts)], notes, expect))

    try:
        await retried(
            "aiohttp-503-200",
            [503, 200],
            [503, 200],
            "web (aiohttp server, the SDK's middleware, AsyncContext) calls GET /items with an aiohttp "
            "ClientSession using aws_xray_trace_config() in a tenacity retry loop: 503, then 200.",
            "The segment comes from the SDK's aiohttp middleware (http.request with url, method, "
            "user_agent and client_ip). Attempts are remote subsegments named 127.0.0.1, ended by "
            "on_request_end as soon as the headers arrived.",
            ["web[200] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 200]}"],
        )
        await retried(
            "aiohttp-refused-then-200",
            [200],
            ["refused", 200],
            "web (aiohttp, middleware) calls GET /items with the traced ClientSession in a retry "
            "loop: the first connection is refused (port bound, not listening), the retry gets 200.",
            "The refused attempt is namespace local, not remote: on_request_exception sets local for "
            "ClientConnectionError and OSError. It has http.request but no response, fault set by "
            "add_exception, and cause.exceptions (ClientConnectorError). The context is the segment "
            "again after it.",
            ["web[200] {127.0.0.1[local fault !ClientConnectorError], 127.0.0.1[remote 200]}"],
            listening=False,
        )
        await retried(
            "aiohttp-timeout-then-200",
            ["hang", 200],
            ["timeout", 200],
            f"web (aiohttp, middleware) calls GET /items with the traced ClientSession and "
            f"ClientTimeout(total={CLIENT_TIMEOUT_S}) in a retry loop; the server holds its first "
            f"answer for {HANG_S} s (timeout), the retry gets 200.",
            "on_request_exception does fire on the timeout: aiohttp's timer turns the cancellation "
            "into a plain TimeoutError (no message) inside the request, before the trace hooks run. "
            "The subsegment is ended about the timeout after its start, with fault, no response and "
            "namespace local, not remote (TimeoutError is an OSError, which the SDK counts as a "
            "local failure). The context is the segment again after it, not left on the failed "
            "subsegment, and the retry is a normal remote subsegment.",
            ["web[200] {127.0.0.1[local fault !TimeoutError], 127.0.0.1[remote 200]}"],
        )
        await retried(
            "aiohttp-body-timeout-then-200",
            ["stall", 200],
            ["timeout", 200],
            f"web (aiohttp, middleware) calls GET /items with the traced ClientSession and "
            f"ClientTimeout(total={CLIENT_TIMEOUT_S}); the first answer sends its 200 headers and then "
            f"holds the body for {HANG_S} s, so reading it times out; the retry gets 200.",
            "The attempt that timed out is recorded as a clean 200: on_request_end fired when the "
            "headers came, so the subsegment ended with status 200 before the body read timed out, "
            "and on_request_exception never fires for that timeout. Nothing in the documents shows "
            "the failure; the retry looks like a second successful call.",
            ["web[200] {127.0.0.1[remote 200], 127.0.0.1[remote 200]}"],
        )
    finally:
        await driver.close()
        await traced.close()
        await runner.cleanup()


# --------------------------------------------------------------------------------------------
# Group "botocore": botocore patched, a fake AWS endpoint


def group_botocore(session: Session) -> None:
    import boto3
    from aws_xray_sdk.core import patch
    from botocore.config import Config

    recorder = configure_recorder(session.listener)
    patch(["botocore"])
    o = origin("boto3", "botocore")
    # Dummy credentials, in this process only: the fake endpoint does not check signatures.
    aws = boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="dummy-secret", region_name=REGION
    )

    def client(service: str, endpoint: str, total_max_attempts: int | None = None) -> Any:
        # botocore's own max_attempts counts retries (max_attempts 1 makes two attempts), so the
        # unambiguous total_max_attempts turns retries off.
        config = Config(retries={"total_max_attempts": total_max_attempts}) if total_max_attempts else None
        return aws.client(service, endpoint_url=endpoint, config=config)

    def call(operation: Callable[[], Any]) -> None:
        try:
            operation()
        except Exception as error:
            if type(error).__name__ not in {"ClientError", "InternalServerError"} and not hasattr(
                error, "response"
            ):
                raise

    def dynamodb(
        name: str,
        answers: Sequence[AwsAnswer],
        planned: Sequence[Label],
        case: str,
        notes: str,
        expect: list[str],
        *,
        operation: str = "GetItem",
        total_max_attempts: int | None = None,
    ) -> None:
        with FakeAws({operation: answers}) as endpoint, incoming("/orders/42"):
            ddb = client("dynamodb", endpoint.endpoint, total_max_attempts)
            if operation == "GetItem":
                call(lambda: ddb.get_item(TableName=TABLE, Key={"id": {"S": "42"}}))
            else:
                call(
                    lambda: ddb.query(
                        TableName=TABLE,
                        KeyConditionExpression="id = :id",
                        ExpressionAttributeValues={":id": {"S": "42"}},
                    )
                )
        attempts = expect_attempts(name, endpoint.labels(operation), planned)
        call_truth = aws_call("dynamodb", TABLE, attempts, visible=False)
        session.keep(Recording(name, case, o, [call_truth], notes, expect))

    dynamodb(
        "botocore-dynamodb-getitem-500-500-200",
        ["internal", "internal", "ok"],
        [500, 500, 200],
        "web calls DynamoDB GetItem (table orders) with boto3 (botocore patched, default retry mode "
        "standard: 4 attempts for DynamoDB); the endpoint answers HTTP 500 InternalServerError twice, "
        "then the item.",
        "One aws subsegment (named dynamodb, operation GetItem, table_name orders, request_id of the "
        "last answer) for the whole call, status 200, no flag: botocore's two retries leave no trace "
        "(no aws.retries, no child per attempt). Only its duration (the retry backoff) hints at them.",
        ["web[200] {dynamodb[aws GetItem 200]}"],
    )
    dynamodb(
        "botocore-dynamodb-query-500-200",
        ["internal", "ok"],
        [500, 200],
        "web calls DynamoDB Query (table orders) with boto3 (botocore patched, default retries); the "
        "endpoint answers HTTP 500 InternalServerError once, then the items.",
        "As the GetItem case: one aws subsegment, operation Query, table_name orders, status 200, the "
        "retry invisible.",
        ["web[200] {dynamodb[aws Query 200]}"],
        operation="Query",
    )
    dynamodb(
        "botocore-dynamodb-getitem-500-exhausted",
        ["internal", "internal", "internal", "internal"],
        [500, 500, 500, 500],
        "web calls DynamoDB GetItem with boto3 (default retries: standard mode, 4 attempts for "
        "DynamoDB); the endpoint answers HTTP 500 InternalServerError every time, so the call raises "
        "after its fourth attempt.",
        "One aws subsegment with status 500, fault, and a remote cause (InternalServerError, the "
        "botocore modelled exception class): one failed subsegment where four attempts were made. "
        "The only trace of the retries is botocore's exception message, '... when calling the "
        "GetItem operation (reached max retries: 3): Internal server error'.",
        ["web[200] {dynamodb[aws GetItem 500 fault !InternalServerError]}"],
    )
    dynamodb(
        "botocore-dynamodb-getitem-throttled-no-retries",
        ["throughput"],
        ["throttled"],
        "web calls DynamoDB GetItem with boto3 and retries off (Config(retries={'total_max_attempts': "
        "1}); botocore's max_attempts 1 would still allow one retry); the endpoint answers HTTP 400 "
        "ProvisionedThroughputExceededException.",
        "The throttling answer is flagged error and fault, never throttle: error from the 400 "
        "status (the SDK flags by status, and DynamoDB throttles with 400), fault because the SDK's "
        "add_exception sets fault for any exception. Only cause.exceptions[].type "
        "(ProvisionedThroughputExceededException) says throttling; its message ends in '(reached "
        "max retries: 0)'.",
        ["web[200] {dynamodb[aws GetItem 400 error fault !ProvisionedThroughputExceededException]}"],
        total_max_attempts=1,
    )
    dynamodb(
        "botocore-dynamodb-getitem-throttled-then-200",
        ["throttling", "throughput", "ok"],
        ["throttled", "throttled", 200],
        "web calls DynamoDB GetItem with boto3 (default retries); the endpoint answers HTTP 400 "
        "ThrottlingException, then 400 ProvisionedThroughputExceededException, then the item.",
        "One aws subsegment, status 200, no flag: the two throttled attempts are invisible.",
        ["web[200] {dynamodb[aws GetItem 200]}"],
    )

    # 13. SQS SendMessage (JSON protocol) and Lambda Invoke
    with FakeAws({"SendMessage": ["ok"], "Invoke": ["ok"]}) as endpoint, incoming("/orders"):
        queue_url = f"{endpoint.endpoint}/{ACCOUNT}/{QUEUE}"
        client("sqs", endpoint.endpoint).send_message(QueueUrl=queue_url, MessageBody='{"order": 42}')
        client("lambda", endpoint.endpoint).invoke(FunctionName=FUNCTION, Payload=b'{"order": 42}')
    session.keep(
        Recording(
            "botocore-sqs-sendmessage-lambda-invoke",
            "web sends one message to SQS (SendMessage over the JSON protocol, X-Amz-Target "
            "AmazonSQS.SendMessage) and invokes a Lambda function (Invoke), both answered at once.",
            o,
            [
                aws_call(
                    "sqs", QUEUE, expect_attempts("sqs", endpoint.labels("SendMessage"), [200]), visible=False
                ),
                aws_call(
                    "lambda",
                    FUNCTION,
                    expect_attempts("lambda", endpoint.labels("Invoke"), [200]),
                    visible=False,
                ),
            ],
            "The SQS subsegment is named sqs with aws.queue_url (the whole URL; the queue name is its "
            "last path part) and aws.message_id; the Lambda one is named lambda with "
            "aws.function_name and aws.status_code (the function's answer status). Neither has a "
            "table_name or resource field of its own.",
            ["web[200] {sqs[aws SendMessage 200], lambda[aws Invoke 200]}"],
        )
    )

    # 14. a breaker's wrapper subsegment around a DynamoDB call, and one short-circuited call
    with FakeAws({"GetItem": ["internal", "ok"]}) as endpoint:
        ddb = client("dynamodb", endpoint.endpoint)
        with incoming("/orders/42"), recorder.in_subsegment("orders-table") as wrapper:
            wrapper.put_annotation("circuit_open", False)
            call(lambda: ddb.get_item(TableName=TABLE, Key={"id": {"S": "42"}}))
        with incoming("/orders/42"), recorder.in_subsegment("orders-table") as wrapper:
            wrapper.put_annotation("circuit_open", True)  # the breaker refused: no request is made
    first = aws_call(
        "dynamodb", TABLE, expect_attempts("breaker", endpoint.labels("GetItem"), [500, 200]), visible=False
    )
    refused = aws_call("dynamodb", TABLE, [], visible=False)
    session.keep(
        Recording(
            "botocore-dynamodb-breaker-wrapper",
            "Two requests to web, each with the team's breaker wrapper subsegment 'orders-table' "
            "around DynamoDB GetItem: in the first the breaker is closed (annotated circuit_open: "
            "false) and the call gets 500, then the item (botocore retry); in the second the breaker "
            "is open (circuit_open: true) and no request is made.",
            o,
            [first, refused],
            "The second call has attempts [] (outcome failed): the breaker short-circuited it, so the "
            "wrapper has no aws child at all. Its dependency is known only from the wrapper's name "
            "and the first trace. In the first trace the botocore retry is invisible as always.",
            [
                "web[200] {orders-table[local circuit_open=false] {dynamodb[aws GetItem 200]}}",
                "web[200] {orders-table[local circuit_open=true]}",
            ],
        )
    )


# --------------------------------------------------------------------------------------------
# Entry points


CASE_GROUPS: dict[str, Callable[[Session], None]] = {
    "requests": group_requests,
    "double-patch": group_double_patch,
    "aiohttp": group_aiohttp,
    "botocore": group_botocore,
}


def _child_env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(CLEARED_ENV_PREFIXES)}
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def record(out_dir: Path) -> list[Path]:
    """Record every Python case into ``out_dir`` and return the files written.

    Each group runs in a fresh interpreter (this file with ``--group``), as SDK patches are
    process-wide: the caller's process is never patched. Raises when a group fails or when the SDK
    recorded another outline than a case expects.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for group in GROUPS:
        child = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--group", group, str(out_dir)],
            capture_output=True,
            text=True,
            timeout=120,
            env=_child_env(),
            check=False,
        )
        if child.returncode != 0:
            raise RuntimeError(f"recording group {group} failed:\n{child.stderr}")
        written += [Path(line) for line in child.stdout.splitlines() if line]
    return written


def _record_group(group: str, out_dir: Path) -> list[Path]:
    listener = DaemonListener()
    try:
        session = Session(out_dir, listener)
        CASE_GROUPS[group](session)
        return session.written
    finally:
        listener.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--group", choices=GROUPS, help="record one group in this process (internal)")
    args = parser.parse_args(argv)
    if args.group:
        for path in _record_group(args.group, args.out_dir):
            print(path)
        return 0
    for path in record(args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
