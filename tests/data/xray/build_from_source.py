"""Build the Java, Go and ADOT cases of the X-Ray corpus from the SDKs' source code.

Those SDKs cannot run here, so each document is assembled field by field the way the
named source files assemble it (which keys, which are omitted when empty, which flags a
status or an error sets, where retries show). The scenario of each case is fixed data in
this file and its ``calls`` are that scenario's ground truth. Ids come from a seeded
generator so that running the script again rewrites the same files.

Run from the checkout: ``.venv/bin/python tests/data/xray/build_from_source.py``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

Doc = dict[str, Any]
Call = dict[str, Any]

ACCOUNT = "123456789012"
REGION = "us-east-1"
TABLE = "orders"
ORDERS_HOST = "orders.shop.local"
ORDERS_PORT = 8080
ORDERS_IP = "10.0.2.15"
ORDERS_URL = f"http://{ORDERS_HOST}:{ORDERS_PORT}/orders/42"
BFF_URL = "http://bff.shop.local:8080/checkout"
ALB_USER_AGENT = "python-requests/2.32.3"
CLIENT_IP = "203.0.113.24"
DDB_ENDPOINT = f"https://dynamodb.{REGION}.amazonaws.com/"
PTE_MESSAGE = (
    "The level of configured provisioned throughput for the table was exceeded. "
    "Consider increasing your provisioning level with the UpdateTable API."
)

PTE_JAVA_TYPE = "software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException"
JAVA_REPO = "aws/aws-xray-sdk-java"
JAVA_SDK_VERSION = "2.18.2"
GO_REPO = "aws/aws-xray-sdk-go"
GO_SDK_VERSION = "1.8.5"
OTEL_REPO = "open-telemetry/opentelemetry-collector-contrib"


class Ids:
    """Seeded 64-bit ids and X-Ray trace ids, so every build writes the same files."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def span(self) -> str:
        return f"{self._rng.getrandbits(64):016x}"

    def trace(self, epoch: float) -> str:
        return f"1-{int(epoch):08x}-{self._rng.getrandbits(96):024x}"

    def hexstr(self, bits: int) -> str:
        return f"{self._rng.getrandbits(bits):0{bits // 4}x}"

    def request_id(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "".join(self._rng.choice(alphabet) for _ in range(52))


@dataclass
class Case:
    folder: str
    name: str
    origin: str
    case: str
    documents: list[Doc]
    calls: list[Call]
    notes: str

    def write(self) -> Path:
        path = HERE / self.folder / f"{self.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "origin": self.origin,
            "case": self.case,
            "documents": self.documents,
            "calls": self.calls,
            "notes": self.notes,
        }
        path.write_text(json.dumps(body, indent=2) + "\n")
        return path


def http_call(caller: str, instance: str | None, attempts: list[Any], *, visible: bool = True) -> Call:
    return {
        "caller": caller,
        "instance": instance,
        "dependency": {"host": f"{ORDERS_HOST}:{ORDERS_PORT}"},
        "method": "GET",
        "path": "/orders/42",
        "attempts": attempts,
        "outcome": outcome(attempts),
        "retries_visible": visible,
    }


def aws_call(caller: str, instance: str | None, service: str, attempts: list[Any], *, visible: bool) -> Call:
    return {
        "caller": caller,
        "instance": instance,
        "dependency": {"aws": service, "resource": TABLE},
        "attempts": attempts,
        "outcome": outcome(attempts),
        "retries_visible": visible,
    }


def outcome(attempts: list[Any]) -> str:
    last = attempts[-1]
    return "ok" if isinstance(last, int) and 200 <= last < 500 and last != 429 else "failed"


# --------------------------------------------------------------------------------------
# Java: aws-xray-sdk-java
# --------------------------------------------------------------------------------------

JAVA_CORE_DIR = "aws-xray-recorder-sdk-core/src/main/java/com/amazonaws/xray/"
JAVA_FILES = {
    "entity": JAVA_CORE_DIR + "entities/EntityImpl.java@d5ccae28",
    "segment": JAVA_CORE_DIR + "entities/SegmentImpl.java@d5ccae28",
    "subsegment": JAVA_CORE_DIR + "entities/SubsegmentImpl.java@d9d17ec9",
    "recorder": JAVA_CORE_DIR + "AWSXRayRecorder.java",
    "filter": JAVA_CORE_DIR + "javax/servlet/AWSXRayServletFilter.java@b3d54add",
    "ecs": JAVA_CORE_DIR + "plugins/ECSPlugin.java (TMDE v4 version)",
    "docker": JAVA_CORE_DIR + "utils/DockerUtils.java@764d66ac",
    "streaming": JAVA_CORE_DIR + "strategy/DefaultStreamingStrategy.java@d5ccae28",
    "throwable": JAVA_CORE_DIR + "strategy/DefaultThrowableSerializationStrategy.java@c7391e56",
    "cause": JAVA_CORE_DIR + "serializers/CauseSerializer.java",
    "apache": (
        "aws-xray-recorder-sdk-apache-http/src/main/java/com/amazonaws/xray/proxies/apache/http/"
        "TracedHttpClient.java@2b51074a, TracedResponseHandler.java@1bcf1e13"
    ),
    "v2": (
        "aws-xray-recorder-sdk-aws-sdk-v2/src/main/java/com/amazonaws/xray/interceptors/"
        "TracingInterceptor.java@38767177, DefaultOperationParameterWhitelist.json@53eb8130"
    ),
    "v1": (
        "aws-xray-recorder-sdk-aws-sdk/src/main/java/com/amazonaws/xray/handlers/"
        "TracingHandler.java@d9d17ec9, DefaultOperationParameterWhitelist.json@e3966dcc"
    ),
}

JAVA_CORE = ("entity", "segment", "subsegment", "recorder", "filter", "ecs", "docker", "streaming")


def java_origin(*keys: str) -> str:
    files = ", ".join(JAVA_FILES[k] for k in (*JAVA_CORE, *keys))
    return f"built from {JAVA_REPO} {JAVA_SDK_VERSION} (files at the commits named): {files}"


@dataclass
class JavaTask:
    """One ECS task on the EC2 launch type (bridge mode): hostname = short Docker id."""

    docker_id: str
    container_arn: str

    @property
    def hostname(self) -> str:
        return self.docker_id[:12]


def java_task(ids: Ids) -> JavaTask:
    docker_id = ids.hexstr(256)
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:container/shop/{ids.hexstr(128)}/{ids.hexstr(128)}"
    return JavaTask(docker_id=docker_id, container_arn=arn)


def java_segment(
    ids: Ids, task: JavaTask, trace: str, start: float, end: float, subsegments: list[Doc]
) -> Doc:
    """The servlet filter's segment with the ECS plugin's runtime context (AWSXRayRecorderBuilder)."""
    return {
        "name": "bff",
        "id": ids.span(),
        "start_time": round(start, 3),
        "trace_id": trace,
        "end_time": round(end, 3),
        "subsegments": subsegments,
        "http": {
            "request": {
                "url": BFF_URL,
                "method": "POST",
                "user_agent": ALB_USER_AGENT,
                "client_ip": CLIENT_IP,
                "x_forwarded_for": True,
            },
            "response": {"status": 200, "content_length": 57},
        },
        "aws": {
            "xray": {"sdk": "X-Ray for Java", "sdk_version": JAVA_SDK_VERSION, "rule_name": "Default"},
            "ecs": {
                "container": task.hostname,
                "container_id": task.docker_id,
                "container_arn": task.container_arn,
            },
            "cloudwatch_logs": [
                {"log_group": "/ecs/bff", "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/bff"}
            ],
        },
        "service": {"runtime": "OpenJDK 64-Bit Server VM", "runtime_version": "17.0.12"},
        "origin": "AWS::ECS::Container",
    }


def java_frames(*frames: tuple[str, int, str]) -> list[Doc]:
    """StackTraceElementSerializer: {path: file name, line, label: Class.method}."""
    return [{"path": path, "line": line, "label": label} for path, line, label in frames]


APP_FRAMES = (
    ("OrdersClient.java", 58, "com.example.bff.OrdersClient.fetch"),
    ("OrdersClient.java", 41, "com.example.bff.OrdersClient.getOrder"),
    ("CheckoutController.java", 33, "com.example.bff.CheckoutController.checkout"),
)


