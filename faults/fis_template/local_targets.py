"""What a template's target means on localcloud: services' tasks, a zone, or a dependency path.

FIS resolves a target against the account; localcloud has no account, so the target is read for
what it names instead. Tasks are named by the ``service`` parameter or the ``gameday:target``
resource tag (none: every service of the stack, the cluster's tasks); a subnet by its zone (the
``availabilityZoneIdentifier`` parameter or an ``AvailabilityZone`` filter) or a path tag; a
function by its path tag. Whatever would narrow the choice on AWS in a way localcloud cannot follow
(other tags, other filters, ARNs) is refused, since dropping it would widen the fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faults.fis.parts import TARGET_TAG
from gameday.localcloud.stack import Stack
from gameday.targets import AwsTarget
from gameday.yamltree import Location

# Filters localcloud can follow, per resource type: the path → what it narrows.
_ZONE_FILTERS = {"aws:ecs:task": "AvailabilityZone", "aws:ec2:subnet": "AvailabilityZone"}
# Filters every task localcloud would pick passes anyway (FIS only picks running tasks).
_RUNNING = {("aws:ecs:task", "LastStatus"), ("aws:ecs:task", "DesiredStatus")}
MAPPED_TYPES = ("aws:ecs:task", "aws:ec2:subnet", "aws:lambda:function")
# gameday's default opt-in tag, which every localcloud resource carries as the shop's stack on AWS does
OPT_IN_KEY, OPT_IN_VALUE = str(AwsTarget.model_fields["opt_in_tag"].default).split("=", 1)


class Refused(ValueError):
    """A part of the template localcloud cannot follow; ``loc`` is where in the template."""

    def __init__(self, loc: Location, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


@dataclass(frozen=True)
class LocalTarget:
    """The resources a template target names on localcloud."""

    name: str
    resource_type: str
    services: tuple[str, ...] = ()  # tasks of these services (aws:ecs:task)
    zone: str | None = None  # tasks in this zone only, or the subnets of this zone
    path: str | None = None  # caller->callee (subnets and functions named by a path tag)
    selection: str = "ALL"
    every_service: bool = False  # no service named: the stack's whole cluster

    @property
    def loc(self) -> Location:
        return ("targets", self.name)


def local_target(name: str, target: dict[str, Any], stack: Stack) -> LocalTarget:
    """The localcloud meaning of the template's target ``name``; :class:`Refused` says why none."""
    loc: Location = ("targets", name)
    resource_type = str(target.get("resourceType", ""))
    if resource_type not in MAPPED_TYPES:
        raise Refused(
            (*loc, "resourceType"),
            f"localcloud has no {resource_type or 'resource type'}; it maps {', '.join(MAPPED_TYPES)}",
        )
    if target.get("resourceArns"):
        raise Refused(
            (*loc, "resourceArns"), "localcloud has no ARNs; name the resource with parameters or tags"
        )
    tags = dict(target.get("resourceTags") or {})
    named = tags.pop(TARGET_TAG, None)
    if tags.get(OPT_IN_KEY) == OPT_IN_VALUE:
        del tags[OPT_IN_KEY]  # every localcloud resource is opted in
    if tags:
        raise Refused(
            (*loc, "resourceTags"),
            f"localcloud resources carry no tag {', '.join(sorted(tags))}; name the resource with "
            f'"{TARGET_TAG}" instead',
        )
    zone = _zone(loc, resource_type, target, stack)
    selection = str(target.get("selectionMode", "ALL"))
    if resource_type == "aws:ecs:task":
        return _tasks(name, target, named, zone, selection, stack)
    if named is None and zone is None:
        what = "a zone (availabilityZoneIdentifier) or " if resource_type == "aws:ec2:subnet" else ""
        raise Refused(loc, f'name {what}a path with resourceTags {{"{TARGET_TAG}": "caller->callee"}}')
    if named is not None:
        _known_path(loc, str(named), stack)
    return LocalTarget(name, resource_type, zone=zone, path=named, selection=selection)


def _tasks(
    name: str, target: dict[str, Any], named: str | None, zone: str | None, selection: str, stack: Stack
) -> LocalTarget:
    loc: Location = ("targets", name)
    parameters = target.get("parameters") or {}
    if named is not None and "->" in named:  # the tasks of a path's caller, for its network actions
        _known_path(loc, named, stack)
        caller = named.split("->", 1)[0]
        return LocalTarget(
            name, "aws:ecs:task", services=(caller,), zone=zone, path=named, selection=selection
        )
    service = parameters.get("service") or named
    if service is None:
        services, every = tuple(stack.services), True
    elif service not in stack.services:
        raise Refused(
            (*loc, "parameters", "service") if parameters.get("service") else (*loc, "resourceTags"),
            f"stack {stack.name} has no service '{service}' (it has {', '.join(stack.services)})",
        )
    else:
        services, every = (str(service),), False
    return LocalTarget(
        name, "aws:ecs:task", services=services, zone=zone, selection=selection, every_service=every
    )


def _zone(loc: Location, resource_type: str, target: dict[str, Any], stack: Stack) -> str | None:
    """The zone a subnet parameter or an AvailabilityZone filter names; other filters are refused."""
    zones: list[tuple[Location, str]] = []
    identifier = (target.get("parameters") or {}).get("availabilityZoneIdentifier")
    if resource_type == "aws:ec2:subnet" and identifier:
        zones.append(((*loc, "parameters", "availabilityZoneIdentifier"), str(identifier)))
    for index, found in enumerate(target.get("filters") or []):
        where: Location = (*loc, "filters", index)
        path, values = str(found.get("path", "")), [str(value) for value in found.get("values") or []]
        if (resource_type, path) in _RUNNING and values == ["RUNNING"]:
            continue
        if _ZONE_FILTERS.get(resource_type) != path:
            raise Refused((*where, "path"), f"localcloud cannot filter {resource_type} on {path}")
        if len(values) != 1:
            raise Refused((*where, "values"), "localcloud follows a filter on one zone")
        zones.append(((*where, "values"), values[0]))
    if not zones:
        return None
    if len({zone for _, zone in zones}) > 1:
        raise Refused(zones[-1][0], "names a second zone; localcloud follows one zone per target")
    where, zone = zones[0]
    if zone not in stack.zones:
        raise Refused(where, f"stack {stack.name} has no zone '{zone}' (it has {', '.join(stack.zones)})")
    return zone


def _known_path(loc: Location, path: str, stack: Stack) -> None:
    caller, _, callee = path.partition("->")
    service = stack.services.get(caller)
    if service is None or callee not in service.depends_on:
        edges = [f"{name}->{dep}" for name, s in stack.services.items() for dep in s.depends_on]
        raise Refused(
            (*loc, "resourceTags"), f"stack {stack.name} has no path '{path}' (it has {', '.join(edges)})"
        )
