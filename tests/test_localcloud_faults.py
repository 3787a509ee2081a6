"""Faults on a running localcloud, set and cleared through the control API: each harm is observed
through the real listeners (a dependency edge's proxy, the SQS endpoint, the scheduler), and so is
the recovery after it is cleared. Every endpoint's request and answer is checked against its model
of gameday.localcloud.api here too, on the same stack."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from http_double import http_double
from localcloud_apps.stacks import answer_of, echo_service, http, running_stack, write_stack

from gameday.localcloud.api import (
    ActivitiesAnswer,
    BlackholeSpec,
    DesiredChanged,
    DesiredCount,
    ErrorAnswer,
    EventsAnswer,
    LatencySpec,
    MetricsAnswer,
    PathFaultCleared,
    PathFaultSet,
    PlatformState,
    QueueFaultCleared,
    QueueFaultSet,
    QueueFaultSpec,
    StressRequest,
    StressStarted,
    StressStopped,
    SuspendedState,
    SuspensionChanged,
    TaskStopped,
    TaskStopRequest,
    TracesAnswer,
)
from gameday.localcloud.client import LocalcloudClient, LocalcloudError
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import wait_until

EDGE = "bff->catalog"
EDGE_URL = "/paths/bff-%3Ecatalog"
HANG_S = 1.0  # how long a request must go unanswered to count as hanging
# min = max: the autoscaler never changes catalog's count, yet its scaling shows and can be suspended
HELD_AT_ONE = {"min": 1, "max": 1, "policy": {"type": "target-tracking", "metric": "cpu", "target": 50}}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLocalcloud]:
    directory = tmp_path_factory.mktemp("localcloud-faults")
    stack = write_stack(
        directory,
        {
            "bff": echo_service(1, depends_on=["catalog"]),
            "catalog": echo_service(1, scaling=HELD_AT_ONE),
            "worker": echo_service(1, queues=["orders"]),
        },
        entry="bff",
        queues={"orders": {"visibility_timeout": "30s"}},
    )
    with running_stack(stack) as running:
        yield running


@pytest.fixture
def edge(cloud: RunningLocalcloud) -> Iterator[tuple[str, int]]:
    """The edge's proxy address; the edge is healthy again afterwards, whatever the test did."""
    address = urlsplit(cloud.client.state().paths[EDGE])
    yield str(address.hostname), int(address.port or 0)
    cloud.client.clear_path_fault(EDGE)


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


def _connection(address: tuple[str, int], timeout_s: float = 5.0) -> HTTPConnection:
    return HTTPConnection(*address, timeout=timeout_s)


def _get(connection: HTTPConnection, path: str = "/whoami") -> int:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status


def _flows(address: tuple[str, int]) -> bool:
    connection = _connection(address)
    try:
        return all(_get(connection) == 200 for _ in range(3))
    finally:
        connection.close()


def test_blackhole_hangs_new_and_open_connections_until_cleared(
    cloud: RunningLocalcloud, edge: tuple[str, int]
) -> None:
    opened = _connection(edge, timeout_s=HANG_S)
    assert _get(opened) == 200
    applied = cloud.client.set_path_fault(EDGE, "blackhole")
    assert applied == BlackholeSpec()
    assert cloud.client.state().path_faults[EDGE] == BlackholeSpec()
    with pytest.raises(TimeoutError):
        _get(opened)
    with pytest.raises(TimeoutError):
        _get(_connection(edge, timeout_s=HANG_S))
    cloud.client.clear_path_fault(EDGE)
    assert cloud.client.state().path_faults[EDGE] is None
    assert _flows(edge)


def test_reset_closes_new_and_open_connections_with_a_reset(
    cloud: RunningLocalcloud, edge: tuple[str, int]
) -> None:
    opened = _connection(edge)
    assert _get(opened) == 200
    cloud.client.set_path_fault(EDGE, "reset")
    with pytest.raises(ConnectionResetError):
        _get(opened)
    with pytest.raises(ConnectionResetError), socket.create_connection(edge, timeout=5) as sock:
        # the reset may land while connecting, on the send or on the read
        sock.sendall(b"GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n")
        if not sock.recv(1024):
            raise AssertionError("closed without a reset")
    cloud.client.clear_path_fault(EDGE)
    assert _flows(edge)


def test_latency_delays_each_request_by_at_least_the_delay(
    cloud: RunningLocalcloud, edge: tuple[str, int]
) -> None:
    opened = _connection(edge)
    assert _get(opened) == 200
    applied = cloud.client.set_path_fault(EDGE, "latency", delay_ms=300, jitter_ms=50)
    assert applied == LatencySpec(delay_ms=300, jitter_ms=50)
    for connection in (opened, _connection(edge)):
        started = time.monotonic()
        assert _get(connection) == 200
        assert time.monotonic() - started >= 0.25
    cloud.client.clear_path_fault(EDGE)
    assert _flows(edge)


