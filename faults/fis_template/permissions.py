"""The reads that resolve an FIS template's targets before the run (:mod:`aws_targets`), as grants.

A target is resolved from its ARNs, from the resources carrying its tags (the Resource Groups
Tagging API, then the same reads as by ARN), or from every resource of its type; the tags of what
a listing leaves them out of (functions, roles) are read by pre-flight, one by one. They are reads
of whatever the template names, so they are not scoped to resources. FIS itself, and the role it
acts as, are the run's (:mod:`gameday.iam.policy`) and the experiment role's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faults.fis_template.aws_targets import read_template
from faults.fis_template.spec import FisTemplateFile
from gameday.iam.grants import Arns, Grant
from gameday.targets import AwsTarget

# by resource type: the reads by ARN (also after a tag lookup), and those of a listing
_READS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "aws:ecs:task": (("ecs:DescribeTasks",), ("ecs:ListTasks", "ecs:DescribeTasks")),
    "aws:ecs:cluster": (("ecs:DescribeClusters",), ("ecs:ListClusters", "ecs:DescribeClusters")),
    "aws:ec2:instance": (("ec2:DescribeInstances",), ("ec2:DescribeInstances",)),
    "aws:ec2:subnet": (("ec2:DescribeSubnets",), ("ec2:DescribeSubnets",)),
    "aws:lambda:function": (("lambda:GetFunction",), ("lambda:ListFunctions", "lambda:GetFunction")),
    "aws:iam:role": (("iam:GetRole",), ("iam:ListRoles", "iam:GetRole")),
}


def template_permissions(fault: FisTemplateFile, target: AwsTarget, arns: Arns) -> list[Grant]:
    template = read_template(fault.file)
    used = {
        name for action in template.get("actions", {}).values() for name in action.get("targets", {}).values()
    }
    grants = []
    for name, spec in template.get("targets", {}).items():
        if name in used and spec.get("resourceType") in _READS:
            grants += _target_reads(spec)
    return grants


def _target_reads(spec: Mapping[str, Any]) -> list[Grant]:
    by_arn, listed = _READS[spec["resourceType"]]
    why = f"resolve the template's {spec['resourceType']} targets as FIS will"
    if spec.get("resourceArns"):
        reads = by_arn
    elif spec.get("resourceTags"):
        reads = ("tag:GetResources", *by_arn)
    else:
        reads = listed
        if spec["resourceType"] == "aws:ecs:task" and "cluster" not in spec.get("parameters", {}):
            reads = ("ecs:ListClusters", *reads)
    grants = [Grant(why, reads)]
    if spec["resourceType"] == "aws:ecs:task":  # their services are held to the opt-in tag and blast radius
        grants.append(Grant("check the opt-in tags", ("ecs:DescribeServices",)))
    return grants
