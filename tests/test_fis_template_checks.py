"""FIS template files in the shapes AWS publishes, checked as CreateExperimentTemplate would check
them: every problem at once, on its line, in plain words; and the ARN checks of ``gameday
fis-template`` against the target."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from fis_helpers import ALARM, aws_target, create_template_problems, scenario_with
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faults.fis.template_file import complete_template
from gameday.cli import main
from gameday.errors import InputError
from gameday.fis_template import read_template_file

ROLE = "arn:aws:iam::111122223333:role/fis-experiment"


def ecs_stop_task(target: dict[str, Any]) -> dict[str, Any]:
    """AWS's public ECS stop-task template, with the given target definition."""
    return {
        "description": "Stop ECS tasks",
        "roleArn": ROLE,
        "stopConditions": [{"source": "aws:cloudwatch:alarm", "value": ALARM}],
        "targets": {"Tasks-Target-1": {"resourceType": "aws:ecs:task", **target}},
        "actions": {"StopTasks": {"actionId": "aws:ecs:stop-task", "targets": {"Tasks": "Tasks-Target-1"}}},
        "tags": {"Name": "StopTasks"},
        "experimentOptions": {"accountTargeting": "single-account", "emptyTargetResolutionMode": "skip"},
    }


EC2_STOP = {
    "description": "Stop and restart instances in one AZ",
    "targets": {
        "Instances": {
            "resourceType": "aws:ec2:instance",
            "resourceTags": {"Env": "staging"},
            "filters": [
                {"path": "Placement.AvailabilityZone", "values": ["eu-west-1a"]},
                {"path": "State.Name", "values": ["running"]},
            ],
            "selectionMode": "PERCENT(50)",
        }
    },
    "actions": {
        "StopInstances": {
            "actionId": "aws:ec2:stop-instances",
            "parameters": {"startInstancesAfterDuration": "PT5M"},
            "targets": {"Instances": "Instances"},
        }
    },
    "stopConditions": [{"source": "none"}],
    "roleArn": ROLE,
}

NETWORK_AFTER_WAIT = {
    "description": "Wait for the baseline, then cut the subnets off",
    "targets": {
        "Subnets": {
            "resourceType": "aws:ec2:subnet",
            "parameters": {"availabilityZoneIdentifier": "euw1-az1", "vpc": "vpc-0abc"},
            "selectionMode": "ALL",
        }
    },
    "actions": {
        "Baseline": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT2M"}},
        "Disrupt": {
            "actionId": "aws:network:disrupt-connectivity",
            "parameters": {"duration": "PT5M", "scope": "all"},
            "targets": {"Subnets": "Subnets"},
            "startAfter": ["Baseline"],
        },
    },
    "stopConditions": [{"source": "aws:cloudwatch:alarm", "value": ALARM}],
    "roleArn": ROLE,
    "logConfiguration": {
        "logSchemaVersion": 2,
        "cloudWatchLogsConfiguration": {
            "logGroupArn": "arn:aws:logs:eu-west-1:111122223333:log-group:/fis/experiments:*"
        },
    },
}

PUBLISHED = {
    "ecs-by-tags": ecs_stop_task(
        {"resourceTags": {"aws:ecs:serviceName": "orders"}, "selectionMode": "COUNT(1)"}
    ),
    "ecs-by-arns": ecs_stop_task(
        {
            "resourceArns": ["arn:aws:ecs:eu-west-1:111122223333:task/shop/0123456789abcdef"],
            "selectionMode": "ALL",
        }
    ),
    "ecs-by-placement": ecs_stop_task(
        {
            "parameters": {"cluster": "shop", "service": "orders"},
            "filters": [{"path": "AvailabilityZone", "values": ["eu-west-1a"]}],
            "selectionMode": "PERCENT(25)",
        }
    ),
    "ec2-stop-instances": EC2_STOP,
    "network-after-wait": NETWORK_AFTER_WAIT,
    "saved-by-get-experiment-template": {
        "experimentTemplate": {
            **EC2_STOP,
            "id": "EXT1a2b3c",
            "arn": "arn:aws:fis:eu-west-1:111122223333:experiment-template/EXT1a2b3c",
            "creationTime": "2026-01-01T10:00:00+00:00",
            "lastUpdateTime": "2026-01-01T10:00:00+00:00",
        }
    },
}