def java_apache_attempt(ids: Ids, start: float, end: float, status: int | None, body: int) -> Doc:
    """TracedHttpClient.execute(HttpUriRequest): subsegment named by host (no port), namespace remote."""
    doc: Doc = {
        "name": ORDERS_HOST,
        "id": ids.span(),
        "start_time": round(start, 3),
        "end_time": round(end, 3),
        "namespace": "remote",
        "http": {"request": {"url": ORDERS_URL, "method": "GET"}},
    }
    if status is not None:
        doc["http"]["response"] = {"status": status, "content_length": body}
        if 500 <= status < 600:
            doc["fault"] = True
        elif 400 <= status < 500:
            doc["error"] = True
            if status == 429:
                doc["throttle"] = True
    return doc


def java_apache_503_503_200() -> Case:
    ids = Ids(101)
    task = java_task(ids)
    t0 = 1733301000.118
    trace = ids.trace(t0)
    subs = [
        java_apache_attempt(ids, t0 + 0.004, t0 + 0.019, 503, 23),
        java_apache_attempt(ids, t0 + 0.121, t0 + 0.133, 503, 23),
        java_apache_attempt(ids, t0 + 0.336, t0 + 0.351, 200, 412),
    ]
    seg = java_segment(ids, task, trace, t0, t0 + 0.362, subs)
    return Case(
        folder="java",
        name="apache-http-503-503-200",
        origin=java_origin("apache"),
        case=(
            "bff (Java servlet, ECS task on EC2) calls GET http://orders.shop.local:8080/orders/42 through "
            "TracedHttpClient in its own retry loop (100 ms, 200 ms backoff): 503, 503, 200."
        ),
        documents=[seg],
        calls=[http_call("bff", task.hostname, [503, 503, 200])],
        notes=(
            "One document: the SDK sends the segment with its subsegments embedded once it ends "
            "(DefaultStreamingStrategy streams only past 100 subsegments), so embedded subsegments carry no "
            "trace_id/parent_id/type. Each attempt is its own subsegment named by the host WITHOUT the port "
            "(TracedHttpClient uses target.getHostName()); the port is only in http.request.url. 503 sets "
            "fault only (TracedResponseHandler: 4xx error, 429 also throttle, 5xx fault). false flags, null "
            "and empty fields are omitted (EntityImpl: @JsonInclude NON_DEFAULT on the flags, mapper "
            "NON_EMPTY). "
            "Times have millisecond precision (System.currentTimeMillis() / 1000d). aws.ecs.container is the "
            "hostname: on the EC2 launch type in bridge mode that is the short Docker id, unique per task; "
            "on "
            "Fargate (awsvpc) it is the task ENI's ip-... host name. container_id is the last 64 characters "
            "of "
            "the first long line of /proc/self/cgroup (a Docker id under cgroup v1; undetermined under "
            "cgroup v2, "
            "where the plugin may put no id). rule_name comes from centralized sampling's matched rule. "
            "sdk_version is the build's sdk.properties value; 2.18.2 is assumed, the shapes follow the "
            "files at "
            "the commits named, which the stored corpus could not tie to a tag."
        ),
    )


def java_connect_exception(ids: Ids) -> Doc:
    """DefaultThrowableSerializationStrategy: the cause chain becomes linked descriptions."""
    inner_id = ids.span()
    outer = {
        "id": ids.span(),
        "message": (
            f"Connect to {ORDERS_HOST}:{ORDERS_PORT} [{ORDERS_HOST}/{ORDERS_IP}] failed: Connection refused"
        ),
        "type": "org.apache.http.conn.HttpHostConnectException",
        "remote": False,
        "stack": java_frames(
            (
                "DefaultHttpClientConnectionOperator.java",
                156,
                "org.apache.http.impl.conn.DefaultHttpClientConnectionOperator.connect",
            ),
            (
                "PoolingHttpClientConnectionManager.java",
                376,
                "org.apache.http.impl.conn.PoolingHttpClientConnectionManager.connect",
            ),
            ("MainClientExec.java", 393, "org.apache.http.impl.execchain.MainClientExec.establishRoute"),
            ("InternalHttpClient.java", 186, "org.apache.http.impl.client.InternalHttpClient.doExecute"),
            ("CloseableHttpClient.java", 108, "org.apache.http.impl.client.CloseableHttpClient.execute"),
            (
                "TracedHttpClient.java",
                166,
                "com.amazonaws.xray.proxies.apache.http.TracedHttpClient.lambda$execute$2",
            ),
            (
                "TracedHttpClient.java",
                130,
                "com.amazonaws.xray.proxies.apache.http.TracedHttpClient.wrapHttpSupplier",
            ),
            *APP_FRAMES,
        ),
        "truncated": 0,
        "skipped": 0,
        "cause": inner_id,
    }
    inner = {
        "id": inner_id,
        "message": "Connection refused",
        "type": "java.net.ConnectException",
        "remote": False,
        "stack": java_frames(
            ("Net.java", -2, "sun.nio.ch.Net.connect0"),
            ("NioSocketImpl.java", 682, "sun.nio.ch.NioSocketImpl.connect"),
            ("Socket.java", 633, "java.net.Socket.connect"),
            (
                "PlainConnectionSocketFactory.java",
                75,
                "org.apache.http.conn.socket.PlainConnectionSocketFactory.connectSocket",
            ),
            (
                "DefaultHttpClientConnectionOperator.java",
                142,
                "org.apache.http.impl.conn.DefaultHttpClientConnectionOperator.connect",
            ),
        ),
        "truncated": 0,
        "skipped": 0,
    }
    return {"working_directory": "/app", "exceptions": [outer, inner]}


def java_apache_refused_then_200() -> Case:
    ids = Ids(102)
    task = java_task(ids)
    t0 = 1733301060.402
    trace = ids.trace(t0)
    refused = java_apache_attempt(ids, t0 + 0.003, t0 + 0.006, None, 0)
    refused["fault"] = True
    refused["cause"] = java_connect_exception(ids)
    subs = [refused, java_apache_attempt(ids, t0 + 0.108, t0 + 0.124, 200, 412)]
    seg = java_segment(ids, task, trace, t0, t0 + 0.131, subs)
    return Case(
        folder="java",
        name="apache-http-refused-then-200",
        origin=java_origin("apache", "throwable", "cause"),
        case=(
            "bff calls GET http://orders.shop.local:8080/orders/42 through TracedHttpClient; the first "
            "connection is refused, the application's retry loop tries again after 100 ms and gets 200."
        ),
        documents=[seg],
        calls=[http_call("bff", task.hostname, ["refused", 200])],
        notes=(
            "A failed request with no response: TracedHttpClient.wrapHttpSupplier catches the exception, "
            "EntityImpl.addException sets fault (not error) and records it in cause; there is no "
            "http.response. The cause chain (HttpHostConnectException caused by ConnectException) becomes "
            "two "
            "exceptions linked by 'cause' ids. remote is false: DefaultThrowableSerializationStrategy marks "
            "only UncheckedIOException remote by default. remote/truncated/skipped appear even when "
            "false/0 (primitive fields under Jackson's NON_EMPTY); working_directory is user.dir. Stack "
            "frames "
            "are shortened here (the SDK keeps up to 50 and counts the rest in truncated); their exact "
            "content is not determined by the SDK."
        ),
    )


def java_v2_subsegment(ids: Ids, start: float, end: float, retries: int) -> Doc:
    return {
        "name": "DynamoDb",
        "id": ids.span(),
        "start_time": round(start, 3),
        "end_time": round(end, 3),
        "namespace": "aws",
        "http": {"response": {"status": 200, "content_length": 98}},
        "aws": {
            "operation": "GetItem",
            "region": REGION,
            "table_name": TABLE,
            "retries": retries,
            "request_id": ids.request_id(),
        },
    }