def test_http_errors_answer_about_the_share_with_the_status(
    cloud: RunningLocalcloud, edge: tuple[str, int]
) -> None:
    cloud.client.set_path_fault(EDGE, "http-errors", share=0.5, status=503)
    connection = _connection(edge)  # one keep-alive connection carries every request
    statuses = [_get(connection) for _ in range(200)]
    assert set(statuses) == {200, 503}
    assert 60 <= statuses.count(503) <= 140
    connection.request("POST", "/orders", body=b'{"id": 1}', headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    body = response.read()
    assert response.status in {200, 503}
    if response.status == 200:
        assert b'{\\"id\\": 1}' in body  # the echo app saw the whole body
    cloud.client.set_path_fault(EDGE, "http-errors", share=1, status=429)
    assert {_get(_connection(edge)) for _ in range(5)} == {429}
    cloud.client.clear_path_fault(EDGE)
    assert _flows(edge)


def test_http_errors_reach_keep_alive_connections_opened_before_the_fault(
    cloud: RunningLocalcloud, edge: tuple[str, int]
) -> None:
    opened = _connection(edge)
    assert _get(opened) == 200
    cloud.client.set_path_fault(EDGE, "http-errors", share=1, status=500)
    with pytest.raises(ConnectionError):  # closed by the proxy, so the client reconnects into the fault
        _get(opened)
    assert _get(opened) == 500


def test_keep_alive_connections_opened_inside_http_errors_heal_when_cleared(
    cloud: RunningLocalcloud, edge: tuple[str, int]
) -> None:
    cloud.client.set_path_fault(EDGE, "http-errors", share=1, status=503)
    inside = _connection(edge)
    assert _get(inside) == 503
    cloud.client.clear_path_fault(EDGE)
    assert [_get(inside) for _ in range(20)] == [200] * 20


def test_a_blackhole_after_http_errors_hangs_the_connections_opened_inside_them(
    cloud: RunningLocalcloud, edge: tuple[str, int]
) -> None:
    cloud.client.set_path_fault(EDGE, "http-errors", share=0, status=503)
    inside = _connection(edge, timeout_s=HANG_S)
    assert _get(inside) == 200
    cloud.client.set_path_fault(EDGE, "blackhole")
    with pytest.raises(TimeoutError):
        _get(inside)
    cloud.client.clear_path_fault(EDGE)
    assert _flows(edge)


def test_http_errors_relay_a_body_they_cannot_frame(cloud: RunningLocalcloud, edge: tuple[str, int]) -> None:
    cloud.client.set_path_fault(EDGE, "http-errors", share=0, status=503)
    connection = _connection(edge)
    connection.request("POST", "/chunked", body=iter([b"part one, ", b"part two"]), encode_chunked=True)
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())["body"]) == (200, "part one, part two")
    assert _get(connection) == 200  # the rest of the connection is a raw relay


def test_bad_path_faults_are_clear_errors(cloud: RunningLocalcloud) -> None:
    with pytest.raises(LocalcloudError, match="no path named 'bff->nowhere'") as unknown:
        cloud.client.set_path_fault("bff->nowhere", "reset")
    assert unknown.value.status == 404
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("latency", {}, "delay_ms: Field required"),
        ("latency", {"delay_ms": -1}, "delay_ms"),
        ("http-errors", {"share": 2}, "share"),
        ("http-errors", {"share": 0.5, "status": 404}, "status must be 429 or a 5xx code"),
        ("blackhole", {"share": 1}, "share: Extra inputs are not permitted"),
        ("slow", {}, "mode: must be one of blackhole, reset, latency, http-errors"),
    ]
    for mode, params, message in cases:
        status, answer, _ = http(
            "PUT", cloud.client.base_url + EDGE_URL + "/fault", _json({"mode": mode, **params})
        )
        assert status == 400 and re.search(message, ErrorAnswer.model_validate(answer).error), answer
        with pytest.raises(LocalcloudError, match=message) as refused:  # the client's model refuses it first
            cloud.client.set_path_fault(EDGE, mode, **params)
        assert refused.value.status == 400
    assert cloud.client.state().path_faults[EDGE] is None
    cloud.client.clear_path_fault(EDGE)  # clearing a healthy edge is fine
    status, _, _ = http("PUT", cloud.client.base_url + EDGE_URL + "/fault", body=b"not json")
    assert status == 400


def _sqs(cloud: RunningLocalcloud) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=cloud.client.state().sqs_endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}),
    )


