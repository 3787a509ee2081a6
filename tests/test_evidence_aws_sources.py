"""CloudWatch, ECS and Application Auto Scaling evidence, and gaps when AWS says no."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_evidence_helpers import client, dummy_credentials, target
from botocore.client import BaseClient
from botocore.stub import ANY, Stubber

from gameday.evidence.aws.alarms import alarm_history
from gameday.evidence.aws.cloudwatch import MAX_QUERIES, collect_metrics, metric_queries
from gameday.evidence.aws.collect import collect_aws
from gameday.evidence.aws.ecs_events import service_events, stopped_tasks
from gameday.evidence.aws.scaling import scaling_activities

SINCE, UNTIL = 1_800_000_000.0, 1_800_000_600.0
ORDERS = target().services["orders"]


@pytest.fixture(autouse=True)
def _credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dummy_credentials(tmp_path, monkeypatch)


def _at(offset: float) -> datetime:
    return datetime.fromtimestamp(SINCE + offset, UTC)


def _metric_call(queries: list[dict[str, Any]], token: str | None = None) -> dict[str, Any]:
    expected = {
        "MetricDataQueries": queries,
        "StartTime": ANY,
        "EndTime": ANY,
        "ScanBy": "TimestampAscending",
    }
    return {**expected, "NextToken": token} if token else expected


def test_metrics_are_read_per_minute_and_stored_under_logical_names() -> None:
    queries = metric_queries(target())
    requests = [q.request(f"q{i}") for i, q in enumerate(queries)]
    assert {r["MetricStat"]["Period"] for r in requests} == {60}
    cloudwatch = client("cloudwatch")
    running = queries.index(next(q for q in queries if q.name == "RunningTaskCount"))
    visible = queries.index(next(q for q in queries if q.name == "ApproximateNumberOfMessagesVisible"))
    with Stubber(cloudwatch) as stubber:
        page1 = [{"Id": f"q{running}", "Timestamps": [_at(0)], "Values": [2.0], "StatusCode": "PartialData"}]
        page2 = [
            {"Id": f"q{running}", "Timestamps": [_at(60)], "Values": [1.0], "StatusCode": "Complete"},
            {"Id": f"q{visible}", "Timestamps": [_at(60)], "Values": [40.0], "StatusCode": "Complete"},
        ]
        stubber.add_response(
            "get_metric_data", {"MetricDataResults": page1, "NextToken": "n"}, _metric_call(requests)
        )
        stubber.add_response("get_metric_data", {"MetricDataResults": page2}, _metric_call(requests, "n"))
        points, gaps = collect_metrics(cloudwatch, queries, SINCE, UNTIL)
    tasks = [(p.t - SINCE, p.value, p.dimensions) for p in points if p.name == "RunningTaskCount"]
    assert tasks == [
        (0.0, 2.0, {"ClusterName": "prod", "ServiceName": "orders"}),
        (60.0, 1.0, {"ClusterName": "prod", "ServiceName": "orders"}),
    ]
    assert [p.dimensions for p in points if p.name == "ApproximateNumberOfMessagesVisible"] == [
        {"QueueName": "orders-queue"}
    ]
    running_query = queries[running].request("x")["MetricStat"]["Metric"]
    assert {"Name": "ServiceName", "Value": "shop-orders-svc"} in running_query["Dimensions"]
    empty = {g.reason for g in gaps}
    assert "no ECS/ContainerInsights DesiredTaskCount datapoints in the run window" in " ".join(empty)
    assert not any("RunningTaskCount" in reason for reason in empty)


def test_more_than_500_queries_are_split_across_calls() -> None:
    queries = metric_queries(target(services=200))
    assert len(queries) > MAX_QUERIES
    cloudwatch = client("cloudwatch")
    with Stubber(cloudwatch) as stubber:
        first = [q.request(f"q{i}") for i, q in enumerate(queries[:MAX_QUERIES])]
        rest = [q.request(f"q{i}") for i, q in enumerate(queries[MAX_QUERIES:])]
        stubber.add_response("get_metric_data", {"MetricDataResults": []}, _metric_call(first))
        stubber.add_response("get_metric_data", {"MetricDataResults": []}, _metric_call(rest))
        collect_metrics(cloudwatch, queries, SINCE, UNTIL)
        stubber.assert_no_pending_responses()


def test_service_events_name_tasks_under_the_logical_service() -> None:
    ecs = client("ecs")
    events = [
        {
            "id": "1",
            "createdAt": _at(30),
            "message": "(service shop-orders-svc) has started 2 tasks: (task aa) (task bb).",
        },
        {
            "id": "2",
            "createdAt": _at(20),
            "message": "(service shop-orders-svc) (task cc) failed container health checks.",
        },
        {"id": "3", "createdAt": _at(10), "message": "(service shop-orders-svc) has reached a steady state."},
        {
            "id": "4",
            "createdAt": _at(-10),
            "message": "(service shop-orders-svc) has stopped 1 running tasks: (task zz).",
        },
    ]
    with Stubber(ecs) as stubber:
        stubber.add_response(
            "describe_services",
            {"services": [{"serviceName": "shop-orders-svc", "events": events}]},
            {"cluster": "prod", "services": ["shop-orders-svc"]},
        )
        found = service_events(ecs, "orders", ORDERS, SINCE, UNTIL)
    assert [(e.t - SINCE, e.service, e.task_id, e.kind) for e in found] == [
        (20.0, "orders", "cc", "unhealthy"),
        (30.0, "orders", "aa", "started"),
        (30.0, "orders", "bb", "started"),
    ]


def test_stopped_tasks_carry_stop_code_and_reason() -> None:
    ecs = client("ecs")
    arn = "arn:aws:ecs:eu-west-1:111122223333:task/prod/"
    tasks = [
        {
            "taskArn": arn + "t1",
            "stoppedAt": _at(50),
            "stopCode": "UserInitiated",
            "stoppedReason": "gameday",
        },
        {"taskArn": arn + "t2", "stoppedAt": _at(-3600), "stopCode": "ServiceSchedulerInitiated"},
    ]
    with Stubber(ecs) as stubber:
        stubber.add_response(
            "list_tasks",
            {"taskArns": [arn + "t1", arn + "t2"]},
            {"cluster": "prod", "serviceName": "shop-orders-svc", "desiredStatus": "STOPPED"},
        )
        stubber.add_response(
            "describe_tasks", {"tasks": tasks}, {"cluster": "prod", "tasks": [arn + "t1", arn + "t2"]}
        )
        found = stopped_tasks(ecs, "orders", ORDERS, SINCE, UNTIL)
    assert [(e.task_id, e.kind, e.stop_code, e.reason) for e in found] == [
        ("t1", "stopped", "UserInitiated", "gameday")
    ]


def test_scaling_activities_in_the_window_with_not_scaled_reasons() -> None:
    autoscaling = client("application-autoscaling")
    common = {"ServiceNamespace": "ecs", "ResourceId": "service/prod/shop-orders-svc"}
    common |= {"ScalableDimension": "ecs:service:DesiredCount", "Description": "d", "Cause": "alarm"}
    with Stubber(autoscaling) as stubber:
        expected = {
            "ServiceNamespace": "ecs",
            "ResourceId": "service/prod/shop-orders-svc",
            "ScalableDimension": "ecs:service:DesiredCount",
            "IncludeNotScaledActivities": True,
        }
        first = {"ActivityId": "a", "StartTime": _at(100), "StatusCode": "Successful", **common}
        second = {
            "ActivityId": "b",
            "StartTime": _at(200),
            "StatusCode": "Failed",
            "NotScaledReasons": [{"Code": "AlreadyAtMaxCapacity"}],
            **common,
        }
        stubber.add_response(
            "describe_scaling_activities", {"ScalingActivities": [second], "NextToken": "n"}, expected
        )
        stubber.add_response(
            "describe_scaling_activities", {"ScalingActivities": [first]}, {**expected, "NextToken": "n"}
        )
        found = scaling_activities(autoscaling, "orders", ORDERS, SINCE, UNTIL)
    assert [(a.service, a.status, a.not_scaled) for a in found] == [
        ("orders", "Successful", []),
        ("orders", "Failed", ["AlreadyAtMaxCapacity"]),
    ]


def test_access_denied_everywhere_gives_a_gap_per_source_and_no_exception() -> None:
    clients: dict[str, BaseClient] = {}
    stubbers: list[Stubber] = []

    def make(name: str) -> BaseClient:
        made = clients.setdefault(name, client(name))
        stubber = Stubber(made)
        denials = {
            "cloudwatch": ["get_metric_data"],
            "ecs": ["describe_services", "list_tasks"],
            "application-autoscaling": ["describe_scaling_activities"],
            "xray": ["get_trace_summaries"],
        }[name]
        for operation in denials:
            stubber.add_client_error(operation, "AccessDeniedException", "no", 400)
        stubber.activate()
        stubbers.append(stubber)
        return made

    evidence = collect_aws(target(), SINCE, UNTIL, clients=make)
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
        stubber.deactivate()
    sources = {g.source for g in evidence.gaps}
    assert sources == {"metrics", "events", "scaling", "traces"}
    assert all("AccessDeniedException" in g.reason or "no task events" in g.reason for g in evidence.gaps)
    assert evidence.metrics == [] and evidence.events == [] and evidence.traces == []


def _history_item(offset: float, old: str, new: str, reason: str) -> dict[str, Any]:
    """A StateUpdate as DescribeAlarmHistory returns it (the AWS CLI's documented example's shape)."""
    data = {
        "version": "1.0",
        "oldState": {"stateValue": old},
        "newState": {"stateValue": new, "stateReason": reason},
    }
    return {
        "AlarmName": "shop-5xx",
        "AlarmType": "MetricAlarm",
        "Timestamp": _at(offset),
        "HistoryItemType": "StateUpdate",
        "HistoryData": json.dumps(data),
        "HistorySummary": f"Alarm updated from {old} to {new}",
    }


def test_the_stop_alarms_state_changes_are_read_from_their_history_page_by_page() -> None:
    cloudwatch = client("cloudwatch")
    alarm = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:shop-5xx"
    expected = {"AlarmName": "shop-5xx", "HistoryItemType": "StateUpdate", "StartDate": ANY, "EndDate": ANY}
    with Stubber(cloudwatch) as stubber:
        crossed = "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)."
        stubber.add_response(
            "describe_alarm_history",
            {
                "AlarmHistoryItems": [_history_item(95, "ALARM", "OK", "Threshold Crossed: back under")],
                "NextToken": "p2",
            },
            expected,
        )
        stubber.add_response(
            "describe_alarm_history",
            {"AlarmHistoryItems": [_history_item(40, "OK", "ALARM", crossed)]},
            {**expected, "NextToken": "p2"},
        )
        changes = alarm_history(cloudwatch, [alarm], SINCE, UNTIL)
        stubber.assert_no_pending_responses()
    assert [(c.t - SINCE, c.alarm, c.old_state, c.new_state) for c in changes] == [
        (40.0, "shop-5xx", "OK", "ALARM"),
        (95.0, "shop-5xx", "ALARM", "OK"),
    ]
    assert changes[0].reason == crossed


def test_an_alarm_history_that_cannot_be_read_is_a_gap_of_its_own() -> None:
    with_alarm = target().model_copy(update={"stop_alarms": ["shop-5xx"], "services": {}, "queues": {}})
    made: dict[str, BaseClient] = {}

    def make(name: str) -> BaseClient:
        if name in made:
            return made[name]
        made[name] = client(name)
        stubber = Stubber(made[name])
        if name == "cloudwatch":
            stubber.add_response("get_metric_data", {"MetricDataResults": []})
            stubber.add_client_error("describe_alarm_history", "AccessDenied", "not allowed", 403)
        elif name == "xray":
            stubber.add_response("get_trace_summaries", {"TraceSummaries": []})
        stubber.activate()
        return made[name]

    evidence = collect_aws(with_alarm, SINCE, UNTIL, clients=make)
    assert evidence.alarms == []
    assert [g.reason for g in evidence.gaps if g.source == "alarms"] == [
        "alarm history unavailable: AccessDenied: not allowed"
    ]