def java_v2_500_500_200() -> Case:
    ids = Ids(103)
    task = java_task(ids)
    t0 = 1733301120.006
    trace = ids.trace(t0)
    sub = java_v2_subsegment(ids, t0 + 0.002, t0 + 0.094, retries=2)
    seg = java_segment(ids, task, trace, t0, t0 + 0.101, [sub])
    return Case(
        folder="java",
        name="awssdk-v2-dynamodb-500-500-200",
        origin=java_origin("v2"),
        case=(
            "bff calls DynamoDB GetItem on table orders through an AWS SDK for Java v2 client with the X-Ray "
            "TracingInterceptor; DynamoDB answers 500, 500, 200 and the SDK's own retries succeed."
        ),
        documents=[seg],
        calls=[aws_call("bff", task.hostname, "DynamoDb", [500, 500, 200], visible=True)],
        notes=(
            "One subsegment for the whole SDK call (beforeExecution/afterExecution run once per execution); "
            "the failed attempts leave no status, flag or exception: only aws.retries (incremented in "
            "beforeTransmission, which runs before every attempt, starting at 0) tells that two retries "
            "happened. The name is the SDK v2 service name 'DynamoDb'; table_name and the other aws keys "
            "come from the operation parameter whitelist (consistent_read/projection_expression only when "
            "the request sets them). No http.request is recorded for AWS calls. The SDK's own HTTP client is "
            "not traced separately. Backoff delays between attempts are the SDK's; the 92 ms span is "
            "illustrative."
        ),
    )


def java_v2_throttled() -> Case:
    ids = Ids(104)
    task = java_task(ids)
    t0 = 1733301180.250
    trace = ids.trace(t0)
    sub = java_v2_subsegment(ids, t0 + 0.002, t0 + 0.912, retries=2)
    request_id = sub["aws"]["request_id"]
    message = f"{PTE_MESSAGE} (Service: DynamoDb, Status Code: 400, Request ID: {request_id})"
    sub["http"] = {"response": {"status": 400, "content_length": 225}}
    sub["error"] = True
    sub["throttle"] = True
    sub["cause"] = {
        "working_directory": "/app",
        "message": message,
        "exceptions": [
            {
                "id": ids.span(),
                "message": message,
                "type": PTE_JAVA_TYPE,
                "remote": True,
                "stack": java_frames(
                    (
                        "AwsJsonProtocolErrorUnmarshaller.java",
                        125,
                        "software.amazon.awssdk.protocols.json."
                        "internal.unmarshall.AwsJsonProtocolErrorUnmarshaller.unmarshall",
                    ),
                    (
                        "CombinedResponseHandler.java",
                        75,
                        "software.amazon.awssdk.core.internal.http."
                        "CombinedResponseHandler.handleErrorResponse",
                    ),
                    (
                        "DefaultDynamoDbClient.java",
                        3419,
                        "software.amazon.awssdk.services.dynamodb.DefaultDynamoDbClient.getItem",
                    ),
                    ("OrdersRepository.java", 47, "com.example.bff.OrdersRepository.find"),
                    ("CheckoutController.java", 35, "com.example.bff.CheckoutController.checkout"),
                ),
                "truncated": 0,
                "skipped": 0,
            }
        ],
    }
    seg = java_segment(ids, task, trace, t0, t0 + 0.925, [sub])
    seg["http"]["response"] = {"status": 503, "content_length": 41}
    seg["fault"] = True
    return Case(
        folder="java",
        name="awssdk-v2-dynamodb-throttled",
        origin=java_origin("v2", "throwable", "cause"),
        case=(
            "bff calls DynamoDB GetItem through the AWS SDK for Java v2 (client configured for 3 attempts); "
            "every attempt is throttled with ProvisionedThroughputExceededException (HTTP 400), the SDK "
            "gives up and bff answers 503."
        ),
        documents=[seg],
        calls=[
            aws_call("bff", task.hostname, "DynamoDb", ["throttled", "throttled", "throttled"], visible=True)
        ],
        notes=(
            "TracingInterceptor.onExecutionFailure -> populateSubsegmentException: addException first sets "
            "fault, then isThrottlingException() (true for ProvisionedThroughputExceededException, a 400) "
            "sets "
            "throttle, which clears fault and sets error; the 4xx branch keeps fault false. So a throttled "
            "call "
            "has error+throttle without fault, and status 400, not 429. The exception is marked remote "
            "(setRemoteForException) and the cause also carries the message. aws.retries still counts the "
            "retries (2). The segment itself is flagged by the servlet filter from bff's own 503. Newer "
            "SDK v2 releases may append '(SDK Attempt Count: 3)' to the message; not determined here."
        ),
    )


def java_v1_500_500_200() -> Case:
    ids = Ids(105)
    task = java_task(ids)
    t0 = 1733301240.771
    trace = ids.trace(t0)
    sub = {
        "name": "AmazonDynamoDBv2",
        "id": ids.span(),
        "start_time": round(t0 + 0.002, 3),
        "end_time": round(t0 + 0.139, 3),
        "namespace": "aws",
        "http": {"response": {"status": 200, "content_length": 98}},
        "aws": {"table_name": TABLE, "operation": "GetItem", "request_id": ids.request_id()},
    }
    seg = java_segment(ids, task, trace, t0, t0 + 0.146, [sub])
    return Case(
        folder="java",
        name="awssdk-v1-dynamodb-500-500-200",
        origin=java_origin("v1"),
        case=(
            "bff calls DynamoDB GetItem through an AWS SDK for Java v1 client with the X-Ray TracingHandler; "
            "DynamoDB answers 500, 500, 200 and the SDK's own retries succeed."
        ),
        documents=[seg],
        calls=[aws_call("bff", task.hostname, "AmazonDynamoDBv2", [500, 500, 200], visible=False)],
        notes=(
            "The v1 handler differs from v2: the subsegment is named by Request.getServiceName(), which for "
            "DynamoDB is 'AmazonDynamoDBv2'; there is no aws.retries and no region key. beforeRequest and "
            "afterResponse run once per SDK call (AmazonHttpClient runs the request handlers once around the "
            "retry loop), so the two 500s leave no trace at all: retries are invisible. For a final failure "
            "afterError adds the exception (fault) and, for a throttling error, error+throttle too "
            "(addException runs after setThrottle, so fault stays set) — a difference from v2 not shown in a "
            "case here."
        ),
    )


# --------------------------------------------------------------------------------------
# Go: aws-xray-sdk-go
# --------------------------------------------------------------------------------------

GO_FILES = {
    "segment": "xray/segment.go@033bad50",
    "model": "xray/segment_model.go@9f4c4f43",
    "config": "xray/config.go (SDKType 'X-Ray for Go')",
    "handler": "xray/handler.go@9f4c4f43",
    "ecs": "awsplugins/ecs/ecs.go@1128bc9b, internal/plugins/plugin.go@50024c90",
    "emitter": "xray/default_emitter.go@9779f16e, xray/default_streaming_strategy.go@fff49d30",
    "client": "xray/client.go@25ea1132, xray/capture.go@6db6b3f2",
    "httptrace": "xray/httptrace.go@996d3b9a",
    "exception": "strategy/exception/default_exception_formatting_strategy.go@9b4063bc",
    "awsv2": "instrumentation/awsv2/awsv2.go@cf273183, xray/aws_v2.go@34e898fb",
    "awsv1": "xray/aws.go@89cd6646, resources/AWSWhitelist.json@70f322e3",
}

GO_CORE = ("segment", "model", "config", "handler", "ecs", "emitter")


def go_origin(*keys: str) -> str:
    files = ", ".join(GO_FILES[k] for k in (*GO_CORE, *keys))
    return f"built from {GO_REPO} v{GO_SDK_VERSION} (files at the commits named): {files}"


def go_time(t: float) -> float:
    """float64(UnixNano)/1e9 keeps sub-microsecond digits; rounded here to 7 places."""
    return round(t, 7)


def go_sub(ids: Ids, name: str, start: float, end: float, **fields: Any) -> Doc:
    doc: Doc = {"id": ids.span(), "name": name, "start_time": go_time(start), "end_time": go_time(end)}
    doc.update(fields)
    return doc


def go_segment(ids: Ids, hostname: str, trace: str, start: float, end: float, subs: list[Doc]) -> Doc:
    """xray.Handler's segment (httpTrace) with the ECS plugin's metadata (addPlugin)."""
    return {
        "trace_id": trace,
        "id": ids.span(),
        "name": "bff",
        "start_time": go_time(start),
        "end_time": go_time(end),
        "origin": "AWS::ECS::Container",
        "http": {
            "request": {
                "method": "POST",
                "url": BFF_URL,
                "client_ip": CLIENT_IP,
                "user_agent": ALB_USER_AGENT,
                "x_forwarded_for": True,
            },
            "response": {"status": 200, "content_length": 57},
        },
        "aws": {
            "ecs": {"container": hostname},
            "xray": {"sdk_version": GO_SDK_VERSION, "sdk": "X-Ray for Go", "sampling_rule_name": "Default"},
        },
        "service": {"compiler_version": "go1.22.5", "compiler": "gc"},
        "subsegments": subs,
    }


