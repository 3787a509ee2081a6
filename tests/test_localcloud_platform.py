"""localcloud running a real stack of echo tasks: balancing, proxies, task lifecycle, metrics, traces."""

from __future__ import annotations

import json
import math
import socket
import time
from collections.abc import Iterator

import pytest
from localcloud_apps.stacks import echo_service, http, running_stack, write_stack

from gameday.evidence.records import TaskEvent
from gameday.localcloud.api import QueueState, StopCode, TaskState, TaskStopped
from gameday.localcloud.client import LocalcloudClient, LocalcloudError
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import pid_alive, wait_until

RECOVERY_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLocalcloud]:
    directory = tmp_path_factory.mktemp("localcloud")
    stack = write_stack(
        directory,
        {
            "bff": echo_service(2, depends_on=["catalog"]),
            "catalog": echo_service(2),
            "worker": echo_service(1, queues=["orders"], env={"GREETING": "hello"}),
        },
        entry="bff",
        queues={"orders": {"visibility_timeout": "30s"}},
    )
    with running_stack(stack) as running:
        yield running


def _tasks(cloud: RunningLocalcloud, service: str) -> list[TaskState]:
    return [task for task in cloud.client.state().services[service].tasks if task.status == "RUNNING"]


def _stopped_event(client: LocalcloudClient, task_id: str, since: float) -> TaskEvent | None:
    return next(
        (e for e in client.events(since, math.inf) if e.task_id == task_id and e.kind == "stopped"),
        None,
    )


def _replaced(cloud: RunningLocalcloud, service: str, gone: str) -> list[TaskState]:
    """Wait until the service is back at full strength without ``gone``; return its tasks."""

    def recovered() -> bool:
        return cloud.client.state().ready and gone not in {task.id for task in _tasks(cloud, service)}

    assert wait_until(recovered, RECOVERY_TIMEOUT_S), cloud.client.state()
    return _tasks(cloud, service)


def test_state_shows_every_service_ready_with_its_endpoints(cloud: RunningLocalcloud) -> None:
    state = cloud.client.state()
    assert state.ready is True
    assert (state.stack, state.cluster) == ("test", "localcloud")
    assert {name: service.running for name, service in state.services.items()} == {
        "bff": 2,
        "catalog": 2,
        "worker": 1,
    }
    assert state.services["bff"].start_delay_s == 0.5
    assert state.entry_url.startswith("http://127.0.0.1:")
    assert state.queues["orders"] == QueueState(
        url=f"{state.sqs_endpoint}/000000000000/orders", visible=0, in_flight=0, delayed=0
    )
    assert set(state.paths) == {"bff->catalog"}


def test_the_entry_balancer_round_robins_and_forwards_the_whole_request(cloud: RunningLocalcloud) -> None:
    entry = cloud.state.entry_url
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793"
    answers = [
        http("POST", f"{entry}/orders/7?expand=1", b'{"n": 1}', {"X-Amzn-Trace-Id": trace, "X-Custom": "yes"})
        for _ in range(4)
    ]
    served_by = [body["task_id"] for _, body, _ in answers]
    assert set(served_by) == {task.id for task in _tasks(cloud, "bff")}
    assert served_by[0] != served_by[1] and served_by[:2] == served_by[2:]
    status, body, headers = answers[0]
    assert status == 200 and headers["X-Echo-Task"] == body["task_id"]
    assert (body["method"], body["path"], body["query"], body["body"]) == (
        "POST",
        "/orders/7",
        "expand=1",
        '{"n": 1}',
    )
    assert body["headers"]["X-Amzn-Trace-Id"] == trace
    assert body["headers"]["X-Custom"] == "yes"


def test_the_entry_balancer_adds_a_trace_header_when_there_is_none(cloud: RunningLocalcloud) -> None:
    _, body, _ = http("GET", f"{cloud.state.entry_url}/anything")
    assert body["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")


def test_target_errors_pass_through_and_a_broken_connection_is_a_502(cloud: RunningLocalcloud) -> None:
    entry = cloud.state.entry_url
    status, body, _ = http("GET", f"{entry}/status/503")
    assert status == 503 and body.startswith("bff-")
    assert http("GET", f"{entry}/drop")[0] == 502


def test_a_dependency_proxy_spreads_connections_over_the_dependency(cloud: RunningLocalcloud) -> None:
    entry = cloud.state.entry_url
    answers = [http("GET", f"{entry}/call/catalog")[1] for _ in range(4)]
    assert {answer["service"] for answer in answers} == {"catalog"}
    served_by = [answer["task_id"] for answer in answers]
    assert set(served_by) == {task.id for task in _tasks(cloud, "catalog")}


def test_tasks_get_their_wiring_in_the_environment(cloud: RunningLocalcloud) -> None:
    state = cloud.client.state()
    worker = _tasks(cloud, "worker")[0]
    _, env, _ = http("GET", f"http://127.0.0.1:{worker.port}/env")
    assert env["ORDERS_QUEUE_URL"] == state.queues["orders"].url
    assert env["SQS_ENDPOINT_URL"] == state.sqs_endpoint
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == state.xray_daemon
    assert (env["PORT"], env["TASK_ID"], env["SERVICE_NAME"]) == (str(worker.port), worker.id, "worker")
    assert env["GREETING"] == "hello"
    bff = _tasks(cloud, "bff")[0]
    assert http("GET", f"http://127.0.0.1:{bff.port}/env")[1]["CATALOG_URL"] == state.paths["bff->catalog"]


