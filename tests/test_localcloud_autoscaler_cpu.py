"""Auto scaling on a running localcloud: CPU stress in real tasks scales the service out to its
max, the activities say so, and the service scales back in to its min once the stress ends."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from localcloud_apps.stacks import answer_of, echo_service, write_stack

from gameday.localcloud.api import ActivitiesAnswer, PlatformState, ServiceScaling, ServiceState
from gameday.localcloud.launcher import RunningLocalcloud, start_localcloud
from gameday.processes import wait_until

SERVICE = "api"
SCALING = {
    "min": 1,
    "max": 3,
    "policy": {"type": "target-tracking", "metric": "cpu", "target": 40},
    "scale_out_cooldown": "0s",
    "scale_in_cooldown": "1s",
    "window": "2s",
}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLocalcloud]:
    directory = tmp_path_factory.mktemp("localcloud-autoscaler")
    stack = write_stack(directory, {SERVICE: echo_service(1, scaling=SCALING)}, entry=SERVICE)
    running = start_localcloud(stack, 0, detached=False, log_path=directory / "localcloud.log", timeout_s=60)
    try:
        yield running
    finally:
        running.client.stop_stress(SERVICE)
        running.stop()
    assert running.process.returncode == 0


def _service(cloud: RunningLocalcloud) -> ServiceState:
    return cloud.client.state().services[SERVICE]


def _scaling(service: ServiceState) -> ServiceScaling:
    assert service.scaling is not None, "the service has no auto scaling"
    return service.scaling


def _settled_at(cloud: RunningLocalcloud, count: int) -> bool:
    service = _service(cloud)
    last = _scaling(service).last_activity
    return (
        service.desired == service.running == count and last is not None and last.status_code == "Successful"
    )


def test_the_state_shows_the_scaling_config_before_any_activity(cloud: RunningLocalcloud) -> None:
    scaling = _scaling(_service(cloud))
    assert (scaling.min, scaling.max, scaling.policy.metric) == (1, 3, "cpu")
    assert scaling.last_activity is None
    assert cloud.client.scaling_activities(0, time.time()) == []


def test_cpu_stress_scales_out_to_max_and_back_in_to_min(cloud: RunningLocalcloud) -> None:
    started = time.time()
    cloud.client.start_stress(SERVICE, 100)

    assert wait_until(lambda: _settled_at(cloud, 3), 30)

    cloud.client.stop_stress(SERVICE)
    assert wait_until(lambda: _settled_at(cloud, 1), 30)

    activities = cloud.client.scaling_activities(started, time.time())
    counts = [int(activity.description.split()[-1].rstrip(".")) for activity in activities]
    assert all(1 <= count <= 3 for count in counts)  # never outside min..max
    assert counts[0] > 1 and counts[-1] == 1  # out first, in last
    first, last = activities[0], activities[-1]
    assert first.resource_id == f"service/localcloud/{SERVICE}"
    assert first.scalable_dimension == "ecs:service:DesiredCount"
    assert "AlarmHigh" in first.cause and "AlarmLow" in last.cause
    assert last.status_code == "Successful" and last.end_time is not None and last.end_time >= last.start_time
    assert all(activity.status_code in {"Successful", "Overridden"} for activity in activities)
    assert cloud.client.scaling_activities(time.time() + 60, time.time() + 120) == []
    # AWS-named fields, end times and messages filled in: read into the models and written back unchanged
    base = cloud.client.base_url
    assert answer_of(base, "GET", "/scaling/activities", ActivitiesAnswer).activities[-1] == last
    shown = answer_of(base, "GET", "/state", PlatformState)
    assert _scaling(shown.services[SERVICE]).last_activity == last