def go_go_stack(*frames: tuple[str, int, str]) -> list[Doc]:
    return [{"path": path, "line": line, "label": label} for path, line, label in frames]


GO_APP_STACK = (
    ("net/http/client.go", 260, "send"),
    ("net/http/client.go", 724, "(*Client).do"),
    ("net/http/client.go", 590, "(*Client).Do"),
    ("github.com/example/bff/orders.go", 61, "(*OrdersClient).fetch"),
    ("github.com/example/bff/orders.go", 38, "(*OrdersClient).GetOrder"),
)


def go_error(ids: Ids, message: str, type_: str, *, remote: bool = False) -> Doc:
    exc: Doc = {
        "id": ids.span(),
        "type": type_,
        "message": message,
        "stack": go_go_stack(
            ("github.com/aws/aws-xray-sdk-go/xray/capture.go", 47, "Capture"), *GO_APP_STACK
        ),
    }
    if remote:
        exc["remote"] = True
    return {"working_directory": "/app", "exceptions": [exc]}


def go_new_connection(ids: Ids, start: float) -> tuple[Doc, float]:
    """httptrace.go: connect (dns, dial) for a fresh connection, closed in GotConn."""
    dns = go_sub(
        ids,
        "dns",
        start + 0.0001,
        start + 0.0011,
        metadata={"http": {"dns": {"addresses": [{"IP": ORDERS_IP, "Zone": ""}], "coalesced": False}}},
    )
    dial = go_sub(
        ids, "dial", start + 0.0012, start + 0.0019, metadata={"http": {"connect": {"network": "tcp"}}}
    )
    end = start + 0.0020
    connect = go_sub(
        ids,
        "connect",
        start,
        end,
        metadata={"http": {"connection": {"reused": False, "was_idle": False}}},
        subsegments=[dns, dial],
    )
    return connect, end


def go_http_attempt(ids: Ids, start: float, status: int, body: int, *, fresh: bool) -> Doc:
    """client.go RoundTrip: subsegment named r.Host (host:port), namespace remote; httptrace children."""
    children: list[Doc] = []
    t = start + 0.0001
    if fresh:
        connect, t = go_new_connection(ids, t)
        children.append(connect)
    request = go_sub(ids, "request", t + 0.0001, t + 0.0003)
    response = go_sub(ids, "response", t + 0.0003, t + 0.0112)
    children += [request, response]
    end = t + 0.0119
    doc = go_sub(
        ids,
        f"{ORDERS_HOST}:{ORDERS_PORT}",
        start,
        end,
        namespace="remote",
        http={
            "request": {"method": "GET", "url": ORDERS_URL},
            "response": {"status": status, "content_length": body},
        },
        subsegments=children,
    )
    if 500 <= status < 600:
        doc["fault"] = True
    elif 400 <= status < 500:
        doc["error"] = True
    return doc


def go_http_503_503_200() -> Case:
    ids = Ids(201)
    hostname = "ip-10-0-1-77.ec2.internal"
    t0 = 1733302000.1182345
    trace = ids.trace(t0)
    subs = [
        go_http_attempt(ids, t0 + 0.0031, 503, 23, fresh=True),
        go_http_attempt(ids, t0 + 0.1172, 503, 23, fresh=False),
        go_http_attempt(ids, t0 + 0.3310, 200, 412, fresh=False),
    ]
    seg = go_segment(ids, hostname, trace, t0, t0 + 0.3502, subs)
    return Case(
        folder="go",
        name="http-503-503-200",
        origin=go_origin("client", "httptrace"),
        case=(
            "bff (Go, xray.Handler, ECS plugin, Fargate) calls GET http://orders.shop.local:8080/orders/42 "
            "with xray.Client(http.Client) in its own retry loop (100 ms, 200 ms backoff): 503, 503, 200 "
            "over one keep-alive connection."
        ),
        documents=[seg],
        calls=[http_call("bff", hostname, [503, 503, 200])],
        notes=(
            "Each attempt is its own subsegment named by r.Host, which for a client request is host:port "
            "(unlike Java, the port is in the name). It carries httptrace children: 'connect' (with 'dns' "
            "and "
            "'dial') only on the attempt that opened the connection — on a reused connection GotConn removes "
            "the 'connect' subsegment — then 'request' and 'response'; their details are in metadata.http. "
            "503 sets fault; false flags and zero content_length are omitted (omitempty). One document: the "
            "emitter streams subsegments only past 20 in the tree (DefaultStreamingStrategy). The ECS plugin "
            "records only aws.ecs.container = os.Hostname() (no container id, no task ARN); on Fargate "
            "(awsvpc) the hostname is the task's ip-... name, on EC2 bridge mode the short Docker id. The "
            "sampled rule name key is sampling_rule_name (Java uses rule_name). sdk_version is the "
            "SDKVersion "
            "constant of the release (v1.8.5 assumed)."
        ),
    )


def go_http_refused_then_200() -> Case:
    ids = Ids(202)
    hostname = "ip-10-0-1-77.ec2.internal"
    t0 = 1733302060.4021187
    trace = ids.trace(t0)
    message = f"dial tcp {ORDERS_IP}:{ORDERS_PORT}: connect: connection refused"
    s = t0 + 0.0024
    dns = go_sub(
        ids,
        "dns",
        s + 0.0002,
        s + 0.0012,
        metadata={"http": {"dns": {"addresses": [{"IP": ORDERS_IP, "Zone": ""}], "coalesced": False}}},
    )
    dial = go_sub(
        ids,
        "dial",
        s + 0.0013,
        s + 0.0017,
        fault=True,
        cause=go_error(ids, message, "net.OpError"),
        metadata={"http": {"connect": {"network": "tcp"}}},
    )
    connect = go_sub(
        ids,
        "connect",
        s + 0.0001,
        s + 0.0018,
        fault=True,
        cause=go_error(ids, message, "net.OpError"),
        subsegments=[dns, dial],
    )
    refused = go_sub(
        ids,
        f"{ORDERS_HOST}:{ORDERS_PORT}",
        s,
        s + 0.0019,
        fault=True,
        cause=go_error(ids, message, "net.OpError"),
        namespace="remote",
        http={"request": {"method": "GET", "url": ORDERS_URL}},
        subsegments=[connect],
    )
    ok = go_http_attempt(ids, t0 + 0.1062, 200, 412, fresh=True)
    seg = go_segment(ids, hostname, trace, t0, t0 + 0.1241, [refused, ok])
    return Case(
        folder="go",
        name="http-refused-then-200",
        origin=go_origin("client", "httptrace", "exception"),
        case=(
            "bff calls GET http://orders.shop.local:8080/orders/42 with xray.Client; the connection is "
            "refused, the application's retry loop tries again after 100 ms and gets 200."
        ),
        documents=[seg],
        calls=[http_call("bff", hostname, ["refused", 200])],
        notes=(
            "A transport error is recorded three times: on 'dial' (ConnectDone closes it with the error), on "
            "'connect' (RoundTrip calls GotConn(nil, err)) and on the HTTP subsegment itself (Capture closes "
            "it with the error returned by RoundTrip). Each is fault=true with a cause holding one exception "
            "whose type is the Go type without '*' (net.OpError) and whose message is err.Error(); remote is "
            "omitted (only AWS request failures with a request id are remote); there is no http.response. "
            "The "
            "error is the *net.OpError from the transport, not the *url.Error that http.Client.Do returns, "
            "because the round tripper sits below Client.Do. Closing 'connect' on a nil GotConnInfo is in "
            "later httptrace.go versions than the stored 996d3b9a (whose GotConn leaves 'connect' in "
            "progress on this path); the later code is known only from a verbatim copy in a third-party "
            "port, so that detail is modelled, not read from the upstream file. Stack frames are "
            "illustrative "
            "(runtime.Callers, up to 32 frames)."
        ),
    )


def go_awsv2_subsegment(ids: Ids, start: float, end: float, status: int, body: int) -> Doc:
    return go_sub(
        ids,
        "DynamoDB",
        start,
        end,
        namespace="aws",
        http={"response": {"status": status, "content_length": body}},
        aws={"operation": "GetItem", "region": REGION, "request_id": ids.request_id()},
    )


