"""impair-zone: its scenario entry; its localcloud provider against a fake control API whose tasks are
real processes, then on a real localcloud (and rolled back after a SIGKILLed run); its revert plan
through the ledger's union; on AWS, its FIS experiment template and what pre-flight reads of it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fis_helpers import StubbedAccount, aws_target, create_template_problems, scenario_with
from killed_run import run_until_landed, sigkill
from localcloud_apps.stacks import echo_service, local_target, service_with, write_stack
from pydantic import TypeAdapter, ValidationError

from faults.catalogue import FaultSpec, kind_of
from faults.fis.aws import fis_template_for
from faults.kind import RevertContext
from faults.plans import check_revert_plan
from faults.registry import build_injector
from faults.revert import execute_revert_plan
from faults.zone import local as zone_local
from faults.zone.local import LocalZoneInjector
from faults.zone.spec import ImpairZone
from gameday.errors import EnvironmentProblem, InputError
from gameday.ledger import Ledger
from gameday.localcloud.api import (
    PATH_FAULT,
    PathFaultSpec,
    PlatformState,
    StopCode,
    TaskState,
    TaskStatus,
    TaskStopped,
)
from gameday.localcloud.client import LocalcloudError
from gameday.processes import pid_alive, terminate, wait_until
from gameday.run.plan import build_plan
from gameday.safety.preflight import preflight
from gameday.scenario import load_scenario
from gameday.targets import EcsService, LocalTarget

ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
CONTROL_URL = "http://127.0.0.1:1"  # nothing listens: only the fakes are spoken to
CONTEXT = RevertContext(run_id="run-1", fault_id="f1-impair-zone", target_name="local")
SPEC: TypeAdapter[Any] = TypeAdapter(FaultSpec)


def _fault(**fields: Any) -> ImpairZone:
    entry = {"kind": "impair-zone", "at": "30s", "for": "60s", "target": {"zone": "us-east-1a"}, **fields}
    fault: ImpairZone = SPEC.validate_python(entry)
    return fault


class FakeLocalcloud:
    """Tasks placed ``{service: [zone, …]}``, each a real ``sleep`` process, and the zone faults set."""

    def __init__(self, placement: dict[str, list[str]]) -> None:
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.tasks: dict[str, list[tuple[str, str]]] = {}  # service → (task id, zone)
        for service, zones in placement.items():
            self.tasks[service] = []
            for n, zone in enumerate(zones):
                task_id = f"{service}-{n:06x}"
                self.processes[task_id] = subprocess.Popen(["sleep", "60"], start_new_session=True)
                self.tasks[service].append((task_id, zone))
        self.status = dict.fromkeys(self.processes, TaskStatus.RUNNING)
        self.zone_faults: dict[str, PathFaultSpec | None] = dict.fromkeys(ZONES)
        self.stops: list[tuple[str, str, str]] = []
        self.calls: list[str] = []

    def state(self) -> PlatformState:
        services = {
            service: service_with([self._task(task_id, zone) for task_id, zone in tasks])
            for service, tasks in self.tasks.items()
        }
        return PlatformState(
            stack="shop",
            variant=None,
            cluster="localcloud",
            started_at=0.0,
            pid=0,
            control_url=CONTROL_URL,
            entry_url="http://127.0.0.1:2",
            sqs_endpoint="http://127.0.0.1:3",
            xray_daemon="127.0.0.1:4",
            ready=True,
            services=services,
            paths={},
            queues={},
            path_faults={},
            queue_faults={},
            zones=ZONES,
            zone_faults=dict(self.zone_faults),
        )

    def _task(self, task_id: str, zone: str) -> TaskState:
        return TaskState(
            id=task_id,
            pid=self.processes[task_id].pid,
            port=0,
            status=self.status[task_id],
            healthy=True,
            started_at=0.0,
            stress=None,
            zone=zone,
        )

    def stop_task(self, service: str, task_id: str, reason: str) -> TaskStopped:
        if self.status.get(task_id) != TaskStatus.RUNNING:
            raise LocalcloudError(f"service '{service}' has no running task '{task_id}'", 404)
        self.calls.append(f"stop {task_id}")
        self.stops.append((service, task_id, reason))
        self.status[task_id] = TaskStatus.STOPPED
        terminate(self.processes[task_id], grace_s=2.0)
        return TaskStopped(task_id=task_id, stop_code=StopCode.USER)

    def set_zone_fault(self, zone: str, mode: str, **params: Any) -> PathFaultSpec:
        self.calls.append(f"fault {zone}")
        fault = PATH_FAULT.validate_python({"mode": mode, **params})
        self.zone_faults[zone] = fault
        return fault

    def clear_zone_fault(self, zone: str) -> None:
        self.calls.append(f"clear {zone}")
        self.zone_faults[zone] = None

    def reachable(self) -> bool:
        return True

    def close(self) -> None:
        for process in self.processes.values():
            terminate(process, grace_s=2.0)


@pytest.fixture
def shop() -> Iterator[FakeLocalcloud]:
    """Two tasks of bff and of catalog in us-east-1a, the rest elsewhere."""
    fake = FakeLocalcloud(
        {
            "bff": ["us-east-1a", "us-east-1b", "us-east-1c"],
            "catalog": ["us-east-1a", "us-east-1b"],
            "worker": ["us-east-1c"],
        }
    )
    yield fake
    fake.close()


def _injector(fault: ImpairZone, client: FakeLocalcloud) -> LocalZoneInjector:
    injector = build_injector(
        fault,
        LocalTarget(kind="localcloud", control_url=CONTROL_URL),
        fault_id=CONTEXT.fault_id,
        run_id="run-1",
        localcloud_client=client,
    )
    assert isinstance(injector, LocalZoneInjector)
    return injector


# --- the scenario entry ---------------------------------------------------------------------------


def test_the_defaults_blackhole_the_zone_and_stop_its_tasks() -> None:
    fault = _fault()
    assert (fault.network, fault.stop_tasks, fault.via) == ("blackhole", True, "fis")
    assert fault.target_label == "zone:us-east-1a"
    assert fault.network_fault() == {"mode": "blackhole"}
    assert _fault(network="latency").network_fault() == {"mode": "latency", "delay_ms": 200, "jitter_ms": 10}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"network": "none", "stop_tasks": False}, "does nothing"),
        ({"delay_ms": 100}, "only apply to network: latency"),
        ({"network": "none", "jitter_ms": 5}, "only apply to network: latency"),
        ({"network": "reset"}, "network"),
        ({"target": {"zone": "us-east"}}, "should match pattern"),
        ({"target": {"service": "bff"}}, "zone"),
        ({"via": "api"}, "use via: fis"),
        ({"network": "latency", "delay_ms": 0}, "delay_ms"),
    ],
)
def test_entries_that_cannot_be_run_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _fault(**fields)


# --- localcloud -------------------------------------------------------------------------------------


def test_sets_the_fault_first_then_stops_every_task_in_the_zone(shop: FakeLocalcloud) -> None:
    injector = _injector(_fault(), shop)

    outcome = injector.inject()

    assert outcome.landed, outcome.detail
    assert shop.calls == ["fault us-east-1a", "stop bff-000000", "stop catalog-000000"]
    assert outcome.affected == ["us-east-1a", "bff-000000", "catalog-000000"]
    assert "blackhole every connection into the zone (2 task(s) behind it)" in outcome.detail
    assert all(reason == "gameday run run-1: impair-zone f1-impair-zone" for _, _, reason in shop.stops)
    assert shop.status["bff-000001"] == TaskStatus.RUNNING

    injector.revert()
    injector.revert()
    assert shop.zone_faults["us-east-1a"] is None


def test_latency_without_stopping_lands_on_the_tasks_behind_it(shop: FakeLocalcloud) -> None:
    injector = _injector(_fault(network="latency", delay_ms=300, jitter_ms=0, stop_tasks=False), shop)

    outcome = injector.inject()

    assert outcome.landed, outcome.detail
    assert not shop.stops
    assert shop.zone_faults["us-east-1a"] == PATH_FAULT.validate_python(
        {"mode": "latency", "delay_ms": 300, "jitter_ms": 0}
    )
    assert outcome.affected == ["us-east-1a"]


def test_stopping_alone_sets_no_fault_and_has_nothing_to_undo(shop: FakeLocalcloud) -> None:
    injector = _injector(_fault(network="none"), shop)

    assert injector.inject().landed
    assert shop.calls == ["stop bff-000000", "stop catalog-000000"]
    assert check_revert_plan(injector.revert_plan())["action"] == "none"


def test_a_zone_without_tasks_does_not_land_and_changes_nothing(shop: FakeLocalcloud) -> None:
    for task_id in ("bff-000000", "catalog-000000"):
        shop.stop_task("x", task_id, "before the run")
    shop.calls.clear()

    outcome = _injector(_fault(), shop).inject()

    assert not outcome.landed
    assert outcome.detail == (
        "nothing to impair: no live task is placed in zone us-east-1a (us-east-1b: 2, us-east-1c: 2)"
    )
    assert shop.calls == []


def test_an_unknown_or_already_impaired_zone_is_left_alone(shop: FakeLocalcloud) -> None:
    unknown = _injector(_fault(target={"zone": "eu-west-1a"}), shop).inject()
    assert not unknown.landed
    assert "localcloud has no zone eu-west-1a (it has: us-east-1a, us-east-1b, us-east-1c)" in unknown.detail

    shop.set_zone_fault("us-east-1a", "reset")
    injector = _injector(_fault(), shop)
    taken = injector.inject()
    injector.revert()
    assert not taken.landed
    assert "already impaired (reset every connection into the zone)" in taken.detail
    assert shop.zone_faults["us-east-1a"] == PATH_FAULT.validate_python({"mode": "reset"})


def test_a_refused_fault_does_not_land(shop: FakeLocalcloud, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(zone: str, mode: str, **params: Any) -> PathFaultSpec:
        raise LocalcloudError("localcloud: PUT /zones/us-east-1a/fault: no", 500)

    monkeypatch.setattr(shop, "set_zone_fault", refuse)
    outcome = _injector(_fault(), shop).inject()
    assert not outcome.landed
    assert "PUT /zones/us-east-1a/fault" in outcome.detail
    assert not shop.stops


def test_on_a_real_localcloud_the_zone_empties_and_the_ledger_plan_lifts_the_fault(
    tmp_path: Path,
) -> None:
    """Three tasks each, one per zone: the zone's two are stopped and replaced in the other zones."""
    services = {"bff": echo_service(3, depends_on=["catalog"]), "catalog": echo_service(3)}
    with local_target(write_stack(tmp_path, services, entry="bff")) as (cloud, target):
        injector = build_injector(_fault(), target, fault_id=CONTEXT.fault_id, run_id="run-1")
        plan = check_revert_plan(injector.revert_plan())

        outcome = injector.inject()

        assert outcome.landed, outcome.detail
        assert len(outcome.affected) == 3  # the zone and its two tasks

        def replaced_elsewhere() -> bool:
            state = cloud.client.state()
            live = [t for s in state.services.values() for t in s.tasks if t.status == TaskStatus.RUNNING]
            return len(live) == 6 and all(t.zone != "us-east-1a" for t in live)

        assert wait_until(replaced_elsewhere, 20)
        blackhole = PATH_FAULT.validate_python({"mode": "blackhole"})
        assert cloud.client.state().zone_faults["us-east-1a"] == blackhole
        assert execute_revert_plan(plan, CONTEXT) == "zone us-east-1a cleared"
        assert cloud.client.state().zone_faults["us-east-1a"] is None
        injector.revert()  # after the ledger's revert: nothing left to do, and no error