def write(folder: Path, data: Any, name: str = "t.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as raised:
        read_template_file(path)
    return [str(problem) for problem in raised.value.problems]


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_templates_in_the_shapes_aws_publishes_pass_and_botocore_agrees(tmp_path: Path, name: str) -> None:
    template = read_template_file(write(tmp_path, PUBLISHED[name]))
    completed = complete_template(template, aws_target(), run_id="r", fault_id="f")
    assert create_template_problems(completed) == ""


def test_an_iam_policy_is_refused_as_a_template(tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["ecs:StopTask"], "Resource": "*"}],
    }
    path = write(tmp_path, policy)
    assert problems_of(path) == [
        f"{path}:3: Statement: this is an IAM policy, not an FIS experiment template (it has no actions)"
    ]


def test_five_mistakes_are_listed_at_once_each_on_its_line(tmp_path: Path) -> None:
    template = json.loads(json.dumps(NETWORK_AFTER_WAIT))
    template["targets"]["Subnets"]["selectionMode"] = "SOME"
    template["actions"]["Baseline"]["parameters"]["duration"] = "5m"
    template["actions"]["Disrupt"]["startAfter"] = ["Warmup"]
    template["actions"]["Disrupt"]["targets"] = {"Subnets": "Subnet"}
    template["logConfiguration"]["logSchemaVersion"] = "2"
    path = write(tmp_path, template)
    lines = path.read_text(encoding="utf-8").splitlines()

    misnamed = '"Subnet"'

    def at(text: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if text in line)

    assert problems_of(path) == [
        f"{path}:{at('SOME')}: targets.Subnets.selectionMode: 'SOME' is not ALL, COUNT(n) or PERCENT(n)",
        f"{path}:{at('5m')}: actions.Baseline.parameters.duration: '5m' is not an ISO 8601 duration "
        "(PT5M, PT1H30M)",
        f"{path}:{at(misnamed)}: actions.Disrupt.targets.Subnets: names no target of the template: "
        "'Subnet' (targets: Subnets)",
        f"{path}:{at('Warmup')}: actions.Disrupt.startAfter[0]: 'Warmup' is no other action",
        f"{path}:{at('logSchemaVersion')}: logConfiguration.logSchemaVersion: must be a whole number, "
        "not the text '2'",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"actionId": "aws:ecs:stop-task"},
            "actions.Disrupt.targets.Subnets: target 'Subnets' selects aws:ec2:subnet; aws:ecs:stop-task "
            "acts on aws:ecs:task",
        ),
        (
            {"actionId": "aws:ec2:stop-instances"},
            "target 'Subnets' selects aws:ec2:subnet; aws:ec2:stop-instances acts on aws:ec2:instance",
        ),
        ({"actionId": "aws:fis:wait"}, "actions.Disrupt.targets: aws:fis:wait takes no targets"),
        (
            {"parameters": {"duration": 5}},
            "actions.Disrupt.parameters.duration: must be text, not the number 5",
        ),
        ({"colour": "red"}, "actions.Disrupt.colour: unknown field (FIS takes: actionId, description"),
    ],
)
def test_an_action_that_does_not_fit_its_target_is_named(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    template = json.loads(json.dumps(NETWORK_AFTER_WAIT))
    template["actions"]["Disrupt"].update(change)
    assert any(message in problem for problem in problems_of(write(tmp_path, template)))


def test_arns_and_tags_together_and_an_unknown_option_are_refused(tmp_path: Path) -> None:
    template = ecs_stop_task(
        {
            "resourceArns": ["arn:aws:ecs:eu-west-1:111122223333:task/shop/0123456789abcdef"],
            "resourceTags": {"team": "shop"},
            "selectionMode": "ALL",
        }
    )
    template["experimentOptions"]["emptyTargetResolutionMode"] = "ignore"
    problems = problems_of(write(tmp_path, template))
    assert any("resourceTags: cannot be combined with resourceArns" in problem for problem in problems)
    assert any(
        "emptyTargetResolutionMode: 'ignore' is not one of: fail, skip" in problem for problem in problems
    )


# --- arbitrary JSON -----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
_PROBLEM = re.compile(r"[^\n]+\.json(:\d+)?: [^\n]+")
_INTERNALS = (
    "Traceback",
    "pydantic",
    "dictionary update",
    "invalid literal",
    "should match pattern",
    "NoneType",
)


def accepts_or_refuses_plainly(data: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), data)
        try:
            read_template_file(path)
        except InputError as error:
            assert error.problems
            for problem in error.problems:
                text = str(problem)
                assert _PROBLEM.fullmatch(text), text
                assert not any(internal in text for internal in _INTERNALS), text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_VALUES)
