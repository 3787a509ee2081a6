"""Availability Zones on localcloud: tasks are spread over the zones like ECS spreads them, state,
events and metrics say where each task runs, and a fault on a zone harms every connection into its
tasks (from the entry, a dependency edge and the health checks), so its tasks are replaced in the
zones still healthy. One running stack serves the module; the tests that move tasks come last."""

from __future__ import annotations

import json
import math
import socket
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from http.client import HTTPResponse
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from localcloud_apps.stacks import answer_of, echo_service, http, running_stack, write_stack

from gameday.errors import InputError
from gameday.localcloud.api import BlackholeSpec, LatencySpec, ZoneFaultCleared, ZoneFaultSet
from gameday.localcloud.client import LocalcloudError
from gameday.localcloud.faultmodes import path_fault
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.localcloud.metrics import RUNNING_BY_ZONE
from gameday.localcloud.stack import DEFAULT_ZONES, load_stack
from gameday.localcloud.variants import load_stack_as
from gameday.localcloud.zones import Zones
from gameday.processes import wait_until

A, B, C = DEFAULT_ZONES
SHOP_STACK = Path(__file__).parents[1] / "gameday" / "shop" / "stack.yaml"
HANG_S = 0.5  # how long a request must go unanswered to count as held
DELAY_S = 0.5  # the zone latency the latency test sets
RECOVERY_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLocalcloud]:
    services = {"bff": echo_service(4, depends_on=["catalog"]), "catalog": echo_service(3, zones=[B, C])}
    with running_stack(
        write_stack(tmp_path_factory.mktemp("localcloud-zones"), services, entry="bff")
    ) as running:
        yield running


def _zones_of(cloud: RunningLocalcloud, service: str) -> dict[str, str]:
    """Task id → zone of the service's live tasks."""
    tasks = cloud.client.state().services[service].tasks
    return {task.id: task.zone for task in tasks if task.status != "STOPPED"}


def _spread(cloud: RunningLocalcloud, service: str) -> dict[str, int]:
    return dict(Counter(_zones_of(cloud, service).values()))


