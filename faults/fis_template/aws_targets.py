"""What a template file's targets select in the account, read before the run as FIS reads it at start.

A template names no logical resource gameday maps: FIS picks the resources itself, by
``resourceArns`` (those, which must exist), ``resourceTags`` (every resource of the type carrying
all of them, through the Resource Groups Tagging API as FIS does) or, with neither, every resource
of the type; then the type's ``parameters`` narrow them (``aws:ecs:task`` ``cluster`` and
``service``; ``aws:ec2:subnet`` ``availabilityZoneIdentifier``, a zone name or id, and ``vpc``),
and every ``filters`` entry keeps those whose Describe output holds one of its ``values`` at its
dotted ``path`` (lists along the path are walked, keys matched as FIS spells them, values compared
as text). ``functionQualifier`` picks the version or alias of each function, not which ones.

The kind's ``touches`` (:func:`template_targets`) reads the file only: one deferred resource per
target an action uses, refused at once when gameday cannot follow its type or parameters.
Pre-flight resolves each after the account check; a target that resolves to nothing, or whose
selection takes nothing, is refused, since FIS would fail the experiment with the load running.
Every resource found must carry the opt-in tag, which gameday reads while resolving; for tasks,
each service they belong to is also returned with how many of its tasks the selection can take,
so it must be opted in too and the blast radius holds a template to the target's limit like a
native task fault (a task outside a service has no desired count: only its own tag is checked).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from faults.fis.template_file import read_template
from faults.fis_template.spec import FisTemplateFile
from faults.selection import Selection
from gameday.errors import EnvironmentProblem, InputError
from gameday.safety.resources import Clients, Resolved, Resource, ResourceType
from gameday.targets import AwsTarget

Parameters = Mapping[str, str]
_MODE = re.compile(r"(ALL)|COUNT\((\d+)\)|PERCENT\((\d+(?:\.\d+)?)\)")
_BATCH = 100  # the most ARNs DescribeTasks and DescribeClusters take at once


@dataclass(frozen=True)
class _Found:
    """One resource as read: its ARN, the resource checked, its Describe output, its tags if read."""

    arn: str
    resource: Resource
    described: Mapping[str, Any]
    tags: Mapping[str, str] | None


@dataclass(frozen=True)
class _Type:
    """How gameday reads one FIS resource type: by ARN, all of them, and what its parameters mean."""

    tagging: str  # the type as the Resource Groups Tagging API filters it
    by_arns: Callable[[Clients, list[str], Parameters], list[_Found]]
    listed: Callable[[Clients, Parameters], list[_Found]]
    parameters: tuple[str, ...] = ()
    holds: Callable[[Mapping[str, Any], Parameters], bool] = field(default=lambda described, parameters: True)


def template_targets(fault: FisTemplateFile, target: AwsTarget) -> list[Resource]:
    """The kind's ``touches``: a deferred resource for each target the template's actions use."""
    template = read_template(fault.file)
    used = {
        name for action in template.get("actions", {}).values() for name in action.get("targets", {}).values()
    }
    return [
        _TemplateTarget.read(fault.file.name, name, spec).deferred()
        for name, spec in template.get("targets", {}).items()
        if name in used
    ]


@dataclass(frozen=True)
class _TemplateTarget:
    """One target of a template file, checked for what gameday can follow; resolved on demand."""

    file: str
    name: str
    resource_type: str
    mode: str  # the selectionMode as written
    selection: Selection | None  # None: ALL
    arns: tuple[str, ...]
    tags: Mapping[str, str]
    parameters: Parameters
    filters: tuple[tuple[str, frozenset[str]], ...]

    @classmethod
    def read(cls, file: str, name: str, spec: Mapping[str, Any]) -> _TemplateTarget:
        """The target ``name`` as written; :class:`InputError` for what gameday cannot resolve."""
        where = f"faults: fis-template {file}: target '{name}'"
        resource_type = str(spec.get("resourceType", ""))
        if resource_type not in _TYPES:
            raise InputError(
                f"{where} is {resource_type or 'of no type'}, which gameday cannot resolve before the run "
                f"to check its opt-in tags and blast radius (it resolves {', '.join(_TYPES)})"
            )
        parameters = {str(key): str(value) for key, value in spec.get("parameters", {}).items()}
        unknown = sorted(set(parameters) - set(_TYPES[resource_type].parameters))
        if unknown:
            known = ", ".join(_TYPES[resource_type].parameters) or "none"
            raise InputError(
                f"{where}: {resource_type} has no parameter {', '.join(unknown)} (it takes: {known})"
            )
        mode = str(spec.get("selectionMode", ""))
        matched = _MODE.fullmatch(mode)
        if matched is None:
            raise InputError(f"{where}: selectionMode '{mode}' is not ALL, COUNT(n) or PERCENT(n)")
        selection = None
        if matched[2] is not None:
            selection = Selection(count=int(matched[2]))
        elif matched[3] is not None:
            selection = Selection(percent=float(matched[3]))
        return cls(
            file=file,
            name=name,
            resource_type=resource_type,
            mode=mode,
            selection=selection,
            arns=tuple(spec.get("resourceArns", ())),
            tags={str(key): str(value) for key, value in spec.get("resourceTags", {}).items()},
            parameters=parameters,
            filters=tuple(
                (str(f["path"]), frozenset(str(value) for value in f.get("values", ())))
                for f in spec.get("filters", ())
            ),
        )

    def deferred(self) -> Resource:
        return Resource("FIS target", self.name, resolve=self.resolve)

    def resolve(self, clients: Clients) -> list[Resolved]:
        """Every resource the target selects from, and for tasks their services with the share taken."""
        kind = _TYPES[self.resource_type]
        found, source = self._candidates(kind, clients)
        if not found:
            raise self._nothing(f"no {self.resource_type} {source}")
        kept = [each for each in found if kind.holds(each.described, self.parameters)]
        if not kept:
            raise self._nothing(f"none of the {len(found)} {source} has the parameters {self._shown()}")
        passed = [
            each
            for each in kept
            if all(_passes(each.described, path, values) for path, values in self.filters)
        ]
        if not passed:
            filters = "; ".join(f"{path} in {', '.join(sorted(values))}" for path, values in self.filters)
            raise self._nothing(f"none of the {len(kept)} {source} passes the filters {filters}")
        selected = len(passed) if self.selection is None else self.selection.size(len(passed))
        if selected == 0:
            raise self._nothing(
                f"selectionMode {self.mode} takes none of the {len(passed)} found (FIS rounds a percent down)"
            )
        resolved = [Resolved(each.resource, each.tags) for each in passed]
        return resolved + _services(passed, selected) if self.resource_type == "aws:ecs:task" else resolved

    def _candidates(self, kind: _Type, clients: Clients) -> tuple[list[_Found], str]:
        """What FIS starts from: the ARNs, the resources carrying the tags, or every one of the type."""
        if self.arns:
            found = kind.by_arns(clients, list(self.arns), self.parameters)
            gone = sorted(set(self.arns) - {each.arn for each in found})
            if gone:
                raise self._nothing(
                    f"{', '.join(gone)} does not exist or has stopped (FIS fails an experiment whose ARNs "
                    "are gone)"
                )
            return found, "named in resourceArns"
        if self.tags:
            arns = _tagged(clients, kind.tagging, self.tags)
            shown = ", ".join(f"{key}={value}" for key, value in self.tags.items())
            return (
                kind.by_arns(clients, arns, self.parameters) if arns else []
            ), f"carrying the tags {shown}"
        return kind.listed(clients, self.parameters), "in the account" + (
            f" with {self._shown()}" if self.parameters else ""
        )

    def _shown(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in self.parameters.items())

    def _nothing(self, why: str) -> EnvironmentProblem:
        return EnvironmentProblem(
            f"faults: fis-template {self.file}: target '{self.name}' resolves to nothing: {why}; "
            "FIS would fail the experiment after the load started, so the run is refused"
        )


def _services(tasks: list[_Found], selected: int) -> list[Resolved]:
    """Each service of ``tasks`` with the most of its tasks ``selected`` random picks can take."""
    counts = Counter(
        (each.resource.cluster, str(each.described.get("group", "")).removeprefix("service:"))
        for each in tasks
        if str(each.described.get("group", "")).startswith("service:")
    )
    return [
        Resolved(Resource("ECS service", service, cluster=cluster, taken=min(selected, count)))
        for (cluster, service), count in sorted(counts.items(), key=str)
    ]


def _passes(described: Mapping[str, Any], path: str, values: frozenset[str]) -> bool:
    return any(_text(found) in values for found in _at(described, path.split(".")))


def _at(value: Any, path: list[str]) -> Iterator[Any]:
    """The values at ``path`` in ``value``, through every list on the way; keys as FIS spells them."""
    if isinstance(value, list):
        for item in value:
            yield from _at(item, path)
    elif not path:
        yield value
    elif isinstance(value, Mapping):
        key = next((k for k in value if str(k).lower() == path[0].lower()), None)
        if key is not None:
            yield from _at(value[key], path[1:])


def _text(value: Any) -> str:
    """A Describe value as FIS compares it: JSON's spelling of booleans, the rest as written."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _tagged(clients: Clients, tagging_type: str, tags: Mapping[str, str]) -> list[str]:
    """The ARNs of the resources of the type carrying every tag, as FIS finds them (tag:GetResources)."""
    return _pages(
        clients("resourcegroupstaggingapi"),
        "get_resources",
        "ResourceTagMappingList[].ResourceARN",
        ResourceTypeFilters=[tagging_type],
        TagFilters=[{"Key": key, "Values": [value]} for key, value in tags.items()],
    )