def test_queue_throttling_rejects_about_the_share_of_sends(cloud: RunningLocalcloud) -> None:
    sqs = _sqs(cloud)
    url = cloud.client.state().queues["orders"].url
    applied = cloud.client.set_queue_fault("orders", throttle_share=0.5)
    assert applied == QueueFaultSpec(throttle_share=0.5, delay_s=0.0)
    assert cloud.client.state().queue_faults["orders"] == applied
    throttled = 0
    for _ in range(80):
        try:
            sqs.send_message(QueueUrl=url, MessageBody="x")
        except sqs.exceptions.RequestThrottled:
            throttled += 1
    assert 20 <= throttled <= 60
    cloud.client.clear_queue_fault("orders")
    assert cloud.client.state().queue_faults["orders"] is None
    for _ in range(10):
        sqs.send_message(QueueUrl=url, MessageBody="x")


def test_queue_delay_holds_messages_until_it_has_passed(cloud: RunningLocalcloud) -> None:
    sqs = _sqs(cloud)
    url = cloud.client.state().queues["orders"].url
    cloud.client.set_queue_fault("orders", delay_s=2)
    sent = sqs.send_message(QueueUrl=url, MessageBody="late")["MessageId"]
    cloud.client.clear_queue_fault("orders")  # the delay stays on what was sent under it
    ids: set[str] = set()
    held = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    ids.update(message["MessageId"] for message in held.get("Messages", []))
    assert sent not in ids
    deadline = time.monotonic() + 10
    while sent not in ids and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        ids.update(message["MessageId"] for message in answer.get("Messages", []))
    assert sent in ids


def test_bad_queue_faults_are_clear_errors(cloud: RunningLocalcloud) -> None:
    with pytest.raises(LocalcloudError, match="no queue named 'nope'") as unknown:
        cloud.client.set_queue_fault("nope", throttle_share=1)
    assert unknown.value.status == 404
    with pytest.raises(LocalcloudError, match="throttle_share") as bad:
        cloud.client.set_queue_fault("orders", throttle_share=1.5)
    assert bad.value.status == 400
    with pytest.raises(LocalcloudError, match="above zero"):
        cloud.client.set_queue_fault("orders")


def test_desired_count_stops_and_starts_tasks(cloud: RunningLocalcloud) -> None:
    def running(service: str) -> int:
        return cloud.client.state().services[service].running

    assert cloud.client.set_desired("worker", 0) == 1
    assert cloud.client.state().services["worker"].desired == 0
    assert wait_until(lambda: running("worker") == 0, 10)
    time.sleep(1.0)  # longer than the start delay: nothing replaces the stopped task
    assert running("worker") == 0
    assert cloud.client.set_desired("worker", 1) == 0
    assert wait_until(lambda: cloud.client.state().ready, 15)
    assert running("worker") == 1
    with pytest.raises(LocalcloudError, match="no service named 'nope'"):
        cloud.client.set_desired("nope", 1)
    with pytest.raises(LocalcloudError, match="count") as bad:
        cloud.client.set_desired("worker", -1)
    assert bad.value.status == 400