def test_a_zone_fault_left_by_a_killed_run_is_lifted_by_rollback(tmp_path: Path) -> None:
    """The harness dies with the zone impaired; ``gameday rollback`` and the ledger alone lift it."""
    services = {"bff": echo_service(3, depends_on=["catalog"]), "catalog": echo_service(3)}
    stack = write_stack(tmp_path, services, entry="bff")
    with local_target(stack) as (cloud, target):
        targets, scenario, reports = tmp_path / "targets.yaml", tmp_path / "killed.yaml", tmp_path / "reports"
        targets.write_text(yaml.safe_dump({"targets": {"local": target.model_dump(mode="json")}}))
        scenario.write_text(
            """\
name: killed
description: A run killed while its zone fault is applied.
duration: 30s
load: {shape: step, users: 1, step_users: 0, step_every: 60s, max_users: 1}
faults:
  - {kind: impair-zone, at: 2s, for: 20s, target: {zone: us-east-1a}, stop_tasks: false}
expect:
  - {score: availability, min: 0.5}
"""
        )
        process, load_pid = run_until_landed(
            ["run", str(scenario), "--targets", str(targets), "--reports", str(reports)]
        )
        sigkill(process)
        assert wait_until(lambda: not pid_alive(load_pid), 15)
        assert cloud.client.state().zone_faults["us-east-1a"] is not None

        rolled = subprocess.run(
            [sys.executable, "-m", "gameday.cli", "rollback", str(reports / "latest")],
            capture_output=True,
            text=True,
            timeout=60,
        )

        assert rolled.returncode == 0, rolled.stderr
        assert "zone us-east-1a cleared" in rolled.stdout
        assert Ledger((reports / "latest" / "ledger.jsonl").resolve()).unreverted() == []
        assert cloud.client.state().zone_faults["us-east-1a"] is None