def _pages(client: Any, operation: str, items: str, **kwargs: Any) -> list[Any]:
    """Every item at ``items`` (JMESPath) in every page of ``operation``'s answer."""
    return list(client.get_paginator(operation).paginate(**kwargs).search(items))


def _last(arn_or_name: str) -> str:
    """A name from an ARN or the name itself: ``…:cluster/shop`` and ``shop`` are both ``shop``."""
    return arn_or_name.rsplit("/", 1)[-1]


def _batches(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _lower_tags(tags: list[dict[str, str]]) -> dict[str, str]:
    return {tag["key"]: tag.get("value", "") for tag in tags}


def _upper_tags(tags: list[dict[str, str]]) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in tags}


# --- aws:ecs:task ----------------------------------------------------------------------------


def _tasks_by_arn(clients: Clients, arns: list[str], parameters: Parameters) -> list[_Found]:
    by_cluster: dict[str, list[str]] = {}
    for arn in arns:  # arn:aws:ecs:region:account:task/cluster/id (the old form has no cluster)
        parts = arn.split(":", 5)[-1].split("/")
        by_cluster.setdefault(parts[1] if len(parts) == 3 else "default", []).append(arn)
    return [
        found for cluster, tasks in by_cluster.items() for found in _describe_tasks(clients, cluster, tasks)
    ]