def go_awsv2_500_500_200() -> Case:
    ids = Ids(203)
    hostname = "ip-10-0-1-77.ec2.internal"
    t0 = 1733302120.0061042
    trace = ids.trace(t0)
    sub = go_awsv2_subsegment(ids, t0 + 0.0012, t0 + 1.1533, 200, 98)
    sub["fault"] = True
    seg = go_segment(ids, hostname, trace, t0, t0 + 1.1601, [sub])
    return Case(
        folder="go",
        name="awsv2-dynamodb-500-500-200",
        origin=go_origin("awsv2"),
        case=(
            "bff calls DynamoDB GetItem through an AWS SDK for Go v2 client instrumented with "
            "awsv2.AWSV2Instrumentor (standard retryer, 3 attempts); DynamoDB answers 500, 500, 200."
        ),
        documents=[seg],
        calls=[aws_call("bff", hostname, "DynamoDB", [500, 500, 200], visible=False)],
        notes=(
            "One subsegment per SDK call, begun in the Initialize step (named by the service id 'DynamoDB'). "
            "The X-Ray deserialize middleware sits inside the retry loop, so it runs for every attempt and "
            "overwrites http.response.status each time while the flags it sets are never cleared: after 500, "
            "500, 200 the subsegment says status 200 AND fault true, with no cause (the call succeeded). "
            "There is no aws.retries and no per-attempt subsegment, and no table_name (this instrumentation "
            "records only region, operation and request_id). The flag logic is the inline code of "
            "xray/aws_v2.go@34e898fb; the newer instrumentation calls xray.HttpCaptureResponse, whose body "
            "is "
            "not in the stored corpus and is assumed to set the same flags. Backoff: the standard retryer's "
            "jittered exponential delay (up to 1 s, then 2 s); the delays here are illustrative."
        ),
    )


def go_awsv2_throttled() -> Case:
    ids = Ids(204)
    hostname = "ip-10-0-1-77.ec2.internal"
    t0 = 1733302180.2503311
    trace = ids.trace(t0)
    sub = go_awsv2_subsegment(ids, t0 + 0.0011, t0 + 2.0884, 400, 225)
    request_id = sub["aws"]["request_id"]
    message = (
        f"exceeded maximum number of attempts, 3, https response error StatusCode: 400, RequestID: "
        f"{request_id}, "
        f"ProvisionedThroughputExceededException: {PTE_MESSAGE}"
    )
    sub["error"] = True
    sub["fault"] = True
    sub["cause"] = go_error(ids, message, "retry.MaxAttemptsError")
    seg = go_segment(ids, hostname, trace, t0, t0 + 2.0951, [sub])
    seg["http"]["response"] = {"status": 503, "content_length": 41}
    seg["fault"] = True
    return Case(
        folder="go",
        name="awsv2-dynamodb-throttled",
        origin=go_origin("awsv2", "exception"),
        case=(
            "bff calls DynamoDB GetItem through the AWS SDK for Go v2 with AWSV2Instrumentor; all three "
            "attempts are throttled (ProvisionedThroughputExceededException, HTTP 400), the SDK gives up and "
            "bff answers 503."
        ),
        documents=[seg],
        calls=[aws_call("bff", hostname, "DynamoDB", ["throttled", "throttled", "throttled"], visible=False)],
        notes=(
            "Throttling is not flagged as throttle: the deserialize middleware sets throttle only for HTTP "
            "429, and DynamoDB throttles with 400, so the subsegment has error=true (from the 400) and "
            "fault=true (Segment.Close(err) -> addError always sets fault). The cause holds the error the "
            "Initialize step sees: the retry middleware's MaxAttemptsError (type retry.MaxAttemptsError); "
            "the 'operation error DynamoDB: GetItem' prefix is added outside the middleware stack and is not "
            "recorded. remote is omitted: the exception strategy marks remote only aws-sdk-go v1 "
            "awserr.RequestFailure errors. Nothing counts the attempts. The wrapped error's exact type name "
            "and message come from aws-sdk-go-v2's retry and http packages, which were not read here."
        ),
    )


def go_awsv1_attempt(ids: Ids, start: float, status: int, *, fresh: bool) -> tuple[Doc, float]:
    """aws.go: 'attempt' subsegment per try (Sign handler), httptrace children; closed with r.Error."""
    children: list[Doc] = []
    t = start + 0.0004
    if fresh:
        dns = go_sub(
            ids,
            "dns",
            t + 0.0001,
            t + 0.0019,
            metadata={
                "http": {"dns": {"addresses": [{"IP": "3.218.182.10", "Zone": ""}], "coalesced": False}}
            },
        )
        dial = go_sub(ids, "dial", t + 0.0020, t + 0.0031, metadata={"http": {"connect": {"network": "tcp"}}})
        tls = go_sub(
            ids,
            "tls",
            t + 0.0032,
            t + 0.0101,
            metadata={
                "http": {
                    "tls": {
                        "did_resume": False,
                        "negotiated_protocol": "",
                        "negotiated_protocol_is_mutual": True,
                        "cipher_suite": 4865,
                    }
                }
            },
        )
        connect = go_sub(
            ids,
            "connect",
            t,
            t + 0.0102,
            metadata={"http": {"connection": {"reused": False, "was_idle": False}}},
            subsegments=[dns, dial, tls],
        )
        children.append(connect)
        t += 0.0102
    children.append(go_sub(ids, "request", t + 0.0001, t + 0.0004))
    children.append(go_sub(ids, "response", t + 0.0004, t + 0.0071))
    end = t + 0.0083
    attempt = go_sub(ids, "attempt", start, end, subsegments=children)
    if status >= 500:
        request_id = ids.request_id()
        message = (
            f"InternalServerError: Internal server error\n\tstatus code: {status}, request id: {request_id}"
        )
        attempt["fault"] = True
        attempt["cause"] = go_error(ids, message, "awserr.requestError", remote=True)
    return attempt, end


def go_awsv1_500_500_200() -> Case:
    ids = Ids(205)
    hostname = "ip-10-0-1-77.ec2.internal"
    t0 = 1733302240.7712093
    trace = ids.trace(t0)
    start = t0 + 0.0013
    marshal = go_sub(ids, "marshal", start + 0.0001, start + 0.0003)
    a1, t = go_awsv1_attempt(ids, start + 0.0004, 500, fresh=True)
    w1 = go_sub(ids, "wait", t + 0.0001, t + 0.0412)
    a2, t = go_awsv1_attempt(ids, t + 0.0413, 500, fresh=False)
    w2 = go_sub(ids, "wait", t + 0.0001, t + 0.0915)
    a3, t = go_awsv1_attempt(ids, t + 0.0916, 200, fresh=False)
    unmarshal = go_sub(ids, "unmarshal", t + 0.0001, t + 0.0004)
    end = t + 0.0006
    sub = go_sub(
        ids,
        "dynamodb",
        start,
        end,
        namespace="aws",
        http={"response": {"status": 200, "content_length": 98}},
        aws={
            "consistent_read": None,
            "consumed_capacity": None,
            "operation": "GetItem",
            "projection_expression": None,
            "region": REGION,
            "request_id": ids.request_id(),
            "retries": 2,
            "table_name": TABLE,
        },
        subsegments=[marshal, a1, w1, a2, w2, a3, unmarshal],
    )
    seg = go_segment(ids, hostname, trace, t0, end + 0.0061, [sub])
    return Case(
        folder="go",
        name="awsv1-dynamodb-500-500-200",
        origin=go_origin("awsv1", "httptrace", "exception"),
        case=(
            "bff calls DynamoDB GetItem through an aws-sdk-go (v1) client wrapped with xray.AWS(client); "
            "DynamoDB answers 500, 500, 200 and the SDK's own retries succeed."
        ),
        documents=[seg],
        calls=[aws_call("bff", hostname, "dynamodb", [500, 500, 200], visible=True)],
        notes=(
            "The v1 handlers make the retries visible twice: aws.retries = r.RetryCount (2), and one "
            "'attempt' subsegment per try (begun in the Sign handler, closed with r.Error by the Retry "
            "handler), each failed one fault=true with the service error as a remote exception "
            "(awserr.requestError; remote because it carries a request id), separated by 'wait' subsegments "
            "that span the SDK's backoff sleep. The operation subsegment is named by ClientInfo.ServiceName "
            "('dynamodb', lower case) and ends with status 200 and no flag. Whitelisted request/response "
            "fields are looked up by reflection and written even when the pointer is nil, so "
            "consistent_read, projection_expression and consumed_capacity appear as null. With 18 "
            "subsegments in the tree this document is just under the default streaming threshold (more than "
            "20 streams completed subsegments as separate documents, type 'subsegment'). aws-sdk-go v1 "
            "support was removed from the SDK after v1.8.5."
        ),
    )


