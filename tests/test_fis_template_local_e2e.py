"""FIS templates in AWS's shapes, run on the real shop: localcloud's state shows each action's harm.

The Availability Zone template (scenarios/fis/az-impairment-ecs.json) is written as AWS's
AZ-impairment scenarios are: the cluster's tasks filtered on their zone are stopped, the zone's
subnets lose connectivity, and an action localcloud has no equivalent for (insufficient capacity)
is skipped by name. A second template cuts bff's paths by port and burns CPU in one catalog task.
After the fault is reverted, nothing is left behind.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from faults.fis_template.spec import FisTemplateFile
from faults.registry import build_injector
from gameday.localcloud.api import BlackholeSpec, LatencySpec
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import wait_until
from gameday.targets import LocalTarget

pytestmark = pytest.mark.e2e
ZONE = "us-east-1a"
ROOT = Path(__file__).resolve().parent.parent

# Shipped for teams: AWS's AZ-impairment shape for ECS, with an action localcloud cannot do.
AZ_IMPAIRMENT = json.loads(
    (ROOT / "scenarios" / "fis" / "az-impairment-ecs.json").read_text(encoding="utf-8")
)

PATHS = {
    "targets": {
        "bff-tasks": {
            "resourceType": "aws:ecs:task",
            "parameters": {"service": "bff"},
            "selectionMode": "ALL",
        },
        "one-catalog": {
            "resourceType": "aws:ecs:task",
            "parameters": {"service": "catalog"},
            "selectionMode": "COUNT(1)",
        },
    },
    "actions": {
        "cut-bff-egress": {
            "actionId": "aws:ecs:task-network-blackhole-port",
            "parameters": {
                "duration": "PT1M",
                "port": "8080",
                "trafficType": "egress",
                "useEcsFaultInjectionEndpoints": "true",
            },
            "targets": {"Tasks": "bff-tasks"},
        },
        "burn-one-catalog": {
            "actionId": "aws:ecs:task-cpu-stress",
            "parameters": {"duration": "PT1M", "percent": "50"},
            "targets": {"Tasks": "one-catalog"},
        },
    },
    "stopConditions": [{"source": "none"}],
}


def injector_for(
    shop: RunningLocalcloud, stack: Path, tmp_path: Path, template: dict[str, Any], **extra: Any
) -> Any:
    file = tmp_path / "template.json"
    file.write_text(json.dumps(template, indent=2), encoding="utf-8")
    entry = {"kind": "fis-template", "file": "template.json", "at": "0s", "for": "1m", **extra}
    fault = FisTemplateFile.model_validate(entry, context={"scenario_dir": tmp_path})
    target = LocalTarget(kind="localcloud", stack=stack, control_url=shop.client.base_url)
    return build_injector(fault, target, fault_id="f1-fis-template", run_id="run-1", rng=random.Random(5))


def test_the_az_impairment_template_stops_the_zones_tasks_and_cuts_the_zone(
    shop: RunningLocalcloud, shop_stack: Path, tmp_path: Path
) -> None:
    before = shop.client.state()
    in_zone = {
        task.id
        for s in before.services.values()
        for task in s.tasks
        if task.zone == ZONE and task.status == "RUNNING"
    }
    elsewhere = {
        task.id
        for s in before.services.values()
        for task in s.tasks
        if task.zone != ZONE and task.status == "RUNNING"
    }
    assert in_zone and elsewhere  # the shop's tasks are spread over the zones

    injector = injector_for(
        shop, shop_stack, tmp_path, AZ_IMPAIRMENT, skip_on_localcloud=["Insufficient-Capacity"]
    )
    try:
        outcome = injector.inject()
        during = shop.client.state()
    finally:
        injector.revert()

    assert outcome.landed, outcome.detail
    assert (
        "not run on localcloud: Insufficient-Capacity (aws:ec2:api-insufficient-instance-capacity-error)"
        in outcome.detail
    )
    assert in_zone <= set(outcome.affected)
    still_running = {
        task.id for s in during.services.values() for task in s.tasks if task.status == "RUNNING"
    }
    assert not in_zone & still_running and elsewhere <= still_running
    assert isinstance(during.zone_faults[ZONE], BlackholeSpec)
    assert shop.client.state().zone_faults[ZONE] is None
    # every service is back at its desired count, none of its tasks placed in the zone while it was cut
    assert wait_until(lambda: all(s.running == s.desired for s in shop.client.state().services.values()), 30)


def test_a_port_blackhole_and_a_one_task_cpu_stress_land_where_the_template_says(
    shop: RunningLocalcloud, shop_stack: Path, tmp_path: Path
) -> None:
    injector = injector_for(shop, shop_stack, tmp_path, PATHS)
    try:
        outcome = injector.inject()
        during = shop.client.state()
    finally:
        injector.revert()
    after = shop.client.state()

    assert outcome.landed, outcome.detail
    assert {edge for edge, fault in during.path_faults.items() if isinstance(fault, BlackholeSpec)} == {
        "bff->catalog",
        "bff->orders",
    }
    assert [task.id for task in during.services["catalog"].tasks if task.stress is not None] != []
    assert len([task for task in during.services["catalog"].tasks if task.stress is not None]) == 1
    assert not any(isinstance(fault, LatencySpec | BlackholeSpec) for fault in after.path_faults.values())
    assert not any(task.stress for task in after.services["catalog"].tasks)