def _tasks_listed(clients: Clients, parameters: Parameters) -> list[_Found]:
    ecs = clients("ecs")
    clusters = (
        [parameters["cluster"]] if "cluster" in parameters else _pages(ecs, "list_clusters", "clusterArns[]")
    )
    service = {"serviceName": parameters["service"]} if "service" in parameters else {}
    return [
        found
        for cluster in clusters
        for found in _describe_tasks(
            clients, cluster, _pages(ecs, "list_tasks", "taskArns[]", cluster=cluster, **service)
        )
    ]


def _describe_tasks(clients: Clients, cluster: str, arns: list[str]) -> list[_Found]:
    """The running tasks among ``arns``: FIS acts on tasks that run, and a stopped one is gone."""
    found = []
    for batch in _batches(arns):
        for task in clients("ecs").describe_tasks(cluster=cluster, tasks=batch, include=["TAGS"])["tasks"]:
            if task.get("desiredStatus") == "RUNNING":
                resource = Resource("ECS task", _last(task["taskArn"]), cluster=_last(task["clusterArn"]))
                found.append(_Found(task["taskArn"], resource, task, _lower_tags(task.get("tags", []))))
    return found


def _task_holds(task: Mapping[str, Any], parameters: Parameters) -> bool:
    cluster, service = parameters.get("cluster"), parameters.get("service")
    return (cluster is None or _last(cluster) == _last(task.get("clusterArn", ""))) and (
        service is None or task.get("group") == f"service:{_last(service)}"
    )


# --- aws:ecs:cluster -------------------------------------------------------------------------


def _clusters_by_arn(clients: Clients, arns: list[str], parameters: Parameters) -> list[_Found]:
    found = []
    for batch in _batches(arns):
        for cluster in clients("ecs").describe_clusters(clusters=batch, include=["TAGS"])["clusters"]:
            if cluster.get("status") == "ACTIVE":
                resource = Resource("ECS cluster", cluster["clusterName"])
                found.append(
                    _Found(cluster["clusterArn"], resource, cluster, _lower_tags(cluster.get("tags", [])))
                )
    return found


def _clusters_listed(clients: Clients, parameters: Parameters) -> list[_Found]:
    return _clusters_by_arn(clients, _pages(clients("ecs"), "list_clusters", "clusterArns[]"), parameters)