def test_every_endpoint_reads_its_body_and_answers_in_its_model(cloud: RunningLocalcloud) -> None:
    base, since = cloud.client.base_url, time.time()
    state = answer_of(base, "GET", "/state", PlatformState)
    [catalog] = [task.id for task in state.services["catalog"].tasks if task.status == "RUNNING"]
    [worker] = [task.id for task in state.services["worker"].tasks if task.status == "RUNNING"]

    changed = answer_of(base, "PUT", "/services/catalog/desired", DesiredChanged, DesiredCount(count=1))
    assert changed == DesiredChanged(service="catalog", desired=1, previous=1)
    held = SuspendedState(scale_in=True)
    suspended = answer_of(base, "PUT", "/services/catalog/scaling/suspended", SuspensionChanged, held)
    assert (suspended.suspended_state, suspended.previous) == (held, SuspendedState())
    stressed = answer_of(
        base, "PUT", "/services/catalog/stress", StressStarted, StressRequest(load_percent=10)
    )
    assert list(stressed.burners) == [catalog]
    latency, delay = LatencySpec(delay_ms=5), QueueFaultSpec(delay_s=1)
    assert answer_of(base, "PUT", EDGE_URL + "/fault", PathFaultSet, latency).fault == latency
    assert answer_of(base, "PUT", "/queues/orders/fault", QueueFaultSet, delay).fault == delay

    shown = answer_of(base, "GET", "/state", PlatformState)  # with every optional part filled in
    assert (shown.path_faults[EDGE], shown.queue_faults["orders"]) == (latency, delay)
    scaling = shown.services["catalog"].scaling
    assert scaling is not None and (scaling.min, scaling.max, scaling.suspended_state) == (1, 1, held)
    stress = {task.id: task.stress for task in shown.services["catalog"].tasks}[catalog]
    assert stress is not None and (stress.load_percent, stress.pid) == (10, stressed.burners[catalog])

    assert answer_of(base, "DELETE", EDGE_URL + "/fault", PathFaultCleared) == PathFaultCleared(path=EDGE)
    assert answer_of(base, "DELETE", "/queues/orders/fault", QueueFaultCleared).fault is None
    assert answer_of(base, "DELETE", "/services/catalog/stress", StressStopped).stopped == [catalog]
    assert cloud.client.set_scaling_suspended("catalog", scale_in=False, scale_out=False) == held
    stop = TaskStopRequest(reason="round trip")
    stopped = answer_of(base, "POST", f"/services/worker/tasks/{worker}/stop", TaskStopped, stop)
    assert stopped.task_id == worker
    segment = {"trace_id": "1-5759e988-bd862e3fe1be46a994272793", "id": "70de5b6f19ff9a0a", "name": "api"}
    host, port = shown.xray_daemon.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b'{"format": "json", "version": 1}\n' + _json(segment), (host, int(port)))

    window = f"?since={since!r}"
    events = answer_of(base, "GET", "/events" + window, EventsAnswer).events
    assert any(e.task_id == worker and e.kind == "stopped" and e.reason == "round trip" for e in events)
    assert wait_until(lambda: answer_of(base, "GET", "/metrics" + window, MetricsAnswer).metrics != [], 5)
    assert wait_until(
        lambda: answer_of(base, "GET", "/traces" + window, TracesAnswer).documents == [segment], 5
    )
    assert answer_of(base, "GET", "/scaling/activities" + window, ActivitiesAnswer).activities == []
    assert wait_until(lambda: cloud.client.state().ready, 15)


def test_a_malformed_body_is_a_400_naming_the_field(cloud: RunningLocalcloud) -> None:
    [worker] = [task.id for task in cloud.client.state().services["worker"].tasks if task.status == "RUNNING"]
    cases: list[tuple[str, str, bytes, str]] = [
        ("PUT", "/services/worker/desired", _json({"count": "2"}), "count: Input should be a valid integer"),
        ("PUT", "/services/worker/desired", _json({"desired": 2}), "count: Field required"),
        ("POST", f"/services/worker/tasks/{worker}/stop", _json({"reason": 7}), "reason: Input should be a"),
        (
            "PUT",
            "/services/catalog/scaling/suspended",
            _json({"DynamicScalingInSuspended": "yes"}),
            "DynamicScalingInSuspended: Input should be a valid boolean",
        ),
        ("PUT", "/services/catalog/stress", _json({"tasks": "all"}), "tasks: Input should be a valid array"),
        ("DELETE", "/services/catalog/stress", _json({"task": []}), "task: Extra inputs are not permitted"),
        (
            "PUT",
            EDGE_URL + "/fault",
            _json({"mode": "latency", "delay_ms": "x"}),
            "delay_ms: Input should be",
        ),
        ("PUT", "/queues/orders/fault", _json({"delay_s": -1}), "delay_s: Input should be greater than"),
        ("PUT", "/queues/orders/fault", b"[1, 2", "body: Invalid JSON"),
    ]
    for method, path, body, message in cases:
        status, answer, _ = http(
            method, cloud.client.base_url + path, body, {"Content-Type": "application/json"}
        )
        assert status == 400, (path, answer)
        assert message in ErrorAnswer.model_validate(answer).error, (path, answer)
    state = cloud.client.state()  # nothing was changed
    running = [task.id for task in state.services["worker"].tasks if task.status == "RUNNING"]
    assert (state.services["worker"].desired, running) == (1, [worker])
    assert state.path_faults[EDGE] is None and state.queue_faults["orders"] is None


def test_the_client_refuses_a_request_its_model_refuses_without_sending_it() -> None:
    nobody = LocalcloudClient("http://127.0.0.1:9")  # discard port: a request sent would fail with status 0
    with pytest.raises(LocalcloudError, match="count: Input should be greater than or equal to 0") as refused:
        nobody.set_desired("worker", -1)
    assert refused.value.status == 400


def test_an_answer_of_another_shape_is_a_clear_error_though_the_localcloud_is_reachable() -> None:
    with http_double() as other:  # answers {} to everything, as no version of the control API does
        client = LocalcloudClient(other.url)
        assert client.reachable()
        with pytest.raises(
            LocalcloudError, match="the answer does not fit PlatformState: stack: Field required"
        ):
            client.state()