def _whoami(url: str, timeout_s: float = 5.0) -> tuple[str | None, float]:
    """The task that answered (None: no answer within the timeout) and how long it took."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{url}/whoami", timeout=timeout_s) as response:
            task_id: str = json.loads(response.read())["task_id"]
    except (TimeoutError, urllib.error.URLError) as error:
        if not isinstance(getattr(error, "reason", error), TimeoutError):
            raise
        return None, time.monotonic() - started
    return task_id, time.monotonic() - started


def _ask(sock: socket.socket) -> str:
    """One GET /whoami on an open connection; the task id that answered."""
    sock.sendall(b"GET /whoami HTTP/1.1\r\nHost: zones\r\n\r\n")
    response = HTTPResponse(sock)
    response.begin()
    task_id: str = json.loads(response.read())["task_id"]
    return task_id


def _edge(cloud: RunningLocalcloud) -> tuple[str, int]:
    address = urlsplit(cloud.client.state().paths["bff->catalog"])
    return str(address.hostname), int(address.port or 0)


# --- placement ---------------------------------------------------------------------------------


def test_tasks_spread_over_the_zones_fewest_first_in_zone_order(cloud: RunningLocalcloud) -> None:
    state = cloud.client.state()
    assert state.zones == DEFAULT_ZONES
    assert state.zone_faults == dict.fromkeys(DEFAULT_ZONES)
    assert _spread(cloud, "bff") == {A: 2, B: 1, C: 1}


def test_a_service_is_placed_only_in_its_own_zones(cloud: RunningLocalcloud) -> None:
    assert _spread(cloud, "catalog") == {B: 2, C: 1}


def test_events_and_metrics_say_where_each_task_runs(cloud: RunningLocalcloud) -> None:
    zones = {**_zones_of(cloud, "bff"), **_zones_of(cloud, "catalog")}
    started = {
        e.task_id: e.zone for e in cloud.client.events(0, math.inf) if e.kind in ("started", "healthy")
    }
    assert {task: started[task] for task in zones} == zones

    def latest() -> dict[tuple[str, str], float]:
        points = [p for p in cloud.client.metrics(0, math.inf) if p.name == RUNNING_BY_ZONE]
        return {(p.dimensions["ServiceName"], p.dimensions["AvailabilityZone"]): p.value for p in points}

    expected = {("bff", A): 2, ("bff", B): 1, ("bff", C): 1, ("catalog", B): 2, ("catalog", C): 1}
    assert wait_until(lambda: latest() == expected, 5), latest()
    point = next(p for p in cloud.client.metrics(0, math.inf) if p.name == RUNNING_BY_ZONE)
    assert point.namespace == "ECS/ContainerInsights" and point.dimensions["ClusterName"] == "localcloud"


def test_placement_avoids_impaired_zones_while_a_healthy_one_is_allowed() -> None:
    zones = Zones(DEFAULT_ZONES)
    assert [zones.place(DEFAULT_ZONES, live) for live in ([], [A], [A, B], [A, B, C, A])] == [A, B, C, B]
    assert zones.place([C, B], []) == C  # ties go to the zone the service lists first
    zones[A].set_fault(path_fault(BlackholeSpec()))
    assert zones.place(DEFAULT_ZONES, []) == B
    assert zones.place([A], [A, A]) == A  # every allowed zone impaired: placed all the same
    zones.clear()
    assert zones.place(DEFAULT_ZONES, [B, C]) == A


# --- zone faults -------------------------------------------------------------------------------


def test_zone_latency_delays_only_connections_into_the_zone(cloud: RunningLocalcloud) -> None:
    bff, catalog = _zones_of(cloud, "bff"), _zones_of(cloud, "catalog")
    applied = cloud.client.set_zone_fault(B, "latency", delay_ms=DELAY_S * 1000)
    assert applied == LatencySpec(delay_ms=DELAY_S * 1000)
    assert cloud.client.state().zone_faults[B] == applied
    try:
        through_entry = [_whoami(cloud.state.entry_url) for _ in range(len(bff))]
        host, port = _edge(cloud)
        through_edge = [_whoami(f"http://{host}:{port}") for _ in range(len(catalog))]
    finally:
        cloud.client.clear_zone_fault(B)
    for answers, zones in ((through_entry, bff), (through_edge, catalog)):
        assert {task for task, _ in answers} == set(zones)
        for task, took in answers:
            assert task is not None
            assert (took >= DELAY_S * 0.9) == (zones[task] == B), (task, zones[task], took)
    assert _whoami(cloud.state.entry_url)[1] < DELAY_S * 0.9


def test_a_zone_blackhole_holds_open_connections_until_it_is_lifted(cloud: RunningLocalcloud) -> None:
    catalog = _zones_of(cloud, "catalog")
    with socket.create_connection(_edge(cloud), timeout=5) as sock:
        task = _ask(sock)
        assert cloud.client.set_zone_fault(catalog[task], "blackhole") == BlackholeSpec()
        sock.settimeout(HANG_S)
        with pytest.raises(TimeoutError):
            _ask(sock)
        cloud.client.clear_zone_fault(catalog[task])  # well before its health checks fail
        sock.settimeout(5)
        response = HTTPResponse(sock)  # the held request goes through once the zone heals
        response.begin()
        assert json.loads(response.read())["task_id"] == task
    assert cloud.client.state().zone_faults[catalog[task]] is None


def test_zone_faults_answer_in_their_models_and_refuse_an_unknown_zone(cloud: RunningLocalcloud) -> None:
    base = cloud.client.base_url
    latency = LatencySpec(delay_ms=1)
    set_ = answer_of(base, "PUT", f"/zones/{A}/fault", ZoneFaultSet, latency)
    assert set_ == ZoneFaultSet(zone=A, fault=latency)
    assert answer_of(base, "DELETE", f"/zones/{A}/fault", ZoneFaultCleared) == ZoneFaultCleared(zone=A)
    known = f"no zone named 'us-west-2a' \\(zones: {A}, {B}, {C}\\)"
    with pytest.raises(LocalcloudError, match=known) as unknown:
        cloud.client.set_zone_fault("us-west-2a", "blackhole")
    assert unknown.value.status == 404
    with pytest.raises(LocalcloudError, match=known):
        cloud.client.clear_zone_fault("us-west-2a")
    status, answer, _ = http("PUT", f"{base}/zones/{A}/fault", json.dumps({"mode": "latency"}).encode())
    assert (status, answer) == (400, {"error": "delay_ms: Field required"})
    with pytest.raises(LocalcloudError, match="share") as refused:
        cloud.client.set_zone_fault(A, "http-errors", share=2)
    assert refused.value.status == 400
    assert cloud.client.state().zone_faults == dict.fromkeys(DEFAULT_ZONES)


def test_a_blackholed_zone_is_drained_and_the_service_serves_from_the_others(
    cloud: RunningLocalcloud,
) -> None:
    since = time.time()
    bff, catalog = _zones_of(cloud, "bff"), _zones_of(cloud, "catalog")
    in_c = {task for task, zone in {**bff, **catalog}.items() if zone == C}
    cloud.client.set_zone_fault(C, "blackhole")
    try:
        answers = [_whoami(cloud.state.entry_url, timeout_s=HANG_S)[0] for _ in range(len(bff))]
        assert answers.count(None) == 1  # bff's one task in C holds its request
        assert set(answers) - {None} == {task for task, zone in bff.items() if zone != C}

        def drained() -> bool:
            spread = (_spread(cloud, "bff"), _spread(cloud, "catalog"))
            return cloud.client.state().ready and spread == ({A: 2, B: 2}, {B: 3})

        assert wait_until(drained, RECOVERY_TIMEOUT_S), cloud.client.state()
        events = cloud.client.events(since, math.inf)
        assert sorted(
            (e.task_id, e.kind, e.zone, e.stop_code) for e in events if e.task_id in in_c
        ) == sorted(
            (task, kind, C, code)
            for task in in_c
            for kind, code in (("unhealthy", None), ("stopped", "ServiceSchedulerInitiated"))
        )
        assert {e.zone for e in events if e.kind == "started"} == {B}  # the zone with fewest tasks
        served = {_whoami(cloud.state.entry_url, timeout_s=2)[0] for _ in range(8)}
        assert served == set(_zones_of(cloud, "bff"))
    finally:
        cloud.client.clear_zone_fault(C)
    assert cloud.client.set_desired("bff", 5) == 4  # a healed zone takes tasks again, fewest first
    assert wait_until(lambda: cloud.client.state().ready, RECOVERY_TIMEOUT_S)
    assert _spread(cloud, "bff") == {A: 2, B: 2, C: 1}


# --- the stack file and the one-zone variant -----------------------------------------------------


def _stack_problems(tmp_path: Path, zones: list[str], service_zones: list[str]) -> list[str]:
    path = tmp_path / "stack.yaml"
    path.write_text(
        f"""\
