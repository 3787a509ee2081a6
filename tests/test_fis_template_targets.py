"""A fis-template fault's targets, resolved before the run as FIS resolves them, and held to the
same pre-flight as native faults: opt-in tags on everything found, the blast radius on services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fis_helpers import StubbedAccount, aws_target, scenario_with

from gameday.cli import main
from gameday.errors import EnvironmentProblem, InputError
from gameday.run.plan import build_plan
from gameday.safety import preflight as preflight_module
from gameday.safety.preflight import preflight, touched_line
from gameday.safety.resources import Resource
from gameday.scenario import load_scenario

ACCOUNT = "111122223333"
CLUSTER_ARN = f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/shop"
OPT_IN = {"gameday:allowed": "true"}


def _action(action_id: str, targets: dict[str, str], **parameters: str) -> dict[str, Any]:
    """One template action on ``targets`` (its target key → the template's target name)."""
    return {"actionId": action_id, "targets": targets, **({"parameters": parameters} if parameters else {})}


STOP_TASKS = {"stop": _action("aws:ecs:stop-task", {"Tasks": "orders-tasks"})}


def _template(folder: Path, targets: dict[str, Any], actions: dict[str, Any]) -> dict[str, Any]:
    """A scenario fault running a template file of ``targets`` and ``actions``."""
    (folder / "template.json").write_text(json.dumps({"targets": targets, "actions": actions}))
    return {"kind": "fis-template", "file": "template.json", "at": "10s", "for": "5m"}


def _plan(folder: Path, fault: dict[str, Any], **target: Any) -> Any:
    scenario = load_scenario(scenario_with(folder, [fault], duration="10m"))
    return build_plan(scenario, aws_target(**target), "staging", run_id="r1")


def _resolved(folder: Path, fault: dict[str, Any], account: StubbedAccount) -> list[Resource]:
    """What the plan's one deferred resource resolves to in ``account``."""
    (deferred,) = _plan(folder, fault).faults[0].resources
    assert deferred.resolve is not None
    found = [each.resource for each in deferred.resolve(account)]
    account.assert_all_answered()
    return found


def _task(
    task_id: str, zone: str = "eu-west-1a", service: str = "orders", tags: dict[str, str] = OPT_IN
) -> dict[str, Any]:
    return {
        "taskArn": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task/shop/{task_id}",
        "clusterArn": CLUSTER_ARN,
        "group": f"service:{service}",
        "availabilityZone": zone,
        "desiredStatus": "RUNNING",
        "lastStatus": "RUNNING",
        "tags": [{"key": key, "value": value} for key, value in tags.items()],
    }


def _tagged(account: StubbedAccount, tagging_type: str, tags: dict[str, str], arns: list[str]) -> None:
    account.expect(
        "resourcegroupstaggingapi",
        "get_resources",
        {"ResourceTagMappingList": [{"ResourceARN": arn} for arn in arns]},
        {
            "ResourceTypeFilters": [tagging_type],
            "TagFilters": [{"Key": key, "Values": [value]} for key, value in tags.items()],
        },
    )


def _tagged_tasks(account: StubbedAccount, tags: dict[str, str], tasks: list[dict[str, Any]]) -> None:
    """The tasks carrying ``tags``, as the tagging API lists them and ECS describes them."""
    _tagged(account, "ecs:task", tags, [task["taskArn"] for task in tasks])
    if tasks:
        _described_tasks(account, tasks)


def _tasks_of_orders(task_ids: str, taken: int) -> list[Resource]:
    """What a target on tasks of service orders resolves to: the tasks, then the service."""
    tasks = [Resource("ECS task", task_id, cluster="shop") for task_id in task_ids]
    return [*tasks, Resource("ECS service", "orders", cluster="shop", taken=taken)]


def _described_tasks(account: StubbedAccount, tasks: list[dict[str, Any]]) -> None:
    arns = [task["taskArn"] for task in tasks]
    account.expect(
        "ecs", "describe_tasks", {"tasks": tasks}, {"cluster": "shop", "tasks": arns, "include": ["TAGS"]}
    )


def _service(account: StubbedAccount, desired: int, tags: dict[str, str] = OPT_IN) -> None:
    """The reads pre-flight makes of service orders: its tags, then its desired count."""
    shown = [{"key": key, "value": value} for key, value in tags.items()]
    account.expect(
        "ecs",
        "describe_services",
        {"services": [{"serviceName": "orders", "desiredCount": desired, "tags": shown}]},
        {"cluster": "shop", "services": ["orders"], "include": ["TAGS"]},
    )
    account.expect(
        "ecs",
        "describe_services",
        {"services": [{"serviceName": "orders", "desiredCount": desired}]},
        {"cluster": "shop", "services": ["orders"]},
    )


def _instance(instance_id: str, state: str = "running", tags: dict[str, str] = OPT_IN) -> dict[str, Any]:
    return {
        "InstanceId": instance_id,
        "State": {"Name": state},
        "Placement": {"AvailabilityZone": "eu-west-1a"},
        "Tags": [{"Key": key, "Value": value} for key, value in tags.items()],
    }


def _instance_arn(instance_id: str) -> str:
    return f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/{instance_id}"


STOP_INSTANCES = {"stop": _action("aws:ec2:stop-instances", {"Instances": "web"})}


# --- resolution ---------------------------------------------------------------------------------


def test_tagged_tasks_resolve_with_their_service_and_the_share_taken(tmp_path: Path) -> None:
    tags = {"gameday:target": "orders", **OPT_IN}
    targets = {
        "orders-tasks": {"resourceType": "aws:ecs:task", "resourceTags": tags, "selectionMode": "COUNT(1)"}
    }
    account = StubbedAccount()
    tasks = [_task("a"), _task("b")]
    _tagged_tasks(account, tags, tasks)

    assert _resolved(tmp_path, _template(tmp_path, targets, STOP_TASKS), account) == _tasks_of_orders(
        "ab", taken=1
    )


def test_the_plan_lists_each_template_target_it_will_resolve(tmp_path: Path) -> None:
    targets = {
        "orders-tasks": {"resourceType": "aws:ecs:task", "resourceTags": OPT_IN, "selectionMode": "ALL"},
        "unused": {"resourceType": "aws:ecs:task", "resourceTags": OPT_IN, "selectionMode": "ALL"},
    }
    plan = _plan(tmp_path, _template(tmp_path, targets, STOP_TASKS))

    assert plan.to_json()["faults"][0]["resources"] == [{"type": "FIS target", "name": "orders-tasks"}]


def test_instances_named_by_arn_resolve_to_those_instances(tmp_path: Path) -> None:
    arns = [_instance_arn("i-0a"), _instance_arn("i-0b")]
    targets = {"web": {"resourceType": "aws:ec2:instance", "resourceArns": arns, "selectionMode": "ALL"}}
    account = StubbedAccount()
    account.expect(
        "ec2",
        "describe_instances",
        {"Reservations": [{"Instances": [_instance("i-0a"), _instance("i-0b")]}]},
        {"InstanceIds": ["i-0a", "i-0b"]},
    )

    assert _resolved(tmp_path, _template(tmp_path, targets, STOP_INSTANCES), account) == [
        Resource("EC2 instance", "i-0a"),
        Resource("EC2 instance", "i-0b"),
    ]


def test_tasks_of_a_service_filtered_on_their_zone(tmp_path: Path) -> None:
    targets = {
        "orders-tasks": {
            "resourceType": "aws:ecs:task",
            "parameters": {"cluster": "shop", "service": "orders"},
            "filters": [{"path": "AvailabilityZone", "values": ["eu-west-1b"]}],
            "selectionMode": "PERCENT(50)",
        }
    }
    account = StubbedAccount()
    tasks = [_task("a"), _task("b", zone="eu-west-1b"), _task("c", zone="eu-west-1b"), _task("d")]
    account.expect(
        "ecs",
        "list_tasks",
        {"taskArns": [task["taskArn"] for task in tasks]},
        {"cluster": "shop", "serviceName": "orders"},
    )
    _described_tasks(account, tasks)

    assert _resolved(tmp_path, _template(tmp_path, targets, STOP_TASKS), account) == _tasks_of_orders(
        "bc", taken=1
    )


def test_the_service_parameter_keeps_that_services_tasks_only(tmp_path: Path) -> None:
    tags = {"team": "shop"}
    targets = {
        "orders-tasks": {
            "resourceType": "aws:ecs:task",
            "resourceTags": tags,
            "parameters": {"service": "orders"},
            "selectionMode": "ALL",
        }
    }
    account = StubbedAccount()
    tasks = [_task("a"), _task("b", service="bff")]
    _tagged_tasks(account, tags, tasks)

    assert _resolved(tmp_path, _template(tmp_path, targets, STOP_TASKS), account) == _tasks_of_orders(
        "a", taken=1
    )


def test_instances_filtered_on_their_state(tmp_path: Path) -> None:
    targets = {
        "web": {
            "resourceType": "aws:ec2:instance",
            "resourceTags": OPT_IN,
            "filters": [
                {"path": "State.Name", "values": ["running"]},
                {"path": "Placement.AvailabilityZone", "values": ["eu-west-1a", "eu-west-1b"]},
            ],
            "selectionMode": "ALL",
        }
    }
    account = StubbedAccount()
    _tagged(account, "ec2:instance", OPT_IN, [_instance_arn(i) for i in ("i-0a", "i-0b", "i-0c")])
    account.expect(
        "ec2",
        "describe_instances",
        {
            "Reservations": [
                {"Instances": [_instance("i-0a"), _instance("i-0b", "stopped"), _instance("i-0c")]}
            ]
        },
        {"InstanceIds": ["i-0a", "i-0b", "i-0c"]},
    )

    assert _resolved(tmp_path, _template(tmp_path, targets, STOP_INSTANCES), account) == [
        Resource("EC2 instance", "i-0a"),
        Resource("EC2 instance", "i-0c"),
    ]


@pytest.mark.parametrize("zone", ["eu-west-1b", "euw1-az2"])
def test_subnets_of_one_zone_by_name_or_id(tmp_path: Path, zone: str) -> None:
    targets = {
        "subnets": {
            "resourceType": "aws:ec2:subnet",
            "parameters": {"availabilityZoneIdentifier": zone, "vpc": "vpc-1"},
            "selectionMode": "ALL",
        }
    }
    actions = {
        "cut": _action(
            "aws:network:disrupt-connectivity", {"Subnets": "subnets"}, duration="PT2M", scope="all"
        )
    }

    def subnet(subnet_id: str, zone: str, zone_id: str, vpc: str = "vpc-1") -> dict[str, Any]:
        tags = [{"Key": "gameday:allowed", "Value": "true"}]
        return {
            "SubnetId": subnet_id,
            "AvailabilityZone": zone,
            "AvailabilityZoneId": zone_id,
            "VpcId": vpc,
            "Tags": tags,
        }

    account = StubbedAccount()
    subnets = [
        subnet("subnet-a", "eu-west-1a", "euw1-az1"),
        subnet("subnet-b", "eu-west-1b", "euw1-az2"),
        subnet("subnet-other-vpc", "eu-west-1b", "euw1-az2", vpc="vpc-2"),
    ]
    account.expect("ec2", "describe_subnets", {"Subnets": subnets}, {})

    assert _resolved(tmp_path, _template(tmp_path, targets, actions), account) == [
        Resource("subnet", "subnet-b")
    ]


# --- pre-flight ----------------------------------------------------------------------------------


def _preflight(
    folder: Path,
    fault: dict[str, Any],
    account: StubbedAccount,
    checked: list[str] | None = None,
    **target: Any,
) -> str:
    """Pre-flight as a run does it, on the plan of ``fault``, with the account's Stubber clients;
    ``checked`` gets each resource it passed, as the run's log and the dry run tell it."""
    plan = _plan(folder, fault, **target)
    account.expect("sts", "get_caller_identity", {"Account": ACCOUNT}, {})
    seen = checked if checked is not None else []
    return preflight(
        aws_target(**target),
        "staging",
        plan.faults,
        account,
        lambda planned, resource: seen.append(f"{planned.fault_id}: {touched_line(resource)}"),
    )


def test_an_untagged_instance_refuses_the_run_naming_it_and_the_template_target(tmp_path: Path) -> None:
    targets = {
        "web": {
            "resourceType": "aws:ec2:instance",
            "resourceArns": [_instance_arn("i-0a"), _instance_arn("i-0b")],
            "selectionMode": "COUNT(1)",
        }
    }
    account = StubbedAccount()
    account.expect(
        "ec2",
        "describe_instances",
        {"Reservations": [{"Instances": [_instance("i-0a"), _instance("i-0b", tags={"team": "shop"})]}]},
    )

    with pytest.raises(EnvironmentProblem) as refused:
        _preflight(tmp_path, _template(tmp_path, targets, STOP_INSTANCES), account)

    assert str(refused.value) == (
        "EC2 instance i-0b (through FIS target web) is not opted in to game days: it needs the tag "
        "gameday:allowed=true (target 'staging', fault fis-template on fis-template:template.json)"
    )
    assert refused.value.exit_code == 2


def test_tasks_of_an_untagged_service_refuse_the_run(tmp_path: Path) -> None:
    targets = {
        "orders-tasks": {"resourceType": "aws:ecs:task", "resourceTags": OPT_IN, "selectionMode": "COUNT(1)"}
    }
    account = StubbedAccount()
    tasks = [_task("a")]
    _tagged_tasks(account, OPT_IN, tasks)
    account.expect(
        "ecs",
        "describe_services",
        {"services": [{"serviceName": "orders", "desiredCount": 4, "tags": []}]},
    )

    with pytest.raises(
        EnvironmentProblem,
        match=r"ECS service orders in cluster shop \(through FIS target orders-tasks\) is not opted in",
    ):
        _preflight(tmp_path, _template(tmp_path, targets, STOP_TASKS), account)


@pytest.mark.parametrize(
    ("mode", "allowed"), [("PERCENT(50)", True), ("COUNT(2)", True), ("COUNT(3)", False), ("ALL", False)]
)
def test_the_blast_radius_holds_the_templates_selection_to_the_limit(
    tmp_path: Path, mode: str, allowed: bool
) -> None:
    targets = {
        "orders-tasks": {"resourceType": "aws:ecs:task", "resourceTags": OPT_IN, "selectionMode": mode}
    }
    account = StubbedAccount()
    tasks = [_task(task_id) for task_id in "abcd"]
    _tagged_tasks(account, OPT_IN, tasks)
    _service(account, desired=4)
    fault = _template(tmp_path, targets, STOP_TASKS)

    if allowed:
        checked: list[str] = []
        assert _preflight(tmp_path, fault, account, checked, blast_radius_percent=50) == ACCOUNT
        account.assert_all_answered()
        taken = {"PERCENT(50)": 2, "COUNT(2)": 2}[mode]
        assert checked == [
            *(f"f1-fis-template: ECS task {task} in cluster shop: opted in" for task in "abcd"),
            f"f1-fis-template: ECS service orders in cluster shop, at most {taken} task(s) taken: opted in",
        ]
        return
    with pytest.raises(EnvironmentProblem) as refused:
        _preflight(tmp_path, fault, account, blast_radius_percent=50)
    taken = {"ALL": 4, "COUNT(3)": 3}[mode]
    assert str(refused.value) == (
        "faults: fis-template on ECS service orders in cluster shop (through FIS target orders-tasks) "
        f"would take {taken * 25}% of its tasks ({taken} of 4 desired), "
        "above the target's blast_radius_percent of 50"
    )


def test_a_target_resolving_to_nothing_refuses_the_run_naming_it(tmp_path: Path) -> None:
    tags = {"gameday:target": "orders", **OPT_IN}
    targets = {"orders-tasks": {"resourceType": "aws:ecs:task", "resourceTags": tags, "selectionMode": "ALL"}}
    account = StubbedAccount()
    _tagged_tasks(account, tags, [])

    with pytest.raises(EnvironmentProblem) as refused:
        _preflight(tmp_path, _template(tmp_path, targets, STOP_TASKS), account)

    assert str(refused.value).startswith(
        "faults: fis-template template.json: target 'orders-tasks' resolves to nothing: "
        "no aws:ecs:task carrying the tags gameday:target=orders, gameday:allowed=true;"
    )


def test_a_percent_that_selects_none_refuses_the_run(tmp_path: Path) -> None:
    targets = {
        "orders-tasks": {
            "resourceType": "aws:ecs:task",
            "resourceTags": OPT_IN,
            "selectionMode": "PERCENT(20)",
        }
    }
    account = StubbedAccount()
    tasks = [_task("a"), _task("b")]
    _tagged_tasks(account, OPT_IN, tasks)

    with pytest.raises(EnvironmentProblem, match=r"selectionMode PERCENT\(20\) takes none of the 2 found"):
        _preflight(tmp_path, _template(tmp_path, targets, STOP_TASKS), account)


def test_a_type_gameday_cannot_resolve_is_refused_by_the_plan(tmp_path: Path) -> None:
    targets = {
        "pods": {
            "resourceType": "aws:eks:pod",
            "parameters": {
                "clusterIdentifier": "shop",
                "namespace": "default",
                "selectorType": "labelSelector",
                "selectorValue": "app=orders",
            },
            "selectionMode": "ALL",
        }
    }
    actions = {"delete": _action("aws:eks:pod-delete", {"Pods": "pods"}, kubernetesServiceAccount="fis")}

    with pytest.raises(InputError) as refused:
        _plan(tmp_path, _template(tmp_path, targets, actions))

    assert str(refused.value).startswith(
        "faults: fis-template template.json: target 'pods' is aws:eks:pod, which gameday cannot resolve "
        "before the run to check its opt-in tags and blast radius"
    )
    assert refused.value.exit_code == 2


def test_the_dry_run_tells_the_user_why_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same way out as a native fault's refusal: one line on stderr, exit 2, no traceback."""
    targets = {
        "orders-tasks": {"resourceType": "aws:ecs:task", "resourceTags": OPT_IN, "selectionMode": "ALL"}
    }
    scenario = scenario_with(tmp_path, [_template(tmp_path, targets, STOP_TASKS)], duration="10m")
    target = aws_target().model_dump(mode="json", by_alias=True, exclude_none=True)
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump({"targets": {"staging": target}}))
    account = StubbedAccount()
    account.expect("sts", "get_caller_identity", {"Account": ACCOUNT}, {})
    _tagged_tasks(account, OPT_IN, [])
    monkeypatch.setattr(preflight_module, "aws_client", lambda target, service: account(service))

    argv = [
        "run",
        str(scenario),
        "--target",
        "staging",
        "--targets",
        str(tmp_path / "targets.yaml"),
        "--dry-run",
    ]
    assert main(argv) == 2

    err = capsys.readouterr().err
    assert (
        "target 'orders-tasks' resolves to nothing: no aws:ecs:task carrying the tags gameday:allowed=true"
        in err
    )
    assert "Traceback" not in err