def test_any_json_is_accepted_or_refused_with_located_problems(data: Any) -> None:
    accepts_or_refuses_plainly(data)


FIELDS = [
    ("description",),
    ("roleArn",),
    ("stopConditions",),
    ("stopConditions", 0, "value"),
    ("targets",),
    ("targets", "Subnets"),
    ("targets", "Subnets", "selectionMode"),
    ("targets", "Subnets", "parameters"),
    ("actions",),
    ("actions", "Disrupt"),
    ("actions", "Disrupt", "actionId"),
    ("actions", "Disrupt", "parameters"),
    ("actions", "Disrupt", "targets"),
    ("actions", "Disrupt", "startAfter"),
    ("logConfiguration", "logSchemaVersion"),
    ("experimentOptions",),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), JSON_VALUES)
def test_any_json_in_a_field_of_a_valid_template_is_accepted_or_refused_plainly(
    field: tuple[str | int, ...], value: Any
) -> None:
    template = json.loads(json.dumps(NETWORK_AFTER_WAIT))
    node = template
    for part in field[:-1]:
        node = node[part]
    node[field[-1]] = value
    accepts_or_refuses_plainly(template)


# --- gameday validate and gameday fis-template ----------------------------------------------------


def scenario_for(folder: Path, template_name: str) -> Path:
    """A scenario running the template, with a window long enough for the longest one here (7 min)."""
    fault = {"kind": "fis-template", "file": template_name, "at": "1m", "for": "8m"}
    return scenario_with(folder, [fault], duration="10m")


def test_validate_lists_the_template_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"Version": "2012-10-17", "Statement": [], "actions": {}}, "t.json")
    assert main(["validate", str(scenario_for(tmp_path, "t.json"))]) == 2
    err = capsys.readouterr().err
    assert "t.json:2: Version: unknown field" in err and "t.json:4: actions: needs at least 1 entry" in err


def print_template(
    folder: Path, template: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    write(folder, template)
    targets = folder / "targets.yaml"
    target = aws_target().model_dump(mode="json", by_alias=True, exclude_none=True)
    targets.write_text(yaml.safe_dump({"targets": {"prod": target}}), encoding="utf-8")
    argv = [
        "fis-template",
        str(scenario_for(folder, "t.json")),
        "--target",
        "prod",
        "--targets",
        str(targets),
    ]
    code = main(argv)
    return code, capsys.readouterr().err


def test_the_command_prints_a_template_whose_arns_are_the_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert print_template(tmp_path, NETWORK_AFTER_WAIT, capsys) == (0, "")


def test_the_command_refuses_arns_that_cannot_be_the_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = json.loads(json.dumps(NETWORK_AFTER_WAIT))
    template["roleArn"] = "arn:aws:iam::<YOUR AWS ACCOUNT>:role/AllowFISExperimentRole"
    template["stopConditions"] = [
        {"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:111122223333:alarm:5xx"},
        {"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:5xx"},
    ]
    template["logConfiguration"]["cloudWatchLogsConfiguration"]["logGroupArn"] = (
        "arn:aws:logs:eu-west-1:${AWS::AccountId}:log-group:/fis"
    )
    code, err = print_template(tmp_path, template, capsys)
    assert code == 2
    assert "roleArn: 'arn:aws:iam::<YOUR AWS ACCOUNT>:role/AllowFISExperimentRole' is a placeholder" in err
    assert "stopConditions[0].value: the alarm is in region us-east-1; the target runs in eu-west-1" in err
    assert "stopConditions[1].value: 123456789012 is the example account of AWS's docs" in err
    assert "logConfiguration.cloudWatchLogsConfiguration.logGroupArn: " in err and "is a placeholder" in err
    template["roleArn"] = "arn:aws:iam::444455556666:role/fis"
    code, err = print_template(tmp_path, template, capsys)
    assert "roleArn: the role is in account 444455556666, outside the target's account_allowlist" in err
    assert re.search(r"t.json:\d+: roleArn", err)
