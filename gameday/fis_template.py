"""An FIS experiment template file, checked before a run as FIS would check it on creation.

A scenario's ``kind: fis-template`` names a JSON file in the shape ``aws fis
create-experiment-template --cli-input-json`` takes, or as ``get-experiment-template`` saves it
(wrapped in ``experimentTemplate``, with ``id``, ``arn`` and times, which are ignored). Teams copy
these from the AWS console, AWS's public library and the docs and edit them by hand, so they are
checked here against botocore's CreateExperimentTemplate input shape and then action by action
(known ids, durations, selection modes, references, resource types). Every problem is
``file:line: field: message`` in the template's own lines, all of them at once, and nothing reaches
FIS or the local translation that would fail there with a Python error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
from botocore.model import Shape

from gameday.errors import InputError, Problem
from gameday.fis_shape import Finding, check_shape, kind_of
from gameday.jsonfile import read_json
from gameday.yamlfile import field_name, line_for
from gameday.yamltree import Location

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

# The resource type each action acts on, from the FIS actions reference (aws-facts §1.4): a target
# of another type is refused by FIS when the template is created, after the load has started.
_ACTS_ON = {
    **{
        action: "aws:ecs:task"
        for action in KNOWN_ACTIONS
        if action.startswith(("aws:ecs:task-", "aws:ecs:stop-task"))
    },
    "aws:ecs:drain-container-instances": "aws:ecs:cluster",
    "aws:network:disrupt-connectivity": "aws:ec2:subnet",
    "aws:ec2:stop-instances": "aws:ec2:instance",
    "aws:eks:pod-delete": "aws:eks:pod",
    **dict.fromkeys(
        (
            "aws:lambda:invocation-add-delay",
            "aws:lambda:invocation-error",
            "aws:lambda:invocation-http-integration-response",
        ),
        "aws:lambda:function",
    ),
    **dict.fromkeys(
        (
            "aws:fis:inject-api-throttle-error",
            "aws:fis:inject-api-internal-error",
            "aws:fis:inject-api-unavailable-error",
        ),
        "aws:iam:role",
    ),
}
_TARGETLESS = frozenset({"aws:fis:wait", "aws:cloudwatch:assert-alarm-state"})
_DURATION_PARAMETERS = frozenset({"duration", "startInstancesAfterDuration"})
_DURATION = re.compile(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
_SELECTION = re.compile(r"ALL|COUNT\(\d+\)|PERCENT\((100|\d{1,2})(\.\d+)?\)")
# What gameday fills in itself (faults/fis/template_file.py complete_template) or boto3 does.
_FILLED_IN = frozenset({"clientToken", "description", "roleArn", "stopConditions", "tags"})
# What get-experiment-template adds to a saved template; not passed on.
_SAVED_ONLY = frozenset({"id", "arn", "creationTime", "lastUpdateTime", "targetAccountConfigurationsCount"})


@cache
def _create_input() -> Shape:
    """botocore's CreateExperimentTemplate input shape: what FIS itself checks on creation."""
    model = botocore.session.get_session().get_service_model("fis")
    return model.operation_model("CreateExperimentTemplate").input_shape