def test_functions_listed_and_filtered_keep_their_qualifier_and_have_their_tags_read(tmp_path: Path) -> None:
    targets = {
        "functions": {
            "resourceType": "aws:lambda:function",
            "parameters": {"functionQualifier": "live"},
            "filters": [{"path": "FunctionName", "values": ["payments"]}],
            "selectionMode": "ALL",
        }
    }
    delay = {"duration": "PT2M", "startupDelayMilliseconds": "500"}
    actions = {"delay": _action("aws:lambda:invocation-add-delay", {"Functions": "functions"}, **delay)}
    account = StubbedAccount()
    functions = [
        {"FunctionName": name, "FunctionArn": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{name}"}
        for name in ("payments", "ledger")
    ]
    account.expect("lambda", "list_functions", {"Functions": functions}, {})
    account.expect("lambda", "get_function", {"Tags": OPT_IN}, {"FunctionName": "payments:live"})

    assert _preflight(tmp_path, _template(tmp_path, targets, actions), account) == ACCOUNT
    account.assert_all_answered()


def test_a_role_by_arn_and_clusters_by_tag(tmp_path: Path) -> None:
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/app"
    targets = {
        "role": {"resourceType": "aws:iam:role", "resourceArns": [role_arn], "selectionMode": "ALL"},
        "clusters": {"resourceType": "aws:ecs:cluster", "resourceTags": OPT_IN, "selectionMode": "ALL"},
    }
    throttle = {"duration": "PT2M", "service": "ec2", "percentage": "50", "operations": "DescribeInstances"}
    actions = {
        "throttle": _action("aws:fis:inject-api-throttle-error", {"Roles": "role"}, **throttle),
        "drain": _action(
            "aws:ecs:drain-container-instances",
            {"Clusters": "clusters"},
            duration="PT2M",
            drainagePercentage="20",
        ),
    }
    account = StubbedAccount()
    role = {
        "RoleName": "app",
        "Arn": role_arn,
        "Path": "/",
        "RoleId": "AROAEXAMPLE0000000000",
        "CreateDate": "2026-01-01T00:00:00Z",
        "Tags": [{"Key": "gameday:allowed", "Value": "true"}],
    }
    account.expect("iam", "get_role", {"Role": role}, {"RoleName": "app"})
    _tagged(account, "ecs:cluster", OPT_IN, [CLUSTER_ARN])
    cluster = {
        "clusterArn": CLUSTER_ARN,
        "clusterName": "shop",
        "status": "ACTIVE",
        "tags": [{"key": "team", "value": "shop"}],
    }
    account.expect(
        "ecs", "describe_clusters", {"clusters": [cluster]}, {"clusters": [CLUSTER_ARN], "include": ["TAGS"]}
    )

    with pytest.raises(
        EnvironmentProblem, match=r"^ECS cluster shop \(through FIS target clusters\) is not opted in"
    ):
        _preflight(tmp_path, _template(tmp_path, targets, actions), account)
    account.assert_all_answered()


def test_a_stopped_task_named_by_arn_refuses_the_run(tmp_path: Path) -> None:
    gone = _task("a") | {"desiredStatus": "STOPPED"}
    targets = {
        "orders-tasks": {
            "resourceType": "aws:ecs:task",
            "resourceArns": [gone["taskArn"]],
            "selectionMode": "ALL",
        }
    }
    account = StubbedAccount()
    _described_tasks(account, [gone])

    with pytest.raises(EnvironmentProblem, match=f"{gone['taskArn']} does not exist or has stopped"):
        _preflight(tmp_path, _template(tmp_path, targets, STOP_TASKS), account)


def test_a_denied_read_is_one_line_naming_the_template_target(tmp_path: Path) -> None:
    targets = {
        "orders-tasks": {"resourceType": "aws:ecs:task", "resourceTags": OPT_IN, "selectionMode": "ALL"}
    }
    account = StubbedAccount()
    account.expect_error(
        "resourcegroupstaggingapi", "get_resources", "AccessDeniedException", "no tag:GetResources"
    )

    with pytest.raises(EnvironmentProblem) as refused:
        _preflight(tmp_path, _template(tmp_path, targets, STOP_TASKS), account)

    assert str(refused.value) == (
        "cannot check FIS target orders-tasks before the run: AccessDeniedException: no tag:GetResources"
    )
