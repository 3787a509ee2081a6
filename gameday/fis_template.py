"""An FIS experiment template file, checked before a run as FIS would check it on creation.

A scenario's ``kind: fis-template`` names a JSON file in the shape ``aws fis
create-experiment-template --cli-input-json`` takes, or as ``get-experiment-template`` saves it
(wrapped in ``experimentTemplate``, with ``id``, ``arn`` and times, which are ignored). Teams copy
these from the AWS console and the docs and edit them by hand, so the shape is checked here: every
problem is ``file:line: field: message`` in the template's own lines, and nothing reaches FIS or the
local translation that would fail there with a Python error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from gameday.errors import InputError, Problem
from gameday.jsonfile import read_json
from gameday.shared import Strict
from gameday.yamlfile import field_name, line_for, located, problems_from, raise_located

Template = dict[str, Any]

# Every action FIS lists (``aws fis list-actions``, and the actions reference), so that a typo is
# an error before the run rather than a failed CreateExperimentTemplate once the load is running.
KNOWN_ACTIONS = frozenset(
    {
        "aws:arc:start-zonal-autoshift",
        "aws:cloudwatch:assert-alarm-state",
        "aws:directconnect:virtual-interface-disconnect",
        "aws:dsql:cluster-connection-failure",
        "aws:dynamodb:global-table-pause-replication",
        "aws:ebs:pause-volume-io",
        "aws:ebs:volume-io-latency",
        "aws:ec2:api-insufficient-instance-capacity-error",
        "aws:ec2:asg-insufficient-instance-capacity-error",
        "aws:ec2:reboot-instances",
        "aws:ec2:send-spot-instance-interruptions",
        "aws:ec2:stop-instances",
        "aws:ec2:terminate-instances",
        "aws:ecs:drain-container-instances",
        "aws:ecs:stop-task",
        "aws:ecs:task-cpu-stress",
        "aws:ecs:task-io-stress",
        "aws:ecs:task-kill-process",
        "aws:ecs:task-network-blackhole-port",
        "aws:ecs:task-network-latency",
        "aws:ecs:task-network-packet-loss",
        "aws:eks:inject-kubernetes-custom-resource",
        "aws:eks:pod-cpu-stress",
        "aws:eks:pod-delete",
        "aws:eks:pod-io-stress",
        "aws:eks:pod-memory-stress",
        "aws:eks:pod-network-blackhole-port",
        "aws:eks:pod-network-latency",
        "aws:eks:pod-network-packet-loss",
        "aws:eks:terminate-nodegroup-instances",
        "aws:elasticache:interrupt-cluster-az-power",
        "aws:elasticache:replicationgroup-interrupt-az-power",
        "aws:fis:inject-api-internal-error",
        "aws:fis:inject-api-throttle-error",
        "aws:fis:inject-api-unavailable-error",
        "aws:fis:wait",
        "aws:kinesis:stream-provisioned-throughput-exception",
        "aws:kinesis:stream-expired-iterator-exception",
        "aws:lambda:invocation-add-delay",
        "aws:lambda:invocation-error",
        "aws:lambda:invocation-http-integration-response",
        "aws:memorydb:multi-region-cluster-pause-replication",
        "aws:network:disrupt-connectivity",
        "aws:network:disrupt-vpc-endpoint",
        "aws:network:route-table-disrupt-cross-region-connectivity",
        "aws:network:transit-gateway-disrupt-cross-region-connectivity",
        "aws:rds:failover-db-cluster",
        "aws:rds:reboot-db-instances",
        "aws:s3:bucket-pause-replication",
        "aws:ssm:send-command",
        "aws:ssm:start-automation-execution",
    }
)
_ACTION_ID = re.compile(r"aws:[a-z0-9-]+:[a-z0-9-]+")
_SELECTION = re.compile(r"ALL|COUNT\(\d+\)|PERCENT\((100|\d{1,2})(\.\d+)?\)")


class TemplateTarget(Strict):
    resourceType: str = Field(min_length=1)
    selectionMode: str
    resourceArns: list[str] | None = None
    resourceTags: dict[str, str] | None = None
    filters: list[dict[str, Any]] | None = None
    parameters: dict[str, str] | None = None

    @field_validator("selectionMode")
    @classmethod
    def _mode(cls, mode: str) -> str:
        if not _SELECTION.fullmatch(mode):
            raise ValueError(f"'{mode}' is not ALL, COUNT(n) or PERCENT(n)")
        return mode


class TemplateAction(Strict):
    actionId: str
    description: str | None = None
    parameters: dict[str, str] | None = None
    targets: dict[str, str] | None = None
    startAfter: list[str] | None = None

    @field_validator("actionId")
    @classmethod
    def _known(cls, action_id: str) -> str:
        if not _ACTION_ID.fullmatch(action_id):
            raise ValueError(f"'{action_id}' is not an FIS action id (aws:<service>:<action>)")
        if action_id not in KNOWN_ACTIONS:
            service = action_id.split(":")[1]
            same = sorted(a for a in KNOWN_ACTIONS if a.split(":")[1] == service)
            raise ValueError(
                f"'{action_id}' is not an FIS action"
                + (f" (FIS actions for {service}: {', '.join(same)})" if same else "")
            )
        return action_id


class StopCondition(Strict):
    source: str
    value: str | None = None


class TemplateFile(Strict):
    description: str | None = None
    targets: dict[str, TemplateTarget] = {}
    actions: dict[str, TemplateAction] = Field(min_length=1)
    stopConditions: list[StopCondition] | None = None
    roleArn: str | None = None
    tags: dict[str, str] | None = None
    logConfiguration: dict[str, Any] | None = None
    experimentOptions: dict[str, Any] | None = None
    experimentReportConfiguration: dict[str, Any] | None = None
    # what get-experiment-template adds; not passed on
    id: str | None = None
    arn: str | None = None
    creationTime: Any = None
    lastUpdateTime: Any = None

    @model_validator(mode="after")
    def _references(self) -> TemplateFile:
        problems = []
        for name, action in self.actions.items():
            for key, target in (action.targets or {}).items():
                if target not in self.targets:
                    known = ", ".join(sorted(self.targets)) or "none"
                    message = f"names no target of the template: '{target}' (targets: {known})"
                    problems.append(located(("actions", name, "targets", key), message))
            for index, before in enumerate(action.startAfter or []):
                if before not in self.actions or before == name:
                    problems.append(
                        located(("actions", name, "startAfter", index), f"'{before}' is no other action")
                    )
        raise_located("TemplateFile", problems)
        return self


def read_template_file(path: Path) -> Template:
    """The template in ``path`` (unwrapped), checked; :class:`InputError` with every located problem."""
    data, lines = read_json(path, what="FIS template")
    prefix: tuple[str, ...] = ()
    if isinstance(data, dict) and isinstance(data.get("experimentTemplate"), dict):
        data, prefix = (
            data["experimentTemplate"],
            ("experimentTemplate",),
        )  # as get-experiment-template saves it
    if not isinstance(data, dict):
        kind = {list: "a list", type(None): "null"}.get(type(data), type(data).__name__)
        raise InputError(
            [Problem(str(path), 1, "", f"an FIS template is a JSON object with actions, not {kind}")]
        )
    try:
        TemplateFile.model_validate(data)
    except ValidationError as exc:
        nested = {loc[len(prefix) :]: line for loc, line in lines.items() if loc[: len(prefix)] == prefix}
        raise InputError(problems_from(exc, str(path), data, nested)) from None
    return data


def template_line(path: Path, loc: tuple[str | int, ...]) -> str:
    """``file:line: field`` of a place in a template, for errors found after the checks here."""
    try:
        _, lines = read_json(path, what="FIS template")
    except InputError:  # the file changed since it was checked: the field is still worth naming
        lines = {}
    line = line_for(loc, lines)
    return f"{path}:{line}: {field_name(loc)}" if line else f"{path}: {field_name(loc)}"