def go_awsv1_throttled() -> Case:
    ids = Ids(206)
    hostname = "ip-10-0-1-77.ec2.internal"
    t0 = 1733302300.5120411
    trace = ids.trace(t0)
    request_id = ids.request_id()
    message = (
        f"ProvisionedThroughputExceededException: {PTE_MESSAGE}\n\tstatus code: 400, request id: {request_id}"
    )
    start = t0 + 0.0013
    marshal = go_sub(ids, "marshal", start + 0.0001, start + 0.0003)
    children: list[Doc] = [marshal]
    t = start + 0.0004
    for attempt_no in range(3):
        attempt, t = go_awsv1_attempt(ids, t, 400, fresh=attempt_no == 0)
        attempt["fault"] = True
        attempt["cause"] = go_error(ids, message, "awserr.requestError", remote=True)
        children.append(attempt)
        if attempt_no < 2:
            wait = go_sub(ids, "wait", t + 0.0001, t + 0.0601 * (attempt_no + 1))
            t = wait["end_time"] + 0.0001
        else:
            # No retry left: the core AfterRetry handler neither sleeps nor clears r.Error, so the X-Ray
            # AfterRetry handler closes this last 'wait' at once, with the error.
            wait = go_sub(ids, "wait", t + 0.0001, t + 0.0002, fault=True)
            wait["cause"] = go_error(ids, message, "awserr.requestError", remote=True)
            t = wait["end_time"]
        children.append(wait)
    end = t + 0.0009
    sub = go_sub(
        ids,
        "dynamodb",
        start,
        end,
        fault=True,
        throttle=True,
        cause=go_error(ids, message, "awserr.requestError", remote=True),
        namespace="aws",
        http={"response": {"status": 400, "content_length": 225}},
        aws={
            "consistent_read": None,
            "consumed_capacity": None,
            "operation": "GetItem",
            "projection_expression": None,
            "region": REGION,
            "request_id": request_id,
            "retries": 2,
            "table_name": TABLE,
        },
        subsegments=children,
    )
    seg = go_segment(ids, hostname, trace, t0, end + 0.0052, [sub])
    seg["http"]["response"] = {"status": 503, "content_length": 41}
    seg["fault"] = True
    return Case(
        folder="go",
        name="awsv1-dynamodb-throttled",
        origin=go_origin("awsv1", "httptrace", "exception"),
        case=(
            "bff calls DynamoDB GetItem through aws-sdk-go (v1) wrapped with xray.AWS, with MaxRetries set "
            "to 2; all three attempts are throttled (ProvisionedThroughputExceededException, HTTP 400) and "
            "bff "
            "answers 503."
        ),
        documents=[seg],
        calls=[aws_call("bff", hostname, "dynamodb", ["throttled", "throttled", "throttled"], visible=True)],
        notes=(
            "The completion handler sets throttle when request.IsErrorThrottle(r.Error) "
            "(ProvisionedThroughputExceededException is a throttle code) and Close(r.Error) sets fault; "
            "nothing sets error, so a throttled v1 call is throttle+fault without error, with status 400. "
            "Every attempt is fault with the same remote exception. The attempts all saw a 400 and none "
            "carries the throttle flag. A 'wait' follows every attempt, the last one too: Retry and "
            "AfterRetry handlers run after the final failure as well, and since the SDK will not retry, "
            "r.Error is still set when the X-Ray AfterRetry handler closes that wait, so it is a near-zero "
            "fault subsegment with the same exception. consumed_capacity is null: r.Data is the empty output "
            "struct. Per-attempt request ids differ in reality; one id is used for all here."
        ),
    )


# --------------------------------------------------------------------------------------
# ADOT: opentelemetry-collector-contrib exporter/awsxrayexporter
# --------------------------------------------------------------------------------------

OTEL_FILES = (
    "exporter/awsxrayexporter/internal/translator/segment.go@05acd2aa, "
    "exporter/awsxrayexporter/internal/translator/http.go (semconv v1.39.0 version), "
    "exporter/awsxrayexporter/internal/translator/cause.go@4eaeebb3, "
    "exporter/awsxrayexporter/internal/translator/aws.go@0801b465, "
    "exporter/awsxrayexporter/internal/translator/service.go@463d7730, "
    "internal/aws/xray/tracesegment.go@1d376147, internal/aws/xray/util.go@945ff0ef, "
    "internal/aws/xray/awsxray.go@867d14b2"
)
OTEL_ORIGIN = (
    f"built from {OTEL_REPO} (files at the commits named): {OTEL_FILES}; spans as the OpenTelemetry Java "
    f"agent "
    "2.x records them (okhttp-3.0 and aws-sdk-2.2 instrumentations, stable HTTP semantic conventions, AWS "
    "ECS resource detector on Fargate)"
)
OTEL_SDK = "1.44.1"


@dataclass
class FargateTask:
    task_id: str
    container_uuid: str
    zone: str

    @property
    def task_arn(self) -> str:
        return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/shop/{self.task_id}"

    @property
    def container_id(self) -> str:
        return f"{self.task_id}-{int(self.container_uuid[:8], 16) % 10**10:010d}"

    @property
    def container_arn(self) -> str:
        return f"arn:aws:ecs:{REGION}:{ACCOUNT}:container/shop/{self.task_id}/{self.container_uuid}"


def fargate_task(ids: Ids, zone: str) -> FargateTask:
    u = ids.hexstr(128)
    uuid = f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}"
    return FargateTask(task_id=ids.hexstr(128), container_uuid=uuid, zone=zone)


def otel_resource(task: FargateTask) -> dict[str, Any]:
    """Resource attributes of the bff task: SDK defaults, service attributes, ECS detector."""
    log_group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/bff"
    return {
        "service.name": "bff",
        "service.version": "1.4.2",
        "telemetry.sdk.name": "opentelemetry",
        "telemetry.sdk.language": "java",
        "telemetry.sdk.version": OTEL_SDK,
        "telemetry.distro.name": "opentelemetry-java-instrumentation",
        "telemetry.distro.version": "2.10.0",
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "cloud.region": REGION,
        "cloud.account.id": ACCOUNT,
        "cloud.availability_zone": task.zone,
        "cloud.resource_id": task.container_arn,
        "container.id": task.container_id,
        "container.name": "bff",
        "aws.ecs.container.arn": task.container_arn,
        "aws.ecs.cluster.arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/shop",
        "aws.ecs.launchtype": "fargate",
        "aws.ecs.task.arn": task.task_arn,
        "aws.ecs.task.family": "bff",
        "aws.ecs.task.revision": "7",
        "aws.log.group.names": ["/ecs/bff"],
        "aws.log.group.arns": [log_group_arn],
    }


def otel_aws_block(task: FargateTask) -> Doc:
    """aws.go makeAws: written on every document, segment or subsegment."""
    return {
        "ecs": {
            "container": "bff",
            "container_id": task.container_id,
            "task_arn": task.task_arn,
            "task_family": "bff",
            "cluster_arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/shop",
            "container_arn": task.container_arn,
            "availability_zone": task.zone,
            "launch_type": "fargate",
        },
        "cloudwatch_logs": [
            {"log_group": "/ecs/bff", "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/bff"}
        ],
        "xray": {"sdk": "opentelemetry for java", "sdk_version": OTEL_SDK, "auto_instrumentation": False},
        "account_id": ACCOUNT,
    }


def otel_time(t: float) -> float:
    return round(t, 6)


def otel_doc(
    name: str, span_id: str, trace: str, start: float, end: float, task: FargateTask, **fields: Any
) -> Doc:
    doc: Doc = {
        "name": name,
        "id": span_id,
        "start_time": otel_time(start),
        "service": {"version": "1.4.2"},
        "origin": "AWS::ECS::Fargate",
        "trace_id": trace,
        "end_time": otel_time(end),
        "fault": False,
        "error": False,
        "throttle": False,
        "aws": otel_aws_block(task),
    }
    doc.update(fields)
    return doc