# --- aws:ec2:instance and aws:ec2:subnet -----------------------------------------------------


@dataclass(frozen=True)
class _Ec2:
    """An EC2 resource type: described by id, or all of them, with their tags in the answer."""

    resource_type: ResourceType
    operation: str  # the paginated Describe call
    items: str  # where its answer holds the resources (JMESPath)
    id_key: str  # the id member of each, e.g. InstanceId

    def by_arns(self, clients: Clients, arns: list[str], parameters: Parameters) -> list[_Found]:
        asked = {_last(arn): arn for arn in arns}
        described = _pages(clients("ec2"), self.operation, self.items, **{f"{self.id_key}s": list(asked)})
        return [self._found(item, asked[item[self.id_key]]) for item in described]

    def listed(self, clients: Clients, parameters: Parameters) -> list[_Found]:
        return [
            self._found(item, item[self.id_key])
            for item in _pages(clients("ec2"), self.operation, self.items)
        ]

    def _found(self, item: dict[str, Any], arn: str) -> _Found:
        resource = Resource(self.resource_type, item[self.id_key])
        return _Found(arn, resource, item, _upper_tags(item.get("Tags", [])))


_INSTANCES = _Ec2("EC2 instance", "describe_instances", "Reservations[].Instances[]", "InstanceId")
_SUBNETS = _Ec2("subnet", "describe_subnets", "Subnets[]", "SubnetId")


def _subnet_holds(subnet: Mapping[str, Any], parameters: Parameters) -> bool:
    zone, vpc = parameters.get("availabilityZoneIdentifier"), parameters.get("vpc")
    return (zone is None or zone in (subnet.get("AvailabilityZone"), subnet.get("AvailabilityZoneId"))) and (
        vpc is None or vpc == subnet.get("VpcId")
    )


# --- aws:lambda:function and aws:iam:role ----------------------------------------------------


def _functions_by_arn(clients: Clients, arns: list[str], parameters: Parameters) -> list[_Found]:
    found = []
    for arn in arns:
        function = clients("lambda").get_function(FunctionName=arn)
        found.append(_function(function["Configuration"], arn, parameters, function.get("Tags", {})))
    return found


def _functions_listed(clients: Clients, parameters: Parameters) -> list[_Found]:
    functions = _pages(clients("lambda"), "list_functions", "Functions[]")
    return [_function(function, function["FunctionArn"], parameters, None) for function in functions]


def _function(
    configuration: dict[str, Any], arn: str, parameters: Parameters, tags: Mapping[str, str] | None
) -> _Found:
    """A function as the fault reaches it: ``name:qualifier`` when the target names a version or alias."""
    qualifier = parameters.get("functionQualifier")
    name = configuration["FunctionName"] + (f":{qualifier}" if qualifier else "")
    return _Found(arn, Resource("Lambda function", name), configuration, tags)


def _roles_by_arn(clients: Clients, arns: list[str], parameters: Parameters) -> list[_Found]:
    found = []
    for arn in arns:
        role = clients("iam").get_role(RoleName=_last(arn))["Role"]
        found.append(
            _Found(arn, Resource("IAM role", role["RoleName"]), role, _upper_tags(role.get("Tags", [])))
        )
    return found


def _roles_listed(clients: Clients, parameters: Parameters) -> list[_Found]:
    """Every role (ListRoles leaves tags out: pre-flight reads each one's)."""
    roles = _pages(clients("iam"), "list_roles", "Roles[]")
    return [_Found(role["Arn"], Resource("IAM role", role["RoleName"]), role, None) for role in roles]


_TYPES: dict[str, _Type] = {
    "aws:ecs:task": _Type("ecs:task", _tasks_by_arn, _tasks_listed, ("cluster", "service"), _task_holds),
    "aws:ecs:cluster": _Type("ecs:cluster", _clusters_by_arn, _clusters_listed),
    "aws:ec2:instance": _Type("ec2:instance", _INSTANCES.by_arns, _INSTANCES.listed),
    "aws:ec2:subnet": _Type(
        "ec2:subnet", _SUBNETS.by_arns, _SUBNETS.listed, ("availabilityZoneIdentifier", "vpc"), _subnet_holds
    ),
    "aws:lambda:function": _Type(
        "lambda:function", _functions_by_arn, _functions_listed, ("functionQualifier",)
    ),
    "aws:iam:role": _Type("iam:role", _roles_by_arn, _roles_listed),
}
"""The resource types gameday resolves: those its faults and the template actions it knows act on."""