def template_findings(template: Template) -> list[Finding]:
    """Every way ``template`` (unwrapped) would fail CreateExperimentTemplate, as located messages."""
    if "Statement" in template and "actions" not in template:  # the role's policy, picked by mistake
        return [(("Statement",), "this is an IAM policy, not an FIS experiment template (it has no actions)")]
    sent = {key: value for key, value in template.items() if key not in _SAVED_ONLY}
    findings = list(check_shape(sent, _create_input(), (), _FILLED_IN))
    actions, targets = _mapping(template.get("actions")), _mapping(template.get("targets"))
    if "actions" in template and isinstance(template["actions"], dict) and not actions:
        findings.append((("actions",), "needs at least 1 entry, not 0"))
    for name, target in targets.items():
        findings += _target_findings(("targets", name), _mapping(target))
    for name, action in actions.items():
        findings += _action_findings(name, _mapping(action), actions, targets)
    return findings


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else empty: its shape problem is reported once, already."""
    return value if isinstance(value, dict) else {}


def _target_findings(loc: Location, target: dict[str, Any]) -> Iterator[Finding]:
    mode = target.get("selectionMode")
    if isinstance(mode, str) and not _SELECTION.fullmatch(mode):
        yield (*loc, "selectionMode"), f"'{mode[:40]}' is not ALL, COUNT(n) or PERCENT(n)"
    if "resourceArns" in target:
        for other in ("resourceTags", "filters"):
            if other in target:
                yield (*loc, other), "cannot be combined with resourceArns: FIS takes one or the other"


def _action_findings(
    name: str, action: dict[str, Any], actions: dict[str, Any], targets: dict[str, Any]
) -> Iterator[Finding]:
    loc: Location = ("actions", name)
    action_id = action.get("actionId") if isinstance(action.get("actionId"), str) else None
    if action_id is not None:
        yield from _known(loc, action_id)
    for parameter, value in _mapping(action.get("parameters")).items():
        if parameter in _DURATION_PARAMETERS and isinstance(value, str) and not _DURATION.fullmatch(value):
            yield (
                (*loc, "parameters", parameter),
                f"'{value[:40]}' is not an ISO 8601 duration (PT5M, PT1H30M)",
            )
    action_targets = _mapping(action.get("targets"))
    if action_id in _TARGETLESS and action_targets:
        yield (*loc, "targets"), f"{action_id} takes no targets"
    for key, target in action_targets.items():
        if isinstance(target, str):
            yield from _target_reference((*loc, "targets", key), target, action_id, targets)
    start_after = action.get("startAfter")
    for index, before in enumerate(start_after if isinstance(start_after, list) else []):
        if isinstance(before, str) and (before not in actions or before == name):
            yield (*loc, "startAfter", index), f"'{before[:64]}' is no other action"


def _known(loc: Location, action_id: str) -> Iterator[Finding]:
    if action_id in KNOWN_ACTIONS:
        return
    parts = action_id.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        yield (*loc, "actionId"), f"'{action_id[:64]}' is not an FIS action id (aws:<service>:<action>)"
        return
    same = sorted(known for known in KNOWN_ACTIONS if known.split(":")[1] == parts[1])
    hint = f" (FIS actions for {parts[1]}: {', '.join(same)})" if same else ""
    yield (*loc, "actionId"), f"'{action_id[:64]}' is not an FIS action{hint}"


def _target_reference(
    loc: Location, target: str, action_id: str | None, targets: dict[str, Any]
) -> Iterator[Finding]:
    if target not in targets:
        known = ", ".join(sorted(targets)) or "none"
        yield loc, f"names no target of the template: '{target[:64]}' (targets: {known})"
        return
    wanted, found = _ACTS_ON.get(action_id or ""), _mapping(targets[target]).get("resourceType")
    if wanted and isinstance(found, str) and found != wanted:
        yield loc, f"target '{target}' selects {found[:64]}; {action_id} acts on {wanted}"


def read_template_file(path: Path) -> Template:
    """The template in ``path`` (unwrapped), checked; :class:`InputError` with every located problem."""
    data, lines = read_json(path, what="FIS template")
    data, lines = _unwrapped(data, lines)
    if not isinstance(data, dict):
        raise InputError(
            [
                Problem(
                    str(path),
                    1,
                    "",
                    _printable(f"an FIS template is a JSON object with actions, not {kind_of(data)}"),
                )
            ]
        )
    problems = located_problems(path, template_findings(data), lines)
    if problems:
        raise InputError(problems)
    return data


def _unwrapped(data: Any, lines: dict[Location, int]) -> tuple[Any, dict[Location, int]]:
    """The template inside ``experimentTemplate``, as get-experiment-template saves it, and its lines."""
    if not (isinstance(data, dict) and isinstance(data.get("experimentTemplate"), dict)):
        return data, lines
    nested = {loc[1:]: line for loc, line in lines.items() if loc[:1] == ("experimentTemplate",)}
    return data["experimentTemplate"], nested


def located_problems(path: Path, findings: list[Finding], lines: dict[Location, int]) -> list[Problem]:
    """``findings`` on the lines of ``path``, in the file's order, so a reader goes down the file."""
    problems = [
        Problem(str(path), line_for(loc, lines), _printable(field_name(loc)), _printable(message))
        for loc, message in findings
    ]
    return sorted(problems, key=lambda problem: problem.line or 0)


def _printable(text: str) -> str:
    """``text`` on one line: a key or value holding a newline or control character shows it escaped."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def template_lines(path: Path) -> dict[Location, int]:
    """Where each field of the (unwrapped) template in ``path`` stands; empty if it no longer reads."""
    try:
        data, lines = read_json(path, what="FIS template")
    except InputError:  # the file changed since it was checked: the field is still worth naming
        return {}
    return _unwrapped(data, lines)[1]


def template_line(path: Path, loc: tuple[str | int, ...]) -> str:
    """``file:line: field`` of a place in a template, for errors found after the checks here."""
    line = line_for(loc, template_lines(path))
    return f"{path}:{line}: {field_name(loc)}" if line else f"{path}: {field_name(loc)}"


_EXAMPLE_ACCOUNTS = frozenset({"123456789012", "111122223333"})  # the accounts AWS's docs write
_PLACEHOLDER = re.compile(r"[<>{}]|\$\{")  # <YOUR AWS ACCOUNT>, {{account}}, ${AWS::AccountId}


def arn_findings(template: Template, *, region: str, accounts: list[str]) -> list[Finding]:
    """ARNs in ``template`` that cannot be the target's: placeholders, the docs' example accounts,
    a role outside ``accounts``, stop-condition alarms outside ``region``.

    FIS would take some of these and fail at start, or run in an account nobody meant to harm.
    """
    findings: list[Finding] = []
    for loc, arn in _arns(template, ()):
        findings += _arn_findings(loc, arn, region=region, accounts=accounts)
    return findings


def _arns(value: Any, loc: Location) -> Iterator[tuple[Location, str]]:
    if isinstance(value, str) and value.startswith("arn:"):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _arns(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _arns(item, (*loc, index))


def _arn_findings(loc: Location, arn: str, *, region: str, accounts: list[str]) -> Iterator[Finding]:
    parts = arn.split(":", 5)
    account = parts[4] if len(parts) == 6 else ""
    if _PLACEHOLDER.search(arn) or len(parts) < 6 or (account and not re.fullmatch(r"\d{12}", account)):
        yield loc, f"'{arn[:80]}' is a placeholder: put in the real ARN"
    elif account in _EXAMPLE_ACCOUNTS and account not in accounts:
        yield loc, f"{account} is the example account of AWS's docs, not in the target's account_allowlist"
    elif loc == ("roleArn",) and account not in accounts:
        allowed = ", ".join(accounts)
        yield loc, f"the role is in account {account}, outside the target's account_allowlist ({allowed})"
    elif loc[:1] == ("stopConditions",) and loc[-1:] == ("value",) and parts[3] != region:
        yield loc, f"the alarm is in region {parts[3] or 'none'}; the target runs in {region}"
