"""Grants, the ARNs they are scoped to, and the policy document they make."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from gameday.targets import AwsTarget

EVERYTHING = "*"  # for actions that take no resource-level permission (Describe*, List* …)


@dataclass(frozen=True)
class Grant:
    """Some actions on some resources, under an optional condition, and why the run needs them."""

    why: str
    actions: tuple[str, ...]
    resources: tuple[str, ...] = (EVERYTHING,)
    condition: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Arns:
    """ARNs in the target's partition, region and account (``*`` when it allows several accounts)."""

    partition: str
    region: str
    account: str

    @classmethod
    def of(cls, target: AwsTarget) -> Arns:
        account = target.account_allowlist[0] if len(target.account_allowlist) == 1 else EVERYTHING
        return cls(_partition(target.region), target.region, account)

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        where = f"{self.region if region else ''}:{self.account if account else ''}"
        return f"arn:{self.partition}:{service}:{where}:{resource}"

    def ecs_cluster(self, cluster: str) -> str:
        return self.arn("ecs", f"cluster/{cluster}")

    def ecs_service(self, cluster: str, service: str) -> str:
        return self.arn("ecs", f"service/{cluster}/{service}")

    def ecs_tasks(self, cluster: str) -> str:
        return self.arn("ecs", f"task/{cluster}/*")

    def sqs_queue(self, url: str) -> str:
        """The queue's ARN from its URL (``https://sqs.REGION.amazonaws.com/ACCOUNT/NAME``)."""
        account, _, name = urlparse(url).path.strip("/").rpartition("/")
        return f"arn:{self.partition}:sqs:{self.region}:{account or self.account}:{name}"

    def security_group(self, group: str) -> str:
        return self.arn("ec2", f"security-group/{group}")

    def lambda_function(self, name: str) -> str:
        return name if name.startswith("arn:") else self.arn("lambda", f"function:{name}")


def in_cluster(arns: Arns, cluster: str) -> dict[str, dict[str, str]]:
    """The condition that holds ecs:ListTasks (no resource-level permission) to one cluster."""
    return {"ArnEquals": {"ecs:cluster": arns.ecs_cluster(cluster)}}


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def policy_document(grants: Iterable[Grant]) -> dict[str, Any]:
    """One statement per resource set and condition, actions merged and sorted: a stable document."""
    merged: dict[tuple[tuple[str, ...], str], tuple[set[str], list[str], Mapping[str, Any]]] = {}
    for grant in grants:
        key = (tuple(sorted(set(grant.resources))), repr(sorted(grant.condition.items())))
        actions, whys, _ = merged.setdefault(key, (set(), [], grant.condition))
        actions.update(grant.actions)
        if grant.why not in whys:
            whys.append(grant.why)
    statements = []
    for (resources, _), (actions, whys, condition) in sorted(
        merged.items(), key=lambda item: sorted(item[1][0])
    ):
        statement: dict[str, Any] = {
            "Sid": _sid(whys),
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": list(resources) if len(resources) > 1 else resources[0],
        }
        if condition:
            statement["Condition"] = {op: dict(values) for op, values in condition.items()}
        statements.append(statement)
    _unique_sids(statements)
    return {"Version": "2012-10-17", "Statement": statements}


def _sid(whys: list[str]) -> str:
    """A statement id from the first reason: letters and digits only, as IAM requires."""
    return "".join(word.capitalize() for word in whys[0].replace("-", " ").split() if word.isalnum())[:100]


def _unique_sids(statements: list[dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for statement in statements:
        sid = statement["Sid"]
        seen[sid] = seen.get(sid, 0) + 1
        if seen[sid] > 1:
            statement["Sid"] = f"{sid}{seen[sid]}"


def allowed_actions(document: Mapping[str, Any]) -> set[str]:
    return {action for statement in document["Statement"] for action in statement["Action"]}
