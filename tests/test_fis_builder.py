"""Scenario faults as FIS CreateExperimentTemplate inputs: shapes botocore accepts, clear refusals."""

from __future__ import annotations

from typing import Any

import pytest
from fis_helpers import ALARM, ROLE, aws_target, create_template_problems
from pydantic import TypeAdapter

from faults.catalogue import FaultSpec
from faults.fis.builder import build_combined_template, build_template
from faults.fis.parts import iso_duration, selection_mode
from gameday.errors import InputError

SPEC: TypeAdapter[Any] = TypeAdapter(FaultSpec)


def fault(**fields: Any) -> Any:
    return SPEC.validate_python({"at": "10s", "for": "2m", "via": "fis", **fields})


def template(entry: Any, **target_changes: Any) -> dict[str, Any]:
    return build_template(entry, aws_target(**target_changes), run_id="run-1", fault_id="f1-x")


@pytest.mark.parametrize(
    ("seconds", "iso"), [(60, "PT1M"), (90, "PT1M30S"), (3600, "PT1H"), (3725, "PT1H2M5S"), (43200, "PT12H")]
)
def test_iso_durations(seconds: float, iso: str) -> None:
    assert iso_duration(seconds) == iso


@pytest.mark.parametrize("seconds", [30, 59, 43201, 90.5])
def test_durations_fis_refuses_are_clear_errors(seconds: float) -> None:
    with pytest.raises(InputError, match="FIS"):
        iso_duration(seconds)


def test_selection_modes() -> None:
    assert selection_mode(2, None) == "COUNT(2)"
    assert selection_mode(None, 50) == "PERCENT(50)"
    assert selection_mode(None, None) == "ALL"
    with pytest.raises(InputError, match="whole percentages"):
        selection_mode(None, 12.5)


def test_kill_tasks_is_stop_task_on_the_mapped_service() -> None:
    built = template(fault(kind="kill-tasks", target={"service": "orders"}, percent=50))
    assert built["targets"]["chosen"] == {
        "resourceType": "aws:ecs:task",
        "parameters": {"cluster": "shop", "service": "orders"},
        "selectionMode": "PERCENT(50)",
    }
    assert built["actions"] == {"f1-x": {"actionId": "aws:ecs:stop-task", "targets": {"Tasks": "chosen"}}}
    assert built["roleArn"] == ROLE
    assert built["stopConditions"] == [{"source": "aws:cloudwatch:alarm", "value": ALARM}]
    assert built["tags"] == {"gameday:run": "run-1", "gameday:fault": "f1-x"}
    assert built["experimentOptions"] == {"emptyTargetResolutionMode": "fail"}
    assert create_template_problems(built) == ""


@pytest.mark.parametrize(
    ("entry", "action_id", "key", "parameters"),
    [
        (
            {"kind": "stress-cpu", "target": {"service": "orders"}, "load_percent": 80},
            "aws:ecs:task-cpu-stress",
            "Tasks",
            {"duration": "PT2M", "percent": "80"},
        ),
        (
            {"kind": "break-network", "target": {"path": "bff->orders"}},
            "aws:network:disrupt-connectivity",
            "Subnets",
            {"duration": "PT2M", "scope": "all"},
        ),
        (
            {"kind": "break-network", "target": {"path": "bff->catalog"}},
            "aws:ecs:task-network-blackhole-port",
            "Tasks",
            {"duration": "PT2M", "port": "8081", "protocol": "tcp", "trafficType": "egress"},
        ),
        (
            {"kind": "add-latency", "target": {"path": "bff->orders"}, "delay_ms": 300, "jitter_ms": 20},
            "aws:ecs:task-network-latency",
            "Tasks",
            {"duration": "PT2M", "delayMilliseconds": "300", "jitterMilliseconds": "20", "sources": "ALL"},
        ),
        (
            {"kind": "add-latency", "target": {"path": "bff->pricing"}, "delay_ms": 700},
            "aws:lambda:invocation-add-delay",
            "Functions",
            {"duration": "PT2M", "startupDelayMilliseconds": "700"},
        ),
        (
            {"kind": "fail-requests", "target": {"path": "bff->pricing"}, "share": 0.25, "status": 503},
            "aws:lambda:invocation-http-integration-response",
            "Functions",
            {
                "duration": "PT2M",
                "statusCode": "503",
                "contentTypeHeader": "application/json",
                "preventExecution": "true",
                "invocationPercentage": "25",
            },
        ),
    ],
)
def test_each_kind_maps_to_its_action(
    entry: dict[str, Any], action_id: str, key: str, parameters: dict[str, str]
) -> None:
    built = template(fault(**entry))
    action = built["actions"]["f1-x"]
    assert (action["actionId"], action["targets"], action["parameters"]) == (
        action_id,
        {key: "chosen"},
        parameters,
    )
    assert create_template_problems(built) == ""


