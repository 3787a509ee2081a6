"""CPU stress on a running localcloud: real burner processes, seen in the task's CPUUtilization,
gone on DELETE and when their task stops."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psutil
import pytest
from localcloud_apps.stacks import echo_service, task_pids, write_stack

from gameday.localcloud.api import TaskStress
from gameday.localcloud.client import LocalcloudError
from gameday.localcloud.launcher import RunningLocalcloud, start_localcloud
from gameday.processes import pid_alive, wait_until

SERVICE = "api"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLocalcloud]:
    directory = tmp_path_factory.mktemp("localcloud-stress")
    stack = write_stack(directory, {SERVICE: echo_service(2)}, entry=SERVICE)
    running = start_localcloud(stack, 0, detached=False, log_path=directory / "localcloud.log", timeout_s=60)
    try:
        yield running
    finally:
        running.client.stop_stress(SERVICE)
        running.stop()
    assert running.process.returncode == 0


def _running_ids(cloud: RunningLocalcloud) -> list[str]:
    tasks = cloud.client.state().services[SERVICE].tasks
    return sorted(task.id for task in tasks if task.status == "RUNNING")


def _cpu_since(cloud: RunningLocalcloud, since: float) -> list[float]:
    return [
        point.value
        for point in cloud.client.metrics(since, time.time())
        if point.name == "CPUUtilization" and point.dimensions["ServiceName"] == SERVICE
    ]


def test_stress_burns_cpu_counted_in_the_task_until_deleted(cloud: RunningLocalcloud) -> None:
    first, second = _running_ids(cloud)
    started = time.time()

    burners = cloud.client.start_stress(SERVICE, 100, [first])

    assert list(burners) == [first]
    burner = psutil.Process(burners[first])
    tasks = {task.id: task for task in cloud.client.state().services[SERVICE].tasks}
    assert tasks[first].stress == TaskStress(load_percent=100, pid=burners[first])
    assert tasks[second].stress is None
    # One of two tasks burns a whole core: the service's average is well above idle echo servers.
    assert wait_until(lambda: any(value > 30 for value in _cpu_since(cloud, started)), 10)
    assert burner.cpu_times().user > 0.1

    assert cloud.client.stop_stress(SERVICE, [first]) == [first]
    assert wait_until(lambda: not pid_alive(burners[first]), 5)
    assert cloud.client.stop_stress(SERVICE, [first]) == []  # idempotent
    assert all(task.stress is None for task in cloud.client.state().services[SERVICE].tasks)


def test_a_burner_stops_with_its_task(cloud: RunningLocalcloud) -> None:
    burners = cloud.client.start_stress(SERVICE, 20)
    assert sorted(burners) == _running_ids(cloud)
    victim = sorted(burners)[0]

    cloud.client.stop_task(SERVICE, victim)

    assert wait_until(lambda: not pid_alive(burners[victim]), 5)
    others = [pid for task, pid in burners.items() if task != victim]
    assert all(pid_alive(pid) for pid in others)
    cloud.client.stop_stress(SERVICE)
    assert wait_until(lambda: not any(pid_alive(pid) for pid in others), 5)
    assert wait_until(lambda: cloud.client.state().ready, 15)


def test_bad_stress_requests_are_clear_errors(cloud: RunningLocalcloud) -> None:
    (task, *_) = _running_ids(cloud)
    with pytest.raises(LocalcloudError, match="no running task 'nope'") as unknown:
        cloud.client.start_stress(SERVICE, 50, ["nope"])
    assert unknown.value.status == 409
    with pytest.raises(LocalcloudError, match="load_percent") as bad:
        cloud.client.start_stress(SERVICE, 0, [task])
    assert bad.value.status == 400
    with pytest.raises(LocalcloudError, match="no service named 'nope'"):
        cloud.client.start_stress("nope", 50)
    burners = cloud.client.start_stress(SERVICE, 10, [task])
    with pytest.raises(LocalcloudError, match="already under CPU stress"):
        cloud.client.start_stress(SERVICE, 10, [task])
    cloud.client.stop_stress(SERVICE)
    assert wait_until(lambda: not pid_alive(burners[task]), 5)
    assert task_pids(cloud.client.state())