def otel_server_segment(
    task: FargateTask, span_id: str, trace: str, start: float, end: float, status: int = 200
) -> Doc:
    """SERVER span -> segment; resource attributes go to metadata.default as otel.resource.*."""
    metadata = {f"otel.resource.{k}": v for k, v in otel_resource(task).items()}
    metadata.update(
        {"http.route": "/checkout", "network.protocol.version": "1.1", "network.peer.port": 41822}
    )
    doc = otel_doc(
        "bff",
        span_id,
        trace,
        start,
        end,
        task,
        http={
            "request": {
                "method": "POST",
                "url": BFF_URL,
                "user_agent": ALB_USER_AGENT,
                "client_ip": CLIENT_IP,
            },
            "response": {"status": status, "content_length": 0},
        },
        metadata={"default": metadata},
    )
    if status >= 500:
        doc["fault"] = True
    return doc


def otel_http_client(
    ids: Ids,
    task: FargateTask,
    trace: str,
    parent: str,
    start: float,
    end: float,
    status: int | None,
    resend: int,
) -> Doc:
    """okhttp CLIENT span -> independent subsegment; span name 'GET' becomes the subsegment name."""
    metadata: dict[str, Any] = {"network.protocol.version": "1.1"}
    if resend:
        metadata["http.request.resend_count"] = resend
    http: Doc = {"request": {"method": "GET", "url": ORDERS_URL}, "response": {"content_length": 0}}
    if status is not None:
        http["response"] = {"status": status, "content_length": 0}
        if status >= 400:
            metadata["error.type"] = str(status)
    doc = otel_doc(
        "GET",
        ids.span(),
        trace,
        start,
        end,
        task,
        http=http,
        metadata={"default": metadata},
        namespace="remote",
        parent_id=parent,
        type="subsegment",
    )
    if status is not None and status >= 500:
        doc["fault"] = True
    return doc


def otel_okhttp_503_503_200() -> Case:
    ids = Ids(301)
    task = fargate_task(ids, f"{REGION}a")
    t0 = 1733303000.118235
    trace = ids.trace(t0)
    server_id = ids.span()
    clients = [
        otel_http_client(ids, task, trace, server_id, t0 + 0.004112, t0 + 0.019487, 503, 0),
        otel_http_client(ids, task, trace, server_id, t0 + 0.121301, t0 + 0.133078, 503, 1),
        otel_http_client(ids, task, trace, server_id, t0 + 0.335944, t0 + 0.351212, 200, 2),
    ]
    server = otel_server_segment(task, server_id, trace, t0, t0 + 0.362019)
    return Case(
        folder="adot",
        name="okhttp-503-503-200-resend-count",
        origin=OTEL_ORIGIN,
        case=(
            "bff (Java, OpenTelemetry Java agent 2.x, ADOT collector awsxray exporter, ECS Fargate) calls "
            "GET "
            "http://orders.shop.local:8080/orders/42 with OkHttp whose application interceptor retries 5xx "
            "(100 ms, 200 ms backoff): 503, 503, 200; each attempt is a CLIENT span, a direct child of the "
            "SERVER span, the 2nd and 3rd with http.request.resend_count 1 and 2."
        ),
        documents=[*clients, server],
        calls=[http_call("bff", task.task_arn, [503, 503, 200])],
        notes=(
            "The exporter turns every span into its own document: the SERVER span becomes the segment, each "
            "CLIENT span an independent subsegment (type 'subsegment', trace_id, parent_id = the SERVER span "
            "id), nothing is embedded. Documents are listed in export order (client spans end first); the "
            "exporter sends them with PutTraceSegments, there is no daemon. fault/error/throttle are always "
            "written, false included (pointer fields). The subsegment NAME IS 'GET': the name comes from "
            "aws.remote.service, peer.service, aws.service, db.name, rpc.service, http.host or net.peer.name "
            "and none is set under the stable HTTP conventions, so the span name (the method) is used; the "
            "host is only in http.request.url (url.full). With ADOT Application Signals on, "
            "aws.remote.service "
            "would name it. Namespace 'remote' because the span kind is CLIENT. Consumed attributes "
            "(http.request.method, url.full, server.address, server.port, http.response.status_code) leave "
            "the span; everything else, http.request.resend_count included, lands in metadata.default "
            "(only indexed_attributes / index_all_attributes or aws.xray.annotations make annotations). The "
            "resend count is the only retry marker: the first attempt has none. content_length is always "
            "written, 0 unless a 'message.type: RECEIVED' size is present. 503 sets fault from "
            "http.response.status_code; the status description is empty so there is no cause. Every document "
            "repeats aws.ecs/xray/account_id and origin from the resource; only the segment carries the "
            "resource attributes as otel.resource.* metadata. auto_instrumentation is false because agent "
            "2.x "
            "no longer sets telemetry.auto.version. The trace id must start with the epoch (X-Ray id "
            "generator) or the exporter rejects the span. Times are nanoseconds / 1e9, shown to 6 places."
        ),
    )


def otel_ecs_two_tasks() -> Case:
    ids = Ids(302)
    task_a = fargate_task(ids, f"{REGION}a")
    task_b = fargate_task(ids, f"{REGION}b")
    documents: list[Doc] = []
    calls: list[Call] = []
    for n, task in enumerate((task_a, task_b)):
        t0 = 1733303100.204518 + n * 0.731
        trace = ids.trace(t0)
        server_id = ids.span()
        documents.append(otel_http_client(ids, task, trace, server_id, t0 + 0.003917, t0 + 0.016204, 200, 0))
        documents.append(otel_server_segment(task, server_id, trace, t0, t0 + 0.024330))
        calls.append(http_call("bff", task.task_arn, [200]))
    return Case(
        folder="adot",
        name="ecs-two-tasks-same-container-name",
        origin=OTEL_ORIGIN,
        case=(
            "Two bff tasks of the same ECS Fargate service each serve one checkout and call GET "
            "http://orders.shop.local:8080/orders/42 once (200); both export through ADOT."
        ),
        documents=documents,
        calls=calls,
        notes=(
            "aws.ecs.container is the resource attribute container.name, which on Fargate is the container "
            "name of the task definition ('bff'): the SAME for every task of the service. What tells the "
            "tasks apart is aws.ecs.task_arn (aws.ecs.task.arn), aws.ecs.container_id (container.id, "
            "'<task id>-<number>' on Fargate) and container_arn; so 'instance' in calls is the task ARN. The "
            "mapping is aws.go makeAws (ECS block only when cloud.platform is aws_ecs). The X-Ray SDKs' ECS "
            "plugins instead put the hostname in aws.ecs.container, which differs per task."
        ),
    )


def otel_sdk_span(
    ids: Ids, task: FargateTask, trace: str, parent: str, start: float, end: float, status: int
) -> Doc:
    request_id = ids.request_id()
    metadata = {
        "rpc.system": "aws-api",
        "rpc.service": "DynamoDb",
        "aws.agent": "java-aws-sdk",
        "aws.dynamodb.table_names": [TABLE],
    }
    aws = otel_aws_block(task)
    aws.update({"operation": "GetItem", "request_id": request_id, "table_name": TABLE})
    doc = otel_doc(
        "DynamoDb",
        ids.span(),
        trace,
        start,
        end,
        task,
        http={
            "request": {"method": "POST", "url": DDB_ENDPOINT},
            "response": {"status": status, "content_length": 0},
        },
        aws=aws,
        metadata={"default": metadata},
        namespace="aws",
        parent_id=parent,
        type="subsegment",
    )
    return doc


