"""FIS templates on localcloud: every supported action keeps its meaning, or is refused, all at once.

Templates are written in the shapes AWS publishes (targets by parameters, tags and filters, waits
chained by startAfter). Each maps to exactly the local faults checked here, on the demo shop's
stack, or is refused with every problem on its line of the file.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faults.base import Injector, InjectOutcome
from faults.cpu.spec import StressCpu
from faults.fis_template.local import TemplateOnLocalcloud, translate
from faults.fis_template.spec import FisTemplateFile
from faults.kill_tasks.spec import KillTasks
from faults.network.spec import AddLatency, BreakNetwork, FailRequests
from gameday.errors import InputError
from gameday.fis_template import read_template_file
from gameday.localcloud.stack import Stack, load_stack
from gameday.processes import wait_until

REPO = Path(__file__).resolve().parent.parent
SHOP: Stack = load_stack(REPO / "gameday" / "shop" / "stack.yaml")
_LOCATED = re.compile(r"[^\n]+\.json:\d+: [^\n]+")  # file:line: field: problem

TASKS_IN_ZONE_A = {
    "resourceType": "aws:ecs:task",
    "parameters": {"cluster": "shop"},
    "filters": [{"path": "AvailabilityZone", "values": ["us-east-1a"]}],
    "selectionMode": "ALL",
}
SUBNETS_OF_ZONE_A = {
    "resourceType": "aws:ec2:subnet",
    "parameters": {"availabilityZoneIdentifier": "us-east-1a"},
    "selectionMode": "ALL",
}


def tasks(selection: str = "ALL", **where: str) -> dict[str, Any]:
    """ECS tasks of a service named by parameter (``service=``) or tag (``tag=``)."""
    target: dict[str, Any] = {"resourceType": "aws:ecs:task", "selectionMode": selection}
    if "service" in where:
        target["parameters"] = {"cluster": "shop", "service": where["service"]}
    if "tag" in where:
        target["resourceTags"] = {"gameday:target": where["tag"]}
    return target


def path_tagged(resource_type: str, path: str) -> dict[str, Any]:
    return {"resourceType": resource_type, "resourceTags": {"gameday:target": path}, "selectionMode": "ALL"}


def act(
    action_id: str, target: str | None = None, after: list[str] | None = None, **parameters: str
) -> dict[str, Any]:
    key = {"aws:network:disrupt-connectivity": "Subnets"}.get(
        action_id, "Functions" if "lambda" in action_id else "Tasks"
    )
    found: dict[str, Any] = {"actionId": action_id}
    if target is not None:
        found["targets"] = {key: target}
    if parameters:
        found["parameters"] = parameters
    if after:
        found["startAfter"] = after
    return found


def fault_for(tmp_path: Path, template: dict[str, Any], window: str = "5m", **extra: Any) -> FisTemplateFile:
    file = tmp_path / "t.json"
    file.write_text(json.dumps(template, indent=2), encoding="utf-8")
    entry = {"kind": "fis-template", "file": file, "at": "10s", "for": window, **extra}
    return FisTemplateFile.model_validate(entry)


def translated(
    tmp_path: Path, targets: dict[str, Any], actions: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    template = {"targets": targets, "actions": actions}
    return dict(translate(template, fault_for(tmp_path, template, **extra), SHOP))


def refusals(tmp_path: Path, targets: dict[str, Any], actions: dict[str, Any]) -> list[str]:
    template = {"targets": targets, "actions": actions}
    with pytest.raises(InputError) as raised:
        translate(template, fault_for(tmp_path, template), SHOP)
    return [str(problem) for problem in raised.value.problems]


# --- each supported action, exactly ------------------------------------------------------------


def test_stop_task_keeps_the_selection_mode_by_tag_and_by_parameter(tmp_path: Path) -> None:
    specs = translated(
        tmp_path,
        {
            "two": tasks("COUNT(2)", tag="orders"),
            "half": tasks("PERCENT(50)", service="orders"),
            "all": tasks(service="catalog"),
        },
        {
            "a": act("aws:ecs:stop-task", "two"),
            "b": act("aws:ecs:stop-task", "half"),
            "c": act("aws:ecs:stop-task", "all"),
        },
    )
    assert [type(spec) for spec in specs.values()] == [KillTasks] * 3
    assert (specs["a"].target.service, specs["a"].count, specs["a"].percent) == ("orders", 2, None)
    assert (specs["b"].target.service, specs["b"].count, specs["b"].percent) == ("orders", None, 50)
    assert (specs["c"].target.service, specs["c"].percent, specs["c"].target.zone) == ("catalog", 100, None)


def test_stop_task_filtered_on_a_zone_stops_that_zones_tasks_of_every_service(tmp_path: Path) -> None:
    specs = translated(tmp_path, {"zone-a": TASKS_IN_ZONE_A}, {"stop": act("aws:ecs:stop-task", "zone-a")})
    assert sorted(specs) == [f"stop[{service}]" for service in sorted(SHOP.services)]
    for spec in specs.values():
        assert isinstance(spec, KillTasks) and (spec.target.zone, spec.percent) == ("us-east-1a", 100)


def test_cpu_stress_keeps_percent_share_and_duration(tmp_path: Path) -> None:
    specs = translated(
        tmp_path,
        {"half": tasks("PERCENT(50)", service="orders")},
        {
            "burn": act(
                "aws:ecs:task-cpu-stress", "half", duration="PT1M", percent="70", installDependencies="true"
            )
        },
    )
    burn = specs["burn"]
    assert isinstance(burn, StressCpu)
    assert (burn.target.service, burn.percent, burn.load_percent, burn.at, burn.for_) == (
        "orders",
        50,
        70,
        10,
        60,
    )


def test_a_blackholed_port_cuts_the_paths_in_its_direction(tmp_path: Path) -> None:
    specs = translated(
        tmp_path,
        {"bff": tasks(service="bff"), "orders": tasks(service="orders")},
        {
            "out": act(
                "aws:ecs:task-network-blackhole-port",
                "bff",
                duration="PT1M",
                port="8080",
                trafficType="egress",
            ),
            "in": act(
                "aws:ecs:task-network-blackhole-port",
                "orders",
                duration="PT1M",
                port="8080",
                trafficType="ingress",
            ),
        },
    )
    cut = {name: spec.target.path for name, spec in specs.items() if isinstance(spec, BreakNetwork)}
    assert cut == {
        "out[bff->catalog]": "bff->catalog",
        "out[bff->orders]": "bff->orders",
        "in": "bff->orders",
    }


def test_latency_on_all_sources_slows_the_services_paths_and_on_a_zone_the_zone(tmp_path: Path) -> None:
    specs = translated(
        tmp_path,
        {
            "path": path_tagged("aws:ecs:task", "bff->orders"),
            "every": {**tasks(), "parameters": {"cluster": "shop"}},
        },
        {
            "slow": act(
                "aws:ecs:task-network-latency",
                "path",
                duration="PT1M",
                delayMilliseconds="300",
                jitterMilliseconds="5",
            ),
            "zone": act(
                "aws:ecs:task-network-latency",
                "every",
                duration="PT1M",
                delayMilliseconds="250",
                sources="us-east-1a",
            ),
        },
    )
    slow = specs["slow"]
    assert isinstance(slow, AddLatency) and (slow.target.path, slow.delay_ms, slow.jitter_ms) == (
        "bff->orders",
        300,
        5,
    )
    zone = specs["zone"]
    assert zone.kind == "impair-zone"
    assert (zone.target.zone, zone.network, zone.stop_tasks, zone.delay_ms) == (
        "us-east-1a",
        "latency",
        False,
        250,
    )


def test_disrupting_a_zones_subnets_blackholes_the_zone_and_a_tagged_subnet_its_path(tmp_path: Path) -> None:
    specs = translated(
        tmp_path,
        {"zone-a": SUBNETS_OF_ZONE_A, "edge": path_tagged("aws:ec2:subnet", "bff->catalog")},
        {
            "az": act("aws:network:disrupt-connectivity", "zone-a", duration="PT2M", scope="all"),
            "edge": act("aws:network:disrupt-connectivity", "edge", duration="PT1M", scope="all"),
        },
    )
    az, edge = specs["az"], specs["edge"]
    assert az.kind == "impair-zone" and (az.target.zone, az.network, az.stop_tasks, az.for_) == (
        "us-east-1a",
        "blackhole",
        False,
        120,
    )
    assert isinstance(edge, BreakNetwork) and (edge.target.path, edge.mode) == ("bff->catalog", "blackhole")


def test_function_actions_keep_their_share_status_and_delay(tmp_path: Path) -> None:
    fn = path_tagged("aws:lambda:function", "bff->catalog")
    specs = translated(
        tmp_path,
        {"fn": fn},
        {
            "err": act(
                "aws:lambda:invocation-error",
                "fn",
                duration="PT1M",
                invocationPercentage="40",
                preventExecution="true",
            ),
            "http": act(
                "aws:lambda:invocation-http-integration-response",
                "fn",
                duration="PT1M",
                statusCode="429",
                contentTypeHeader="application/json",
                preventExecution="true",
            ),
            "delay": act(
                "aws:lambda:invocation-add-delay", "fn", duration="PT1M", startupDelayMilliseconds="900"
            ),
        },
    )
    err, http, delay = specs["err"], specs["http"], specs["delay"]
    assert isinstance(err, FailRequests) and (err.share, err.status) == (0.4, 502)
    assert isinstance(http, FailRequests) and (http.share, http.status) == (1.0, 429)
    assert isinstance(delay, AddLatency) and (delay.delay_ms, delay.jitter_ms) == (900, 0)


# --- the experiment's clock --------------------------------------------------------------------


def test_wait_then_act_starts_each_action_when_startafter_says(tmp_path: Path) -> None:
    specs = translated(
        tmp_path,
        {"orders": tasks("COUNT(1)", service="orders"), "path": path_tagged("aws:ecs:task", "bff->orders")},
        {
            "wait": act("aws:fis:wait", duration="PT1M"),
            "burn": act("aws:ecs:task-cpu-stress", "orders", ["wait"], duration="PT1M30S"),
            "stop": act("aws:ecs:stop-task", "orders", ["burn"]),
            "slow": act("aws:ecs:task-network-latency", "path", ["wait"], duration="PT1M"),
        },
    )
    assert sorted(specs) == ["burn", "slow", "stop"]  # the wait is a delay, not a fault
    assert (specs["burn"].at, specs["burn"].for_) == (70, 90)
    assert (specs["slow"].at, specs["slow"].for_) == (70, 60)
    assert (specs["stop"].at, specs["stop"].for_) == (160, 150)  # to the end of the 5 minute window


# --- refusals ----------------------------------------------------------------------------------


def test_an_unsupported_action_is_refused_first_with_the_supported_ones_and_every_other_problem(
    tmp_path: Path,
) -> None:
    problems = refusals(
        tmp_path,
        {
            "nodes": {
                "resourceType": "aws:ec2:instance",
                "resourceTags": {"env": "staging"},
                "selectionMode": "ALL",
            },
            "orders": tasks("COUNT(1)", service="orders"),
            "db": {**tasks(service="orders"), "resourceType": "aws:ecs:task"},
        },
        {
            "stop-nodes": {"actionId": "aws:ec2:stop-instances", "targets": {"Instances": "nodes"}},
            "cut-db": act(
                "aws:ecs:task-network-blackhole-port",
                "db",
                duration="PT1M",
                port="5432",
                trafficType="egress",
            ),
            "slow": act("aws:ecs:task-network-latency", "orders", duration="PT1M"),
        },
    )
    assert len(problems) == 3
    assert (
        "actions.stop-nodes.actionId: aws:ec2:stop-instances has no localcloud equivalent; "
        "localcloud runs aws:ecs:stop-task" in problems[0]
    )
    assert "skip_on_localcloud" in problems[0]
    rest = " ".join(problems[1:])  # in the file's order
    assert "actions.cut-db.parameters.port: is 5432; nothing on localcloud serves it" in rest
    assert "targets.orders.selectionMode: is COUNT(1); localcloud slows a path for every task" in rest
    assert all(problem.startswith(f"{tmp_path / 't.json'}:") for problem in problems)


@pytest.mark.parametrize(
    ("target", "action", "problem"),
    [
        (
            {"resourceType": "aws:ec2:instance", "selectionMode": "ALL"},
            act("aws:ecs:stop-task", "t"),
            "localcloud has no aws:ec2:instance",
        ),
        (
            {**tasks(service="orders"), "resourceTags": {"team": "a"}},
            act("aws:ecs:stop-task", "t"),
            "carry no tag team",
        ),
        (
            {**tasks(), "resourceArns": ["arn:aws:ecs:us-east-1:1:task/x"]},
            act("aws:ecs:stop-task", "t"),
            "no ARNs",
        ),
        (tasks(service="ordrs"), act("aws:ecs:stop-task", "t"), "has no service 'ordrs'"),
        (
            {**TASKS_IN_ZONE_A, "filters": [{"path": "AvailabilityZone", "values": ["eu-west-1a"]}]},
            act("aws:ecs:stop-task", "t"),
            "has no zone 'eu-west-1a'",
        ),
        (
            {**TASKS_IN_ZONE_A, "filters": [{"path": "Group", "values": ["service:orders"]}]},
            act("aws:ecs:stop-task", "t"),
            "cannot filter aws:ecs:task on Group",
        ),
        ({**TASKS_IN_ZONE_A, "selectionMode": "COUNT(1)"}, act("aws:ecs:stop-task", "t"), "name one service"),
        (
            SUBNETS_OF_ZONE_A,
            act("aws:network:disrupt-connectivity", "t", duration="PT1M", scope="availability-zone"),
            "scope: is 'availability-zone'",
        ),
        (
            tasks(service="bff"),
            act("aws:ecs:task-network-latency", "t", duration="PT1M", flowsPercent="50"),
            "flowsPercent: is '50'",
        ),
        (
            tasks(service="bff"),
            act("aws:ecs:task-network-latency", "t", duration="PT1M", sources="10.0.0.0/16"),
            "sources: is '10.0.0.0/16'",
        ),
        (
            tasks(service="bff"),
            act(
                "aws:ecs:task-network-blackhole-port",
                "t",
                duration="PT1M",
                port="8080",
                trafficType="egress",
                protocol="udp",
            ),
            "protocol: is 'udp'",
        ),
        (
            tasks(service="orders"),
            act("aws:ecs:task-cpu-stress", "t", duration="PT1M", workers="2"),
            "workers: is '2'",
        ),
        (
            path_tagged("aws:lambda:function", "bff->pricing"),
            act("aws:lambda:invocation-add-delay", "t", duration="PT1M"),
            "has no path 'bff->pricing'",
        ),
        (
            path_tagged("aws:lambda:function", "bff->catalog"),
            act("aws:lambda:invocation-add-delay", "t", duration="PT1M", invocationPercentage="30"),
            "invocationPercentage: is '30'",
        ),
        (
            path_tagged("aws:lambda:function", "bff->catalog"),
            act("aws:lambda:invocation-error", "t", duration="PT1M", preventExecution="false"),
            "preventExecution: is 'false'",
        ),
        (
            path_tagged("aws:lambda:function", "bff->catalog"),
            act(
                "aws:lambda:invocation-http-integration-response",
                "t",
                duration="PT1M",
                statusCode="200",
                preventExecution="true",
            ),
            "statusCode: is 200; localcloud fails requests with 429 or a 5xx",
        ),
    ],
)
def test_what_localcloud_cannot_follow_is_refused_on_its_line(
    tmp_path: Path, target: dict[str, Any], action: dict[str, Any], problem: str
) -> None:
    (found,) = refusals(tmp_path, {"t": target}, {"a": action})
    assert problem in found
    assert found.startswith(f"{tmp_path / 't.json'}:")


def test_skipped_actions_are_left_out_and_a_template_of_only_skips_is_refused(tmp_path: Path) -> None:
    targets = {"zone-a": TASKS_IN_ZONE_A}
    actions = {
        "ice": {"actionId": "aws:ec2:api-insufficient-instance-capacity-error"},
        "stop": act("aws:ecs:stop-task", "zone-a"),
    }
    assert all(
        name.startswith("stop[")
        for name in translated(tmp_path, targets, actions, skip_on_localcloud=["ice"])
    )
    template = {"targets": {}, "actions": {"ice": actions["ice"]}}
    with pytest.raises(InputError, match="nothing left for localcloud to run"):
        translate(template, fault_for(tmp_path, template, skip_on_localcloud=["ice"]), SHOP)


def test_skip_on_localcloud_must_name_actions_of_the_template(tmp_path: Path) -> None:
    template = {"targets": {}, "actions": {"wait": act("aws:fis:wait", duration="PT1M")}}
    file = tmp_path / "t.json"
    file.write_text(json.dumps(template), encoding="utf-8")
    entry = {
        "kind": "fis-template",
        "file": "t.json",
        "at": "10s",
        "for": "2m",
        "skip_on_localcloud": ["ice"],
    }
    with pytest.raises(ValueError, match=r"skip_on_localcloud names ice, not actions of t\.json"):
        FisTemplateFile.model_validate(entry, context={"scenario_dir": tmp_path})


# --- driven as one fault -----------------------------------------------------------------------


class Part:
    """An injector that records when it was injected and reverted on a fake clock."""

    def __init__(self, name: str, log: list[str], clock: list[float]) -> None:
        self.name, self._log, self._clock = name, log, clock
        self.fault_id = f"f1-{name}"

    def describe(self) -> str:
        return self.name

    def revert_plan(self) -> dict[str, Any]:
        return {"action": "none", "why": self.name}

    def inject(self) -> InjectOutcome:
        self._log.append(f"{self._clock[0]:g} inject {self.name}")
        return InjectOutcome(landed=True, detail=f"{self.name} done", affected=[self.name])

    def revert(self) -> None:
        self._log.append(f"{self._clock[0]:g} revert {self.name}")


def test_the_parts_run_on_the_experiments_clock_and_what_is_left_reverts_last_first(tmp_path: Path) -> None:
    specs = translated(
        tmp_path,
        {"orders": tasks("COUNT(1)", service="orders"), "path": path_tagged("aws:ecs:task", "bff->orders")},
        {
            "slow": act("aws:ecs:task-network-latency", "path", duration="PT1M"),
            "wait": act("aws:fis:wait", duration="PT1M30S"),
            "stop": act("aws:ecs:stop-task", "orders", ["wait"]),
        },
        window="3m",
    )
    fault = fault_for(tmp_path, {"targets": {}, "actions": {}}, window="3m")
    log: list[str] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    parts: list[tuple[str, Any, Injector]] = [
        (name, spec, Part(name, log, clock)) for name, spec in specs.items()
    ]
    skipped = ["ice (aws:ec2:api-insufficient-instance-capacity-error)"]
    driven = TemplateOnLocalcloud(fault, "f1", parts, skipped, sleep, lambda: clock[0])
    outcome = driven.inject()
    driven.revert()
    assert outcome.landed and outcome.affected == ["slow", "stop"]
    assert "+90s stop: stop done" in outcome.detail and "not run on localcloud: ice" in outcome.detail
    assert log == ["0 inject slow", "60 revert slow", "90 inject stop", "90 revert stop"]


def _slow_and_stop(tmp_path: Path, log: list[str], clock: list[float]) -> list[tuple[str, Any, Injector]]:
    """A minute of latency and a task stop, both at the start of a three-minute window."""
    specs = translated(
        tmp_path,
        {"orders": tasks("COUNT(1)", service="orders"), "path": path_tagged("aws:ecs:task", "bff->orders")},
        {
            "slow": act("aws:ecs:task-network-latency", "path", duration="PT1M"),
            "stop": act("aws:ecs:stop-task", "orders"),
        },
        window="3m",
    )
    return [(name, spec, Part(name, log, clock)) for name, spec in specs.items()]


def test_inject_returns_once_every_part_started_and_a_part_ends_on_its_own_later(tmp_path: Path) -> None:
    log: list[str] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    fault = fault_for(tmp_path, {"targets": {}, "actions": {}}, window="3m")
    parts = _slow_and_stop(tmp_path, log, clock)
    driven = TemplateOnLocalcloud(fault, "f1", parts, [], sleep, lambda: clock[0])
    outcome = driven.inject()
    assert outcome.landed and outcome.affected == ["slow", "stop"]  # heard at 0s, not when slow ends
    assert wait_until(lambda: len(log) == 3, 5.0, interval_s=0.01)
    driven.revert()
    assert log == ["0 inject slow", "0 inject stop", "60 revert slow", "60 revert stop"]


def test_a_revert_before_a_part_ends_undoes_it_once_and_stops_waiting(tmp_path: Path) -> None:
    log: list[str] = []
    fault = fault_for(tmp_path, {"targets": {}, "actions": {}}, window="3m")
    driven = TemplateOnLocalcloud(fault, "f1", _slow_and_stop(tmp_path, log, [0.0]), [])  # the real clock
    driven.inject()
    driven.revert()  # a minute before slow would end: returns at once
    assert log == ["0 inject slow", "0 inject stop", "0 revert stop", "0 revert slow"]


# --- any template the checks accept: translated or refused plainly, never a traceback -------------

EVERY_ACTION = {
    "targets": {
        "bff": tasks("ALL", service="bff"),
        "orders": tasks("COUNT(1)", service="orders"),
        "zone-a": TASKS_IN_ZONE_A,
        "subnets-a": SUBNETS_OF_ZONE_A,
        "function": path_tagged("aws:lambda:function", "bff->catalog"),
    },
    "actions": {
        "stop": act("aws:ecs:stop-task", "zone-a"),
        "burn": act("aws:ecs:task-cpu-stress", "orders", duration="PT1M", percent="80"),
        "port": act(
            "aws:ecs:task-network-blackhole-port", "bff", duration="PT1M", port="8080", trafficType="egress"
        ),
        "slow": act("aws:ecs:task-network-latency", "bff", duration="PT1M", delayMilliseconds="300"),
        "cut": act("aws:network:disrupt-connectivity", "subnets-a", duration="PT1M", scope="all"),
        "delay": act("aws:lambda:invocation-add-delay", "function", duration="PT1M"),
        "fail": act(
            "aws:lambda:invocation-http-integration-response",
            "function",
            duration="PT1M",
            statusCode="503",
            invocationPercentage="50",
        ),
        "wait": act("aws:fis:wait", duration="PT1M"),
    },
}
MUTABLE = [
    ("targets", "bff", "selectionMode"),
    ("targets", "orders", "selectionMode"),
    ("targets", "orders", "parameters", "service"),
    ("targets", "zone-a", "filters", 0, "path"),
    ("targets", "zone-a", "filters", 0, "values", 0),
    ("targets", "subnets-a", "parameters", "availabilityZoneIdentifier"),
    ("targets", "function", "resourceTags", "gameday:target"),
    ("targets", "bff", "resourceType"),
    ("actions", "stop", "actionId"),
    ("actions", "stop", "startAfter"),
    ("actions", "burn", "parameters", "percent"),
    ("actions", "port", "parameters", "port"),
    ("actions", "port", "parameters", "trafficType"),
    ("actions", "slow", "parameters", "sources"),
    ("actions", "slow", "parameters", "jitterMilliseconds"),
    ("actions", "cut", "parameters", "scope"),
    ("actions", "delay", "parameters", "startupDelayMilliseconds"),
    ("actions", "fail", "parameters", "statusCode"),
    ("actions", "fail", "parameters", "invocationPercentage"),
    ("actions", "wait", "parameters", "duration"),
]
PLAUSIBLE = (
    st.sampled_from(
        [
            "ALL",
            "COUNT(0)",
            "COUNT(3)",
            "COUNT(99)",
            "PERCENT(0)",
            "PERCENT(50)",
            "PERCENT(100)",
            "bff",
            "orders",
            "worker",
            "nobody",
            "bff->orders",
            "worker->bff",
            "us-east-1a",
            "us-east-1d",
            "AvailabilityZone",
            "Placement.AvailabilityZone",
            "LastStatus",
            "8080",
            "5432",
            "0",
            "-1",
            "100",
            "429",
            "200",
            "ingress",
            "egress",
            "both",
            "all",
            "prefix-list",
            "PT1M",
            "PT0S",
            "aws:ecs:task",
            "aws:ec2:instance",
            "aws:ecs:stop-task",
            "aws:ec2:stop-instances",
            "",
        ]
    )
    | st.text(max_size=12)
    | st.lists(st.sampled_from(["wait", "stop", "cut", "nothing"]), max_size=2)
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(MUTABLE), PLAUSIBLE), min_size=1, max_size=3))
def test_a_template_the_checks_accept_translates_or_is_refused_plainly(
    changes: list[tuple[tuple[str | int, ...], Any]],
) -> None:
    template = json.loads(json.dumps(EVERY_ACTION))
    for field, value in changes:
        node = template
        for part in field[:-1]:
            node = node[part]
        node[field[-1]] = value
    with tempfile.TemporaryDirectory() as folder:
        fault = fault_for(Path(folder), template)
        try:
            checked = read_template_file(fault.file)
        except InputError:
            return  # refused by the checks every target runs; test_fis_template_checks covers those
        try:
            parts = translate(checked, fault, SHOP)
        except InputError as error:
            assert error.problems
            assert all(_LOCATED.fullmatch(str(problem)) for problem in error.problems), error.problems
            return
    assert parts and all(spec.kind != "fis-template" for _, spec in parts)
