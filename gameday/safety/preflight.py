"""Pre-flight on an AWS target: account, opt-in tags, blast radius — all reads, all before any fault.

Order matters: the account comes first, before any other AWS call, so credentials for the wrong
account never even read a resource there. That is also why a deferred resource (an FIS template's
target) is resolved here and not in the plan: its resolution reads the account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from gameday.aws_session import aws_client, describe_error
from gameday.errors import EnvironmentProblem
from gameday.run.plan import Plan, PlannedFault
from gameday.safety.account import check_account
from gameday.safety.blast_radius import check_blast_radius
from gameday.safety.resources import Clients, Resolved, Resource, read_tags, resolved
from gameday.targets import AwsTarget

Checked = Callable[[PlannedFault, Resource], None]


def preflight(
    target: AwsTarget,
    target_name: str,
    faults: Sequence[PlannedFault],
    clients: Clients,
    checked: Checked | None = None,
) -> str:
    """Check everything a run on ``target`` needs to be allowed; return the account id.

    The resources are the plan's: what each fault was resolved to touch is what is checked, and
    each one that passed is told to ``checked`` (an FIS template's targets as resolved now), so
    people see what the run will touch.
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
                if checked is not None:
                    checked(planned, each.resource)
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


def preflight_plan(target: AwsTarget, plan: Plan, checked: Checked | None = None) -> str:
    """:func:`preflight` for a run's plan, with the target's own clients."""
    return preflight(target, plan.target_name, plan.faults, lambda s: aws_client(target, s), checked)


def touched_line(resource: Resource) -> str:
    """One checked resource for people: what it is and, for a service, how many tasks it may lose."""
    taken = f", at most {resource.taken} task(s) taken" if resource.taken is not None else ""
    return f"{resource}{taken}: opted in"


@contextmanager
def _reading(resource: Resource) -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        problem = describe_error(error)
        raise EnvironmentProblem(f"cannot check {resource} before the run: {problem}") from error