# --- the revert plan, from the ledger ----------------------------------------------------------------


def test_the_ledger_plan_clears_the_zone_fault(shop: FakeLocalcloud, monkeypatch: pytest.MonkeyPatch) -> None:
    injector = _injector(_fault(), shop)
    plan = check_revert_plan(injector.revert_plan())
    assert plan == {
        "action": "localcloud-clear-zone-fault",
        "control_url": CONTROL_URL,
        "zone": "us-east-1a",
        "fault": {"mode": "blackhole"},
    }
    assert injector.inject().landed
    monkeypatch.setattr(zone_local, "LocalcloudClient", lambda url: shop)

    assert execute_revert_plan(plan, CONTEXT) == "zone us-east-1a cleared"
    assert execute_revert_plan(plan, CONTEXT) == "zone us-east-1a already clear"
    shop.set_zone_fault("us-east-1a", "reset")
    assert "did not set" in execute_revert_plan(plan, CONTEXT)
    assert shop.zone_faults["us-east-1a"] is not None


def test_the_ledger_plan_of_a_localcloud_that_is_gone_has_nothing_to_undo() -> None:
    plan = {
        "action": "localcloud-clear-zone-fault",
        "control_url": CONTROL_URL,
        "zone": "us-east-1a",
        "fault": {"mode": "latency", "delay_ms": 200, "jitter_ms": 10},
    }
    assert execute_revert_plan(check_revert_plan(plan), CONTEXT).startswith("nothing to undo")


