"""The runner's policy for some scenarios on an AWS target: what a run of each calls, and no more.

Besides what each fault kind declares (:attr:`faults.kind.FaultKind.permissions`), every run
calls the same things: the account check, a tag read for every resource a fault touches
(pre-flight), the evidence reads, the X-Ray sampling rules of the run, the stop alarms, FIS for
faults run as experiments, and, when configured, run folders in S3 and the results topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from faults.catalogue import kind_of
from gameday.iam.grants import EVERYTHING, Arns, Grant, in_cluster, policy_document
from gameday.s3reports.location import S3Location
from gameday.safety.resources import Resource
from gameday.scenario import Scenario
from gameday.targets import AwsTarget

# Actions IAM checks without an API call of their own: tags given to a create call (FIS templates
# and experiments, X-Ray sampling rules) and the FIS role handed to FIS. A recording of calls
# cannot see them; the runner fails without them.
AUTHORIZATION_ONLY = frozenset({"fis:TagResource", "xray:TagResource", "iam:PassRole"})

# what pre-flight reads to see a resource's tags (gameday.safety.resources), by resource type
_TAG_READS = {
    "ECS service": "ecs:DescribeServices",
    "SQS queue": "sqs:ListQueueTags",
    "security group": "ec2:DescribeSecurityGroups",
    "subnet": "ec2:DescribeSubnets",
    "Lambda function": "lambda:GetFunction",
    "IAM role": "iam:GetRole",
}
_FIS_CALLS = (
    "fis:CreateExperimentTemplate",
    "fis:DeleteExperimentTemplate",
    "fis:StartExperiment",
    "fis:GetExperiment",
    "fis:StopExperiment",
    "fis:ListExperimentResolvedTargets",
)
_FIS_LISTS = ("fis:ListExperimentTemplates", "fis:ListExperiments")  # rollback finds the run's own


def runner_policy(
    scenarios: Sequence[Scenario],
    target: AwsTarget,
    reports: S3Location | None = None,
    arns: Arns | None = None,
) -> dict[str, Any]:
    return policy_document(runner_grants(scenarios, target, reports, arns))


def runner_grants(
    scenarios: Sequence[Scenario],
    target: AwsTarget,
    reports: S3Location | None = None,
    arns: Arns | None = None,
) -> list[Grant]:
    """``arns`` defaults to the target's partition, region and account."""
    arns = arns or Arns.of(target)
    grants = [Grant("check the account against the allowlist", ("sts:GetCallerIdentity",))]
    grants += _evidence(target, arns)
    uses_fis = False
    for scenario in scenarios:
        for fault in scenario.faults:
            kind = kind_of(fault)
            if kind.permissions is not None:
                grants += kind.permissions(fault, target, arns)
            if kind.touches is not None:
                grants += [
                    tag_read(resource, arns)
                    for resource in kind.touches(fault, target)
                    if resource.resolve is None
                ]
            uses_fis = uses_fis or fault.via == "fis" or kind.fis_template is not None
    if uses_fis:
        grants += _fis(target, arns)
    if reports is not None:
        grants += _run_folders(reports, arns)
    if target.results_topic_arn is not None:
        grants.append(Grant("publish the verdict", ("sns:Publish",), (target.results_topic_arn,)))
    return grants


def _evidence(target: AwsTarget, arns: Arns) -> list[Grant]:
    grants = [
        Grant("read the run's traces", ("xray:BatchGetTraces", "xray:GetTraceSummaries")),
        Grant(
            "read the run's metrics and scaling",
            ("cloudwatch:GetMetricData", "application-autoscaling:DescribeScalingActivities"),
        ),
    ]
    for cluster in sorted({service.cluster for service in target.services.values()}):
        services = tuple(
            arns.ecs_service(cluster, s.service) for s in target.services.values() if s.cluster == cluster
        )
        grants += [
            Grant("read the services' task events", ("ecs:ListTasks",), condition=in_cluster(arns, cluster)),
            Grant("read the services' task events", ("ecs:DescribeTasks",), (arns.ecs_tasks(cluster),)),
            Grant("read the services' task events", ("ecs:DescribeServices",), services),
        ]
    if target.xray_sampling == "run-rule":
        rules = (arns.arn("xray", "sampling-rule/gameday-*"),)
        grants += [
            Grant("keep every request traced for the run", ("xray:GetSamplingRules",)),
            Grant(
                "keep every request traced for the run",
                ("xray:CreateSamplingRule", "xray:DeleteSamplingRule", "xray:TagResource"),
                rules,
            ),
        ]
    if target.stop_alarms:
        grants.append(
            Grant(
                "watch the stop alarms",
                ("cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"),
                tuple(target.stop_alarms),
            )
        )
    return grants


def tag_read(resource: Resource, arns: Arns) -> Grant:
    """What pre-flight reads to see ``resource``'s tags, scoped to it where the action allows."""
    scoped = {
        "ECS service": lambda: arns.ecs_service(resource.cluster or "*", resource.name),
        "SQS queue": lambda: arns.sqs_queue(resource.name),
        "Lambda function": lambda: arns.lambda_function(resource.name),
        "IAM role": lambda: arns.arn("iam", f"role/{resource.name}", region=False),
    }.get(resource.type, lambda: EVERYTHING)
    return Grant("check the opt-in tags", (_TAG_READS[resource.type],), (scoped(),))


def _fis(target: AwsTarget, arns: Arns) -> list[Grant]:
    experiments = (
        arns.arn("fis", "experiment-template/*"),
        arns.arn("fis", "experiment/*"),
        arns.arn("fis", "action/*", account=False),
    )
    grants = [
        Grant("run the faults as FIS experiments", (*_FIS_CALLS, "fis:TagResource"), experiments),
        Grant("find the run's experiments", _FIS_LISTS),
    ]
    if target.fis_role_arn is not None:
        grants.append(
            Grant(
                "hand the experiment role to FIS only",
                ("iam:PassRole",),
                (target.fis_role_arn,),
                {"StringEquals": {"iam:PassedToService": "fis.amazonaws.com"}},
            )
        )
    return grants


def _run_folders(reports: S3Location, arns: Arns) -> list[Grant]:
    bucket = f"arn:{arns.partition}:s3:::{reports.bucket}"
    keys = f"{bucket}/{reports.key('*')}"
    # IfExists: HeadBucket, the bucket probe, is a ListBucket without a prefix
    prefix = {"StringLikeIfExists": {"s3:prefix": [reports.key("*")]}} if reports.prefix else {}
    return [
        Grant("keep run folders in S3", ("s3:GetObject", "s3:PutObject"), (keys,)),
        Grant("find run folders in S3", ("s3:ListBucket",), (bucket,), prefix),  # HeadBucket too
    ]