def test_subnets_and_functions_are_chosen_by_filter_and_opt_in_tag() -> None:
    subnets = template(fault(kind="break-network", target={"path": "bff->orders"}))["targets"]["chosen"]
    assert subnets["resourceTags"] == {"gameday:allowed": "true"}
    assert subnets["filters"] == [{"path": "SubnetId", "values": ["subnet-0a", "subnet-0b"]}]
    function = template(fault(kind="fail-requests", target={"path": "bff->pricing"}))["targets"]["chosen"]
    assert function["filters"] == [{"path": "FunctionName", "values": ["pricing-fn"]}]


def test_stress_cpu_without_a_share_takes_every_task() -> None:
    built = template(fault(kind="stress-cpu", target={"service": "orders"}, count=2))
    assert built["targets"]["chosen"]["selectionMode"] == "COUNT(2)"
    assert (
        template(fault(kind="stress-cpu", target={"service": "orders"}))["targets"]["chosen"]["selectionMode"]
        == "ALL"
    )


@pytest.mark.parametrize("kind", ["kill-tasks", "stress-cpu"])
def test_a_zone_is_a_filter_on_the_tasks_availability_zone(kind: str) -> None:
    built = template(fault(kind=kind, target={"service": "orders", "zone": "eu-west-1b"}, count=1))
    tasks = built["targets"]["chosen"]
    assert tasks["filters"] == [{"path": "AvailabilityZone", "values": ["eu-west-1b"]}]
    assert create_template_problems(built) == ""


def test_no_alarms_means_stop_condition_none() -> None:
    built = template(fault(kind="kill-tasks", target={"service": "orders"}, count=1), stop_alarms=[])
    assert built["stopConditions"] == [{"source": "none"}]


def test_missing_role_is_an_input_error() -> None:
    with pytest.raises(InputError, match="fis_role_arn"):
        template(fault(kind="kill-tasks", target={"service": "orders"}, count=1), fis_role_arn=None)


def test_more_than_five_alarms_is_an_input_error() -> None:
    with pytest.raises(InputError, match="at most 5 stop conditions"):
        template(fault(kind="kill-tasks", target={"service": "orders"}, count=1), stop_alarms=[ALARM] * 6)


