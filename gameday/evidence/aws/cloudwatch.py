"""CloudWatch metrics of the run window, under the scenario's logical names.

Scorers match series by logical name (``ServiceName: orders``), the name localcloud uses, so each
query carries the logical dimensions its datapoints are stored under; the real cluster, queue
and load balancer stay in the query. Standard AWS metrics are stored at one-minute resolution,
so 60 s is the finest period there is: a point here covers a minute, not a second as on localcloud.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from gameday.aws_session import describe_error, throttle_retry
from gameday.evidence.records import Gap, MetricPoint
from gameday.targets import AwsTarget

PERIOD_S = 60  # the finest period standard (non high-resolution) metrics have
MAX_QUERIES = 500  # GetMetricData's limit per call
SOURCE = "metrics"


@dataclass(frozen=True)
class MetricQuery:
    """One series to read: where it lives in AWS and the logical dimensions to store it under."""

    namespace: str
    name: str
    stat: str
    dimensions: dict[str, str]
    logical: dict[str, str]

    def request(self, query_id: str) -> dict[str, Any]:
        metric = {
            "Namespace": self.namespace,
            "MetricName": self.name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions.items()],
        }
        return {"Id": query_id, "MetricStat": {"Metric": metric, "Period": PERIOD_S, "Stat": self.stat}}


def metric_queries(target: AwsTarget) -> list[MetricQuery]:
    """Every series the scorers and reports read, for every resource the target maps."""
    queries: list[MetricQuery] = []
    for logical, ecs in target.services.items():
        real = {"ClusterName": ecs.cluster, "ServiceName": ecs.service}
        names = {"ClusterName": ecs.cluster, "ServiceName": logical}
        for name in ("RunningTaskCount", "DesiredTaskCount"):
            queries.append(MetricQuery("ECS/ContainerInsights", name, "Average", real, names))
        queries.append(MetricQuery("AWS/ECS", "CPUUtilization", "Average", real, names))
    for logical, queue in target.queues.items():
        real = {"QueueName": queue.url.rstrip("/").rsplit("/", 1)[-1]}
        names = {"QueueName": logical}
        for name in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
            queries.append(MetricQuery("AWS/SQS", name, "Maximum", real, names))
    if target.load_balancer:
        lb = {"LoadBalancer": target.load_balancer}
        for name, stat in (("RequestCount", "Sum"), ("HTTPCode_Target_5XX_Count", "Sum")):
            queries.append(MetricQuery("AWS/ApplicationELB", name, stat, lb, lb))
        queries.append(MetricQuery("AWS/ApplicationELB", "TargetResponseTime", "Average", lb, lb))
    for function in _lambdas(target):
        fn = {"FunctionName": function}
        queries.append(MetricQuery("AWS/Lambda", "Throttles", "Sum", fn, fn))
        queries.append(MetricQuery("AWS/Lambda", "ConcurrentExecutions", "Maximum", fn, fn))
    return queries


def _lambdas(target: AwsTarget) -> list[str]:
    """Lambda functions the target maps (queue consumers and path destinations); they have no logical name."""
    names = [q.consumer.lambda_function for q in target.queues.values() if q.consumer]
    names += [p.lambda_function for p in target.paths.values()]
    return sorted({n for n in names if n})


def collect_metrics(
    client: BaseClient, queries: Sequence[MetricQuery], since: float, until: float
) -> tuple[list[MetricPoint], list[Gap]]:
    """Datapoints of every query, in calls of at most 500 queries; each missing series group is a gap."""
    points: list[MetricPoint] = []
    gaps: list[Gap] = []
    answered: list[MetricQuery] = []  # a failed call is one gap, not one per series it held
    for start in range(0, len(queries), MAX_QUERIES):
        chunk = list(queries[start : start + MAX_QUERIES])
        try:
            results = _results(client, chunk, since, until)
        except (ClientError, BotoCoreError) as error:
            gaps.append(Gap(source=SOURCE, reason=f"GetMetricData failed: {describe_error(error)}"))
            continue
        answered += chunk
        for index, query in enumerate(chunk):
            result = results.get(f"q{index}", {})
            if result.get("StatusCode") == "Forbidden":
                gaps.append(Gap(source=SOURCE, reason=f"{_label(query)}: access forbidden"))
            points.extend(_points(query, result))
    gaps.extend(_empty_series(answered, points))
    return points, gaps


@throttle_retry
def _results(
    client: BaseClient, chunk: list[MetricQuery], since: float, until: float
) -> dict[str, dict[str, Any]]:
    """Results by query id, the pages of one call merged (a series may span several pages)."""
    merged: dict[str, dict[str, Any]] = {}
    pages = client.get_paginator("get_metric_data").paginate(
        MetricDataQueries=[q.request(f"q{i}") for i, q in enumerate(chunk)],
        StartTime=datetime.fromtimestamp(since).astimezone(),
        EndTime=datetime.fromtimestamp(until).astimezone(),
        ScanBy="TimestampAscending",
    )
    for page in pages:
        for result in page.get("MetricDataResults", []):
            into = merged.setdefault(result["Id"], {"Timestamps": [], "Values": []})
            into["Timestamps"] += result.get("Timestamps", [])
            into["Values"] += result.get("Values", [])
            if into.get("StatusCode") != "Forbidden":
                into["StatusCode"] = result.get("StatusCode")
    return merged


def _points(query: MetricQuery, result: dict[str, Any]) -> Iterator[MetricPoint]:
    for stamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=True):
        yield MetricPoint(
            t=stamp.timestamp(),
            namespace=query.namespace,
            name=query.name,
            dimensions=query.logical,
            value=float(value),
        )


def _empty_series(queries: Sequence[MetricQuery], points: Sequence[MetricPoint]) -> list[Gap]:
    """A gap per metric name with no datapoint for any resource: usually a feature not switched on."""
    seen = {(p.namespace, p.name) for p in points}
    empty = sorted({(q.namespace, q.name) for q in queries} - seen)
    return [
        Gap(source=SOURCE, reason=f"no {namespace} {name} datapoints in the run window{_hint(namespace)}")
        for namespace, name in empty
    ]


def _hint(namespace: str) -> str:
    if namespace == "ECS/ContainerInsights":
        return " (is Container Insights enabled on the cluster?)"
    return ""


def _label(query: MetricQuery) -> str:
    dims = ",".join(f"{k}={v}" for k, v in query.logical.items())
    return f"{query.namespace} {query.name} {dims}"
