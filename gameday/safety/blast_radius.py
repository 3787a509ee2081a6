"""The blast-radius limit: the largest share of a service's tasks one fault may take.

The share is judged against the service's desired count, the size the service is meant to have:
a percent above the limit is refused as written, and a count is refused when it is more than the
limit's share of the desired tasks (a count of 1 on a single-task service is 100 %). A fault whose
tasks AWS chooses (an FIS template's selection) carries on the service how many it can take
(:attr:`~gameday.safety.resources.Resource.taken`), held against the desired count the same way;
more than desired (a deployment running extra tasks) is all of them.
"""

from __future__ import annotations

import math

from gameday.errors import EnvironmentProblem
from gameday.faultspecs import FaultBase
from gameday.safety.resources import Clients, Resource


def check_blast_radius(
    fault: FaultBase, service: Resource, limit_percent: float, clients: Clients, *, through: str = ""
) -> None:
    """Refuse ``fault`` when it would take more of ``service``'s tasks than the target allows.

    ``through`` says, for people, how the fault reaches the service (a template's target)."""
    if service.taken is None and fault.task_share_percent(1) is None:  # a fault that takes no tasks
        return
    described = clients("ecs").describe_services(cluster=service.cluster, services=[service.name])
    services = described.get("services", [])
    if not services:
        raise EnvironmentProblem(f"{service} does not exist")
    desired = int(services[0].get("desiredCount", 0))
    share, taken = _share(fault, service, desired)
    if share is not None and share > limit_percent:
        raise EnvironmentProblem(
            f"faults: {fault.kind} on {service}{through} would take {share:g}% of its tasks "
            f"({taken} of {desired} desired), above the target's blast_radius_percent of {limit_percent:g}"
        )


def _share(fault: FaultBase, service: Resource, desired: int) -> tuple[float | None, int]:
    """The percent of the ``desired`` tasks the fault takes, and how many tasks that is."""
    if service.taken is not None:
        return (100.0 * service.taken / max(desired, service.taken) if service.taken else 0.0), service.taken
    share = fault.task_share_percent(desired)
    count = getattr(fault, "count", None)
    taken = count if count is not None else math.floor(desired * (share or 0) / 100)
    return share, taken