name: zoned
entry: {{service: bff, port: 0}}
services:
  bff:
    command: [python, -m, gameday.shop.bff]
    zones: {json.dumps(service_zones)}
zones: {json.dumps(zones)}
""",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_stack(path)
    return [str(problem).removeprefix(f"{path}:") for problem in caught.value.problems]


def test_unknown_and_repeated_zones_are_located_in_the_stack_file(tmp_path: Path) -> None:
    assert _stack_problems(tmp_path, [A, B], [B, "us-east-1d"]) == [
        f"6: services.bff.zones[1]: no zone named 'us-east-1d' (known: {A}, {B})"
    ]
    assert _stack_problems(tmp_path, [A, B, A], [A]) == ["7: zones: names must not repeat"]
    assert _stack_problems(tmp_path, [A], [A, A]) == ["6: services.bff.zones: names must not repeat"]
    assert _stack_problems(tmp_path, [], [A]) == ["7: zones: needs at least 1 entry, not 0"]


def test_the_shop_spreads_over_the_region_and_one_zone_keeps_it_in_one() -> None:
    shop = load_stack(SHOP_STACK)
    assert shop.zones == DEFAULT_ZONES == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert {service.zones for service in shop.services.values()} == {None}
    one_zone = load_stack_as(SHOP_STACK, "one-zone")
    assert {name: service.zones for name, service in one_zone.services.items()} == {
        name: [A] for name in shop.services
    }
    assert one_zone.model_copy(update={"services": shop.services}) == shop  # nothing else changes
