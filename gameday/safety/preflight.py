"""Pre-flight on an AWS target: account, opt-in tags, blast radius — all reads, all before any fault.

Order matters: the account comes first, before any other AWS call, so credentials for the wrong
account never even read a resource there. That is also why a deferred resource (an FIS template's
target) is resolved here and not in the plan: its resolution reads the account.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from gameday.aws_session import aws_client, describe_error
from gameday.errors import EnvironmentProblem
from gameday.run.plan import Plan, PlannedFault
from gameday.safety.account import check_account
from gameday.safety.blast_radius import check_blast_radius
from gameday.safety.resources import Clients, Resolved, Resource, read_tags, resolved
from gameday.targets import AwsTarget


def preflight(target: AwsTarget, target_name: str, faults: Sequence[PlannedFault], clients: Clients) -> str:
    """Check everything a run on ``target`` needs to be allowed; return the account id.

    The resources are the plan's: what each fault was resolved to touch is what is checked.
    """
    account = check_account(target, target_name, clients("sts"))
    for planned in faults:
        for resource in planned.resources:
            with _reading(resource):
                found = resolved(resource, clients)
            through = f" (through {resource})" if resource.resolve is not None else ""
            for each in found:
                with _reading(each.resource):
                    _check(target, target_name, planned, each, through, clients)
    return account


def _check(
    target: AwsTarget,
    target_name: str,
    planned: PlannedFault,
    found: Resolved,
    through: str,
    clients: Clients,
) -> None:
    """The opt-in tag on ``found``, and the blast radius when it is a service whose tasks are taken."""
    key, value = target.opt_in_tag.split("=", 1)
    fault, resource = planned.spec, found.resource
    tags = found.tags if found.tags is not None else read_tags(resource, clients)
    if tags.get(key) != value:
        raise EnvironmentProblem(
            f"{resource}{through} is not opted in to game days: it needs the tag {key}={value} "
            f"(target '{target_name}', fault {fault.kind} on {fault.target_label})"
        )
    if resource.type == "ECS service":
        check_blast_radius(fault, resource, target.blast_radius_percent, clients, through=through)


def preflight_plan(target: AwsTarget, plan: Plan) -> str:
    """:func:`preflight` for a run's plan, with the target's own clients."""
    return preflight(target, plan.target_name, plan.faults, lambda s: aws_client(target, s))


@contextmanager
def _reading(resource: Resource) -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        problem = describe_error(error)
        raise EnvironmentProblem(f"cannot check {resource} before the run: {problem}") from error