def test_a_window_shorter_than_a_minute_is_an_input_error() -> None:
    with pytest.raises(InputError, match="1 minute"):
        template(fault(kind="stress-cpu", target={"service": "orders"}, **{"for": "30s"}))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kind": "fail-requests", "target": {"path": "bff->orders"}}, "only inside Lambda"),
        ({"kind": "break-network", "target": {"path": "bff->orders"}, "mode": "reset"}, "only blackhole"),
        ({"kind": "add-latency", "target": {"path": "web->orders"}}, "no path 'web->orders'"),
        ({"kind": "stress-cpu", "target": {"service": "cart"}}, "no service 'cart'"),
    ],
)
def test_faults_fis_cannot_do_are_input_errors(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        template(fault(**entry))


# --- one template for the whole scenario (gameday fis-template --combined) ----------------------


def combined(*entries: tuple[str, Any]) -> dict[str, Any]:
    return build_combined_template(list(entries), aws_target(), run_id="run-1", scenario="shop")


def test_the_combined_template_runs_each_fault_after_a_wait_of_its_offset() -> None:
    built = combined(
        ("f1-kill-tasks", fault(kind="kill-tasks", target={"service": "orders"}, count=1, at=0)),
        ("f2-stress-cpu", fault(kind="stress-cpu", target={"service": "bff"}, percent=50, at="90s")),
        ("f3-add-latency", fault(kind="add-latency", target={"path": "bff->catalog"}, delay_ms=200, at="1h")),
    )
    assert create_template_problems(built) == ""
    actions = built["actions"]
    assert sorted(actions) == [
        "f1-kill-tasks",
        "f2-stress-cpu",
        "f3-add-latency",
        "wait-f2-stress-cpu",
        "wait-f3-add-latency",
    ]
    assert "startAfter" not in actions["f1-kill-tasks"]  # at 0: starts with the experiment
    assert actions["wait-f2-stress-cpu"] == {
        "actionId": "aws:fis:wait",
        "parameters": {"duration": "PT1M30S"},
    }
    assert actions["wait-f3-add-latency"]["parameters"] == {"duration": "PT1H"}
    assert (
        "targets" not in actions["wait-f2-stress-cpu"] and "startAfter" not in actions["wait-f3-add-latency"]
    )
    assert actions["f2-stress-cpu"]["startAfter"] == ["wait-f2-stress-cpu"]
    assert actions["f3-add-latency"]["startAfter"] == ["wait-f3-add-latency"]
    assert actions["f2-stress-cpu"]["parameters"]["duration"] == "PT2M"  # the fault's own 'for'
    # each fault keeps its own target, named by its fault id
    assert {name: action["targets"] for name, action in actions.items() if "targets" in action} == {
        "f1-kill-tasks": {"Tasks": "f1-kill-tasks"},
        "f2-stress-cpu": {"Tasks": "f2-stress-cpu"},
        "f3-add-latency": {"Tasks": "f3-add-latency"},
    }
    assert built["targets"]["f1-kill-tasks"]["selectionMode"] == "COUNT(1)"
    assert built["targets"]["f2-stress-cpu"]["parameters"] == {"cluster": "shop", "service": "bff"}
    assert built["roleArn"] == ROLE
    assert built["stopConditions"] == [{"source": "aws:cloudwatch:alarm", "value": ALARM}]
    assert built["tags"] == {"gameday:run": "run-1"}
    assert "f1-kill-tasks, f2-stress-cpu, f3-add-latency" in built["description"]


def test_the_combined_template_shares_the_single_template_pieces() -> None:
    entry = fault(kind="fail-requests", target={"path": "bff->pricing"}, share=0.25, status=503, at="2m")
    single = template(entry, stop_alarms=[])
    built = build_combined_template(
        [("f1-x", entry)], aws_target(stop_alarms=[]), run_id="run-1", scenario="s"
    )
    assert built["stopConditions"] == single["stopConditions"] == [{"source": "none"}]
    assert built["targets"]["f1-x"] == single["targets"]["chosen"]
    assert {k: v for k, v in built["actions"]["f1-x"].items() if k not in ("startAfter", "targets")} == {
        k: v for k, v in single["actions"]["f1-x"].items() if k != "targets"
    }
    assert create_template_problems(built) == ""


@pytest.mark.parametrize("at", ["1s", "30s", "59s"])
def test_a_fault_too_early_for_a_wait_is_an_input_error(at: str) -> None:
    early = fault(kind="kill-tasks", target={"service": "orders"}, count=1, at=at)
    with pytest.raises(InputError, match=r"f2-kill-tasks starts at \d+s.*aws:fis:wait.*at least 1 minute"):
        combined(
            ("f1-kill-tasks", fault(kind="kill-tasks", target={"service": "orders"}, count=1, at=0)),
            ("f2-kill-tasks", early),
        )


def test_a_wait_beyond_twelve_hours_is_an_input_error() -> None:
    late = fault(kind="kill-tasks", target={"service": "orders"}, count=1, at="13h")
    with pytest.raises(InputError, match="12 hours"):
        combined(("f1-kill-tasks", late))


def test_more_than_twenty_actions_is_an_input_error() -> None:
    kills = [
        (f"f{n}-kill-tasks", fault(kind="kill-tasks", target={"service": "orders"}, count=1, at=f"{n}m"))
        for n in range(1, 12)
    ]
    assert len(combined(*kills[:10])["actions"]) == 20  # ten faults and their waits fit
    with pytest.raises(InputError, match=r"22 actions.*at most 20"):
        combined(*kills)


def test_more_than_ten_parallel_actions_is_an_input_error() -> None:
    kills = [
        (f"f{n}-kill-tasks", fault(kind="kill-tasks", target={"service": "orders"}, count=1, at=0))
        for n in range(1, 12)
    ]
    with pytest.raises(InputError, match=r"11 actions at once.*at most 10"):
        combined(*kills)


def test_no_fault_is_an_input_error() -> None:
    with pytest.raises(InputError, match="at least one"):
        combined()