# --- AWS: the FIS experiment ---------------------------------------------------------------------------


def _template(fault: ImpairZone, **target_changes: Any) -> dict[str, Any]:
    return fis_template_for(fault, aws_target(**target_changes), run_id="run-1", fault_id="f1-impair-zone")


def test_blackhole_and_stop_cut_the_zones_subnets_and_stop_the_stacks_tasks_there() -> None:
    built = _template(_fault())
    assert built["targets"] == {
        "zone-subnets": {
            "resourceType": "aws:ec2:subnet",
            "resourceTags": {"gameday:allowed": "true"},
            "parameters": {"availabilityZoneIdentifier": "us-east-1a"},
            "selectionMode": "ALL",
        },
        "zone-tasks-1": {
            "resourceType": "aws:ecs:task",
            "parameters": {"cluster": "shop"},
            "filters": [
                {"path": "Group", "values": ["service:bff", "service:orders"]},
                {"path": "AvailabilityZone", "values": ["us-east-1a"]},
            ],
            "selectionMode": "ALL",
        },
    }
    assert built["actions"] == {
        "cut-zone": {
            "actionId": "aws:network:disrupt-connectivity",
            "targets": {"Subnets": "zone-subnets"},
            "parameters": {"duration": "PT1M", "scope": "all"},
        },
        "stop-zone-tasks-1": {"actionId": "aws:ecs:stop-task", "targets": {"Tasks": "zone-tasks-1"}},
    }
    assert built["tags"] == {"gameday:run": "run-1", "gameday:fault": "f1-impair-zone"}
    assert built["experimentOptions"] == {"emptyTargetResolutionMode": "fail"}
    assert create_template_problems(built) == ""


def test_latency_delays_what_the_stacks_tasks_send_into_the_zone_one_target_per_cluster() -> None:
    services = {
        "bff": EcsService(cluster="edge", service="bff"),
        "orders": EcsService(cluster="shop", service="orders"),
    }
    built = _template(_fault(network="latency", delay_ms=250, stop_tasks=False), services=services)
    assert sorted(built["actions"]) == ["delay-into-zone-1", "delay-into-zone-2"]
    assert built["actions"]["delay-into-zone-1"]["parameters"] == {
        "duration": "PT1M",
        "delayMilliseconds": "250",
        "jitterMilliseconds": "10",
        "sources": "us-east-1a",
    }
    assert built["targets"]["stack-tasks-1"]["filters"] == [{"path": "Group", "values": ["service:bff"]}]
    assert built["targets"]["stack-tasks-2"]["parameters"] == {"cluster": "shop"}
    assert create_template_problems(built) == ""


def test_templates_fis_cannot_run_are_refused_before_the_run() -> None:
    with pytest.raises(InputError, match="maps no service"):
        _template(_fault(), services={})
    with pytest.raises(InputError, match="at least 60s"):
        _template(_fault(**{"for": "30s"}))
    many = {f"s{n}": EcsService(cluster=f"c{n}", service=f"s{n}") for n in range(6)}
    with pytest.raises(InputError, match="at most 10 in parallel"):
        _template(_fault(network="latency"), services=many)


