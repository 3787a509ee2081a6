"""Everything an AWS target recorded during a run, each source failing on its own.

An AccessDenied on one API, or throttling that outlasts the retries, costs that source only: it
becomes a gap naming the source and the AWS error, and the others are still collected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from gameday.aws_session import aws_client, describe_error
from gameday.evidence.aws.alarms import alarm_history
from gameday.evidence.aws.cloudwatch import collect_metrics, metric_queries
from gameday.evidence.aws.ecs_events import service_events, stopped_tasks
from gameday.evidence.aws.scaling import scaling_activities
from gameday.evidence.aws.xray import DEFAULT_CAP, collect_traces
from gameday.evidence.records import Gap
from gameday.evidence.target import TargetEvidence
from gameday.shared import Span
from gameday.targets import AwsTarget, EcsService

T = TypeVar("T")
ClientFactory = Callable[[str], BaseClient]


def collect_aws(
    target: AwsTarget,
    since: float,
    until: float,
    *,
    clients: ClientFactory | None = None,
    trace_cap: int = DEFAULT_CAP,
    fault_windows: Sequence[Span] = (),
) -> TargetEvidence:
    """Metrics, task events, scaling activities and traces of ``[since, until)``, with a gap per shortfall."""
    client = clients or (lambda name: aws_client(target, name))
    evidence = TargetEvidence()
    evidence.metrics, metric_gaps = collect_metrics(
        client("cloudwatch"), metric_queries(target), since, until
    )
    evidence.gaps += metric_gaps
    ecs, autoscaling = client("ecs"), client("application-autoscaling")
    for logical, service in target.services.items():
        evidence.events += _per_service(
            "events", service_events, ecs, logical, service, since, until, evidence
        )
        evidence.events += _per_service(
            "events", stopped_tasks, ecs, logical, service, since, until, evidence
        )
        evidence.scaling += _per_service(
            "scaling", scaling_activities, autoscaling, logical, service, since, until, evidence
        )
    if target.services and not evidence.events:
        evidence.gaps.append(Gap(source="events", reason="ECS reported no task events in the run window"))
    evidence.events.sort(key=lambda e: e.t)
    traces = collect_traces(client("xray"), since, until, cap=trace_cap, fault_windows=fault_windows)
    evidence.traces, evidence.gaps = traces.documents, evidence.gaps + traces.gaps
    if target.stop_alarms:
        try:
            evidence.alarms = alarm_history(client("cloudwatch"), target.stop_alarms, since, until)
        except (ClientError, BotoCoreError) as error:
            evidence.gaps.append(
                Gap(source="alarms", reason=f"alarm history unavailable: {describe_error(error)}")
            )
    return evidence


def _per_service(
    source: str,
    read: Callable[[BaseClient, str, EcsService, float, float], list[T]],
    client: BaseClient,
    logical: str,
    service: EcsService,
    since: float,
    until: float,
    evidence: TargetEvidence,
) -> list[T]:
    try:
        return read(client, logical, service, since, until)
    except (ClientError, BotoCoreError) as error:
        reason = f"{logical}: {read.__name__.replace('_', ' ')} unavailable: {describe_error(error)}"
        evidence.gaps.append(Gap(source=source, reason=reason))
        return []