def test_a_stopped_task_is_gone_and_replaced_after_the_start_delay(cloud: RunningLocalcloud) -> None:
    since = time.time()
    victim = _tasks(cloud, "catalog")[0]
    answer = cloud.client.stop_task("catalog", victim.id, reason="game day")
    assert answer == TaskStopped(task_id=victim.id, stop_code=StopCode.USER)
    assert not pid_alive(victim.pid)
    stopped = _stopped_event(cloud.client, victim.id, since)
    assert stopped is not None
    assert (stopped.stop_code, stopped.reason) == ("UserInitiated", "game day")
    with pytest.raises(LocalcloudError, match="no running task") as again:
        cloud.client.stop_task("catalog", victim.id)
    assert again.value.status == 404
    replacements = [task for task in _replaced(cloud, "catalog", victim.id) if task.started_at > since]
    assert len(replacements) == 1
    assert replacements[0].started_at >= stopped.t + 0.5
    kinds = [(e.task_id, e.kind) for e in cloud.client.events(since, math.inf)]
    assert (replacements[0].id, "started") in kinds and (replacements[0].id, "healthy") in kinds


def test_stopping_an_unknown_task_is_a_404(cloud: RunningLocalcloud) -> None:
    for service, task_id in (("nope", "nope-123456"), ("catalog", "catalog-123456")):
        with pytest.raises(LocalcloudError) as caught:
            cloud.client.stop_task(service, task_id)
        assert caught.value.status == 404


def test_a_task_that_exits_by_itself_is_replaced(cloud: RunningLocalcloud) -> None:
    since = time.time()
    victim = _tasks(cloud, "bff")[0]
    http("POST", f"http://127.0.0.1:{victim.port}/crash")
    assert wait_until(lambda: _stopped_event(cloud.client, victim.id, since) is not None, RECOVERY_TIMEOUT_S)
    stopped = _stopped_event(cloud.client, victim.id, since)
    assert stopped is not None
    assert stopped.stop_code == "EssentialContainerExited"
    assert "exited with code 3" in str(stopped.reason)
    assert len(_replaced(cloud, "bff", victim.id)) == 2


def test_a_task_failing_health_checks_is_stopped_by_the_scheduler(cloud: RunningLocalcloud) -> None:
    since = time.time()
    victim = _tasks(cloud, "worker")[0]
    http("POST", f"http://127.0.0.1:{victim.port}/sick")
    assert wait_until(lambda: _stopped_event(cloud.client, victim.id, since) is not None, RECOVERY_TIMEOUT_S)
    events = [e for e in cloud.client.events(since, math.inf) if e.task_id == victim.id]
    assert [e.kind for e in events] == ["unhealthy", "stopped"]
    assert events[1].stop_code == "ServiceSchedulerInitiated"
    assert not pid_alive(victim.pid)
    assert len(_replaced(cloud, "worker", victim.id)) == 1


def test_metrics_are_recorded_every_second_under_cloudwatch_names(cloud: RunningLocalcloud) -> None:
    entry = cloud.state.entry_url
    start = time.time()
    for path in ("/a", "/b", "/c", "/status/500", "/drop"):
        http("GET", entry + path)
    since = time.time()
    assert wait_until(lambda: len({p.t for p in cloud.client.metrics(since - 1, math.inf)}) >= 2, 10)
    points = cloud.client.metrics(math.floor(start), math.inf)
    series = {(p.namespace, p.name, json.dumps(p.dimensions, sort_keys=True)) for p in points}
    service = json.dumps({"ClusterName": "localcloud", "ServiceName": "catalog"}, sort_keys=True)
    balancer = json.dumps({"LoadBalancer": "app/test/local"}, sort_keys=True)
    queue = json.dumps({"QueueName": "orders"}, sort_keys=True)
    assert {
        ("ECS/ContainerInsights", "RunningTaskCount", service),
        ("ECS/ContainerInsights", "DesiredTaskCount", service),
        ("AWS/ECS", "CPUUtilization", service),
        ("AWS/ApplicationELB", "RequestCount", balancer),
        ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", balancer),
        ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", balancer),
        ("AWS/ApplicationELB", "TargetResponseTime", balancer),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue),
        ("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", queue),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage", queue),
    } <= series
    assert sum(p.value for p in points if p.name == "RequestCount") >= 5
    assert sum(p.value for p in points if p.name == "HTTPCode_Target_5XX_Count") >= 1
    assert sum(p.value for p in points if p.name == "HTTPCode_ELB_5XX_Count") >= 1
    desired = {
        p.value for p in points if p.name == "DesiredTaskCount" and p.dimensions["ServiceName"] == "catalog"
    }
    assert desired == {2.0}
    assert [p.t for p in points] == sorted(p.t for p in points)


def test_traces_returns_what_the_xray_daemon_received(cloud: RunningLocalcloud) -> None:
    since = time.time()
    host, port = cloud.state.xray_daemon.split(":")
    segment = {"trace_id": "1-5759e988-bd862e3fe1be46a994272793", "id": "70de5b6f19ff9a0a", "name": "bff"}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b'{"format": "json", "version": 1}\n' + json.dumps(segment).encode(), (host, int(port)))
    assert wait_until(lambda: cloud.client.traces(since, math.inf) == [segment], 5)