ACCOUNT = "111122223333"
OPT_IN = {"gameday:allowed": "true"}
ZONE = "eu-west-1a"


def _subnets(account: StubbedAccount, *subnet_ids: str) -> None:
    filters = [
        {"Name": "availability-zone", "Values": [ZONE]},
        {"Name": "tag:gameday:allowed", "Values": ["true"]},
    ]
    subnets = [
        {"SubnetId": subnet, "AvailabilityZone": ZONE, "Tags": [{"Key": "gameday:allowed", "Value": "true"}]}
        for subnet in subnet_ids
    ]
    account.expect("ec2", "describe_subnets", {"Subnets": subnets}, {"Filters": filters})


def _tasks(account: StubbedAccount, service: str, zones: list[str]) -> None:
    """The service's running tasks, listed then described, each placed in its zone."""
    arns = [f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task/shop/{service}-{n}" for n in range(len(zones))]
    listed = {"cluster": "shop", "serviceName": service, "desiredStatus": "RUNNING"}
    account.expect("ecs", "list_tasks", {"taskArns": arns}, listed)
    if not arns:
        return
    described = [{"taskArn": arn, "availabilityZone": zone} for arn, zone in zip(arns, zones, strict=True)]
    account.expect("ecs", "describe_tasks", {"tasks": described}, {"cluster": "shop", "tasks": arns})


def _service(account: StubbedAccount, service: str, desired: int) -> None:
    """The reads pre-flight makes of a service whose tasks are taken: its tags, its desired count."""
    tags = [{"key": key, "value": value} for key, value in OPT_IN.items()]
    answer = {"services": [{"serviceName": service, "desiredCount": desired, "tags": tags}]}
    account.expect(
        "ecs", "describe_services", answer, {"cluster": "shop", "services": [service], "include": ["TAGS"]}
    )
    account.expect("ecs", "describe_services", answer, {"cluster": "shop", "services": [service]})


def _preflight(tmp_path: Path, account: StubbedAccount, **fields: Any) -> str:
    entry = {"kind": "impair-zone", "at": "10s", "for": "2m", "target": {"zone": ZONE}, **fields}
    plan = build_plan(load_scenario(scenario_with(tmp_path, [entry])), aws_target(), "staging", run_id="r1")
    account.expect("sts", "get_caller_identity", {"Account": ACCOUNT}, {})
    return preflight(aws_target(), "staging", plan.faults, account)


def test_preflight_reads_the_zones_subnets_and_holds_its_tasks_to_the_blast_radius(tmp_path: Path) -> None:
    account = StubbedAccount()
    _subnets(account, "subnet-0a", "subnet-0b")
    _tasks(account, "bff", ["eu-west-1a", "eu-west-1b", "eu-west-1c"])
    _tasks(account, "orders", ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1a"])
    _service(account, "bff", desired=3)
    _service(account, "orders", desired=4)

    assert _preflight(tmp_path, account) == ACCOUNT
    account.assert_all_answered()


def test_a_zone_holding_all_of_a_services_tasks_is_above_the_blast_radius(tmp_path: Path) -> None:
    account = StubbedAccount()
    _tasks(account, "bff", ["eu-west-1a"])
    _tasks(account, "orders", ["eu-west-1b"])
    _service(account, "bff", desired=1)

    with pytest.raises(EnvironmentProblem, match="would take 100% of its tasks \\(1 of 1 desired\\)"):
        _preflight(tmp_path, account, network="none")


def test_a_zone_with_no_opted_in_subnet_or_no_task_is_refused_before_the_run(tmp_path: Path) -> None:
    account = StubbedAccount()
    _subnets(account)
    with pytest.raises(
        EnvironmentProblem, match="no subnet in eu-west-1a carries the tag gameday:allowed=true"
    ):
        _preflight(tmp_path, account, stop_tasks=False)

    account = StubbedAccount()
    _tasks(account, "bff", ["eu-west-1b"])
    _tasks(account, "orders", [])
    with pytest.raises(EnvironmentProblem, match="none of the mapped services runs a task in eu-west-1a"):
        _preflight(tmp_path, account, network="none")


def test_latency_touches_every_mapped_service_without_taking_tasks() -> None:
    touches = kind_of(_fault()).touches
    assert touches is not None
    assert [str(r) for r in touches(_fault(network="latency", stop_tasks=False), aws_target())] == [
        "ECS service bff in cluster shop",
        "ECS service orders in cluster shop",
    ]