def otel_dynamodb_500_500_200() -> Case:
    ids = Ids(303)
    task = fargate_task(ids, f"{REGION}a")
    t0 = 1733303200.006104
    trace = ids.trace(t0)
    server_id = ids.span()
    sdk = otel_sdk_span(ids, task, trace, server_id, t0 + 0.001821, t0 + 0.093477, 200)
    server = otel_server_segment(task, server_id, trace, t0, t0 + 0.100963)
    return Case(
        folder="adot",
        name="dynamodb-getitem-500-500-200",
        origin=OTEL_ORIGIN,
        case=(
            "bff calls DynamoDB GetItem on table orders with the AWS SDK for Java v2 under the OpenTelemetry "
            "Java agent; DynamoDB answers 500, 500, 200 and the SDK's own retries succeed."
        ),
        documents=[sdk, server],
        calls=[aws_call("bff", task.task_arn, "DynamoDb", [500, 500, 200], visible=False)],
        notes=(
            "rpc.system 'aws-api' makes the namespace 'aws'; the name is rpc.service ('DynamoDb'), the "
            "operation rpc.method; aws.dynamodb.table_names with one entry becomes aws.table_name (several "
            "entries would become aws.table_names), and the attribute also stays in metadata.default. "
            "aws.request_id becomes aws.request_id. The SDK instrumentation makes one span per SDK call (the "
            "HTTP client below is suppressed), so the two 500s leave nothing: no aws.retries (the exporter "
            "never writes it), no flag, no resend count. If an instrumentation adds 'HTTP request failure' "
            "events with http.response.status_code and aws.http.error_message to an aws-api span, cause.go "
            "turns each into a remote exception of type aws.http.error.event (message "
            "'<status>@<epoch>@<message>'), which would make failed attempts visible; the Java agent is not "
            "known to emit them, so none is modelled."
        ),
    )


def java_stacktrace_frames(stacktrace: str) -> list[list[Doc]]:
    """cause.go fillJavaStacktrace: frames of each exception in a Java stack trace, in order."""
    frames: list[list[Doc]] = [[]]
    for line in stacktrace.split("\n")[1:]:
        if line.startswith("\tat ") and "(" in line and line.endswith(")"):
            paren = line.index("(")
            label = line[len("\tat ") : paren]
            if "/" in label:
                label = label[label.index("/") + 1 :]
            path = line[paren + 1 : -1]
            number = 0
            if ":" in path:
                path, digits = path.split(":", 1)
                number = int(digits)
            frames[-1].append({"path": path, "label": label, "line": number})
        elif line.startswith("Caused by: "):
            frames.append([])
    return frames


def otel_dynamodb_throttled() -> Case:
    ids = Ids(304)
    task = fargate_task(ids, f"{REGION}a")
    t0 = 1733303300.250117
    trace = ids.trace(t0)
    server_id = ids.span()
    sdk = otel_sdk_span(ids, task, trace, server_id, t0 + 0.001704, t0 + 0.911842, 400)
    request_id = sdk["aws"]["request_id"]
    exc_type = PTE_JAVA_TYPE
    message = f"{PTE_MESSAGE} (Service: DynamoDb, Status Code: 400, Request ID: {request_id})"
    stacktrace = "\n".join(
        [
            f"{exc_type}: {message}",
            "\tat software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleErrorResponse"
            "(CombinedResponseHandler.java:125)",
            "\tat software.amazon.awssdk.services.dynamodb.DefaultDynamoDbClient.getItem"
            "(DefaultDynamoDbClient.java:3419)",
            "\tat com.example.bff.OrdersRepository.find(OrdersRepository.java:47)",
            "\tat com.example.bff.CheckoutController.checkout(CheckoutController.java:35)",
        ]
    )
    frames = java_stacktrace_frames(stacktrace)
    sdk["error"] = True
    sdk["cause"] = {
        "exceptions": [
            {"id": ids.span(), "message": message, "type": exc_type, "remote": True, "stack": frames[0]}
        ]
    }
    sdk["metadata"]["default"]["error.type"] = exc_type
    server = otel_server_segment(task, server_id, trace, t0, t0 + 0.924511, status=503)
    return Case(
        folder="adot",
        name="dynamodb-getitem-throttled",
        origin=OTEL_ORIGIN,
        case=(
            "bff calls DynamoDB GetItem with the AWS SDK for Java v2 (3 attempts) under the OpenTelemetry "
            "Java "
            "agent; every attempt is throttled (ProvisionedThroughputExceededException, HTTP 400), the call "
            "fails with an exception event and bff answers 503."
        ),
        documents=[sdk, server],
        calls=[
            aws_call("bff", task.task_arn, "DynamoDb", ["throttled", "throttled", "throttled"], visible=False)
        ],
        notes=(
            "Flags come from http.response.status_code alone: 400 -> error; throttle is set only for 429, so "
            "a DynamoDB throttle is NOT flagged throttle. The exception event becomes the cause: type and "
            "message from exception.type/exception.message, remote true because the span kind is CLIENT, "
            "stack parsed from exception.stacktrace by the Java parser (label, path, line; 'Caused by:' "
            "lines would add linked exceptions). No working_directory. The throttled retries are invisible."
        ),
    )


def otel_okhttp_refused_then_200() -> Case:
    ids = Ids(305)
    task = fargate_task(ids, f"{REGION}a")
    t0 = 1733303400.402118
    trace = ids.trace(t0)
    server_id = ids.span()
    refused = otel_http_client(ids, task, trace, server_id, t0 + 0.002544, t0 + 0.004219, None, 0)
    outer = f"Failed to connect to {ORDERS_HOST}/{ORDERS_IP}:{ORDERS_PORT}"
    stacktrace = "\n".join(
        [
            f"java.net.ConnectException: {outer}",
            "\tat okhttp3.internal.connection.RealConnection.connectSocket(RealConnection.kt:297)",
            "\tat okhttp3.internal.connection.RealConnection.connect(RealConnection.kt:207)",
            "\tat okhttp3.internal.connection.ExchangeFinder.findConnection(ExchangeFinder.kt:226)",
            "\tat com.example.bff.RetryInterceptor.intercept(RetryInterceptor.java:31)",
            "\tat com.example.bff.OrdersClient.getOrder(OrdersClient.java:41)",
            "Caused by: java.net.ConnectException: Connection refused",
            "\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)",
            "\tat java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:547)",
            "\tat java.base/java.net.Socket.connect(Socket.java:633)",
            "\t... 20 more",
        ]
    )
    frames = java_stacktrace_frames(stacktrace)
    inner_id = ids.span()
    refused["fault"] = True
    refused["cause"] = {
        "exceptions": [
            {
                "id": ids.span(),
                "message": outer,
                "type": "java.net.ConnectException",
                "remote": True,
                "cause": inner_id,
                "stack": frames[0],
            },
            {
                "id": inner_id,
                "message": "Connection refused",
                "type": "java.net.ConnectException",
                "remote": True,
                "stack": frames[1],
            },
        ]
    }
    refused["metadata"]["default"] = {"error.type": "java.net.ConnectException"}
    ok = otel_http_client(ids, task, trace, server_id, t0 + 0.106127, t0 + 0.121940, 200, 1)
    server = otel_server_segment(task, server_id, trace, t0, t0 + 0.129302)
    return Case(
        folder="adot",
        name="okhttp-refused-exception-event",
        origin=OTEL_ORIGIN,
        case=(
            "bff calls GET http://orders.shop.local:8080/orders/42 with OkHttp under the OpenTelemetry Java "
            "agent; the connection is refused (exception event on the CLIENT span, no status code), the "
            "application interceptor retries after 100 ms and gets 200 (resend_count 1)."
        ),
        documents=[refused, ok, server],
        calls=[http_call("bff", task.task_arn, ["refused", 200])],
        notes=(
            "No http.response.status_code, span status ERROR: makeCause sets fault (not error). The "
            "exception "
            "event becomes the cause; the Java parser splits 'Caused by:' into a second exception linked by "
            "'cause', remote true on both (CLIENT span). http.response is still written with only "
            "content_length 0 (makeHTTP always sets it once the span has HTTP attributes). The failed "
            "connection's span comes from the okhttp instrumentation's connection-error interceptor, as its "
            "network interceptor never runs; it has the method and URL but no status. Whether okhttp records "
            "network.protocol.version on the failed span is not determined (left out)."
        ),
    )


BUILDERS: tuple[Callable[[], Case], ...] = (
    java_apache_503_503_200,
    java_apache_refused_then_200,
    java_v2_500_500_200,
    java_v2_throttled,
    java_v1_500_500_200,
    go_http_503_503_200,
    go_http_refused_then_200,
    go_awsv2_500_500_200,
    go_awsv2_throttled,
    go_awsv1_500_500_200,
    go_awsv1_throttled,
    otel_okhttp_503_503_200,
    otel_ecs_two_tasks,
    otel_dynamodb_500_500_200,
    otel_dynamodb_throttled,
    otel_okhttp_refused_then_200,
)


def main() -> None:
    for build in BUILDERS:
        print(build().write().relative_to(HERE))


if __name__ == "__main__":
    main()
