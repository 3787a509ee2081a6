"""Path faults on a real localcloud (echo services): each kind lands with its harm observed through
the edge's proxy, refuses what it must not touch, and is undone by its revert and by its ledger plan."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from localcloud_apps.stacks import echo_service, task_pids, write_stack
from pydantic import TypeAdapter

from faults.kind import RevertContext
from faults.network.core import PathFault, PathFaultInjector, PathHarm, harm_for
from faults.network.local import REVERT_ACTION, LocalcloudPaths, clear_path_fault_from_plan
from faults.network.probe import Seen, probe
from faults.registry import build_injector
from faults.revert import execute_revert_plan
from gameday.localcloud.api import (
    PATH_FAULT,
    BlackholeSpec,
    HttpErrorsSpec,
    LatencySpec,
    PathFaultSpec,
    PlatformState,
    ResetSpec,
)
from gameday.localcloud.launcher import RunningLocalcloud, start_localcloud
from gameday.localcloud.ports import free_port
from gameday.processes import pid_alive, wait_until
from gameday.targets import LocalTarget

EDGE = "bff->catalog"
CONTEXT = RevertContext(run_id="run-1", fault_id="f1", target_name="local")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLocalcloud]:
    directory = tmp_path_factory.mktemp("network-faults")
    stack = write_stack(
        directory,
        {"bff": echo_service(1, depends_on=["catalog"]), "catalog": echo_service(1)},
        entry="bff",
    )
    running = start_localcloud(stack, 0, detached=False, log_path=directory / "localcloud.log", timeout_s=60)
    pids = set(task_pids(running.state))
    try:
        yield running
    finally:
        running.stop()
    assert wait_until(lambda: not any(pid_alive(pid) for pid in pids), 5)


@pytest.fixture
def clean(cloud: RunningLocalcloud) -> Iterator[RunningLocalcloud]:
    """The edge carries no fault before or after the test, whatever the test did."""
    cloud.client.clear_path_fault(EDGE)
    yield cloud
    cloud.client.clear_path_fault(EDGE)


def _fault(kind: str, **fields: Any) -> PathFault:
    entry = {"kind": kind, "at": 5, "for": 10, "target": {"path": fields.pop("path", EDGE)}, **fields}
    fault: PathFault = TypeAdapter(PathFault).validate_python(entry)
    return fault


def _injector(cloud: RunningLocalcloud, fault: PathFault) -> PathFaultInjector:
    return PathFaultInjector(fault, LocalcloudPaths(cloud.client, cloud.client.base_url), fault_id="f1")


def _edge_url(cloud: RunningLocalcloud) -> str:
    return cloud.client.state().paths[EDGE]


def test_scenario_entries_map_to_proxy_modes() -> None:
    assert harm_for(_fault("break-network", mode="reset")) == PathHarm("reset")
    assert harm_for(_fault("break-network")) == PathHarm("blackhole")
    assert harm_for(_fault("add-latency", delay_ms=300, jitter_ms=20)) == PathHarm(
        "latency", {"delay_ms": 300, "jitter_ms": 20}
    )
    errors = harm_for(_fault("fail-requests", share=0.5, status=429))
    assert errors == PathHarm("http-errors", {"share": 0.5, "status": 429})
    assert PathHarm.from_spec(errors.spec()) == errors


@pytest.mark.parametrize(
    ("fault", "shown", "probed"),
    [
        (_fault("break-network"), BlackholeSpec(), "timed out"),
        (_fault("break-network", mode="reset"), ResetSpec(), "closed"),
        (
            _fault("add-latency", delay_ms=400, jitter_ms=0),
            LatencySpec(delay_ms=400, jitter_ms=0),
            "answered 200",
        ),
        (
            _fault("fail-requests", share=1.0, status=503),
            HttpErrorsSpec(share=1.0, status=503),
            "answered 503",
        ),
    ],
    ids=["blackhole", "reset", "latency", "http-errors"],
)
def test_each_kind_lands_with_its_harm_observed_and_reverts(
    clean: RunningLocalcloud, fault: PathFault, shown: PathFaultSpec, probed: str
) -> None:
    injector = _injector(clean, fault)
    plan = injector.revert_plan()
    assert plan == {
        "action": REVERT_ACTION,
        "control_url": clean.client.base_url,
        "edge": EDGE,
        "fault": harm_for(fault).spec(),
    }

    outcome = injector.inject()

    assert outcome.landed, outcome.detail
    assert outcome.affected == [EDGE]
    assert probed in outcome.detail
    assert clean.client.state().path_faults[EDGE] == shown
    injector.revert()
    injector.revert()  # idempotent
    assert clean.client.state().path_faults[EDGE] is None
    result = probe(_edge_url(clean), 2.0)
    assert (result.seen, result.status) == (Seen.ANSWERED, 200)


def test_a_latency_probe_is_held_at_least_the_delay(clean: RunningLocalcloud) -> None:
    injector = _injector(clean, _fault("add-latency", delay_ms=300, jitter_ms=50))
    assert injector.inject().landed
    result = probe(_edge_url(clean), 2.0)
    injector.revert()
    assert result.seen is Seen.ANSWERED
    assert result.elapsed_s >= 0.25


def test_errors_for_a_share_land_on_the_state_alone(clean: RunningLocalcloud) -> None:
    injector = _injector(clean, _fault("fail-requests", share=0.2, status=500))
    outcome = injector.inject()
    injector.revert()
    assert outcome.landed
    assert "not probed" in outcome.detail


def test_an_unknown_path_is_refused_and_names_the_known_ones(clean: RunningLocalcloud) -> None:
    injector = _injector(clean, _fault("break-network", path="bff->orders"))
    outcome = injector.inject()
    injector.revert()
    assert not outcome.landed
    assert "no path bff->orders" in outcome.detail
    assert EDGE in outcome.detail
    assert clean.client.state().path_faults == {EDGE: None}


def test_a_path_already_broken_is_refused_and_left_as_it_was(clean: RunningLocalcloud) -> None:
    clean.client.set_path_fault(EDGE, "latency", delay_ms=50)
    injector = _injector(clean, _fault("break-network"))

    outcome = injector.inject()
    injector.revert()  # the orchestrator reverts every fault it tried; this one must not clear the other

    assert not outcome.landed
    assert "already broken" in outcome.detail
    assert clean.client.state().path_faults[EDGE] == LatencySpec(delay_ms=50)


class SetButHarmless:
    """A control API that accepts the fault and never applies it: the state stays clear."""

    def __init__(self, cloud: RunningLocalcloud) -> None:
        self._client = cloud.client

    def state(self) -> PlatformState:
        return self._client.state()

    def set_path_fault(self, edge: str, mode: str, **params: Any) -> PathFaultSpec:
        return PATH_FAULT.validate_python({"mode": mode, **params})

    def clear_path_fault(self, edge: str) -> None:
        self._client.clear_path_fault(edge)


def test_a_fault_whose_harm_is_not_observed_does_not_land(clean: RunningLocalcloud) -> None:
    paths = LocalcloudPaths(SetButHarmless(clean), clean.client.base_url)
    injector = PathFaultInjector(_fault("break-network"), paths, fault_id="f1", effect_timeout_s=0.5)
    outcome = injector.inject()
    injector.revert()
    assert not outcome.landed
    assert "not observed" in outcome.detail
    assert "None" in outcome.detail  # what the state showed instead


def test_the_ledger_plan_alone_clears_the_fault(clean: RunningLocalcloud) -> None:
    injector = _injector(clean, _fault("break-network"))
    plan = injector.revert_plan()
    assert injector.inject().landed

    first = execute_revert_plan(plan, CONTEXT)
    second = execute_revert_plan(plan, CONTEXT)

    assert "cleared" in first and "answered 200" in first
    assert "already clear" in second
    assert clean.client.state().path_faults[EDGE] is None


def test_the_ledger_plan_leaves_a_fault_it_did_not_set(clean: RunningLocalcloud) -> None:
    plan = _injector(clean, _fault("break-network")).revert_plan()
    clean.client.set_path_fault(EDGE, "reset")
    assert "left alone" in clear_path_fault_from_plan(plan, CONTEXT)
    assert clean.client.state().path_faults[EDGE] == ResetSpec()


def test_the_ledger_plan_of_a_localcloud_that_is_gone_has_nothing_to_undo() -> None:
    plan = {
        "action": REVERT_ACTION,
        "control_url": f"http://127.0.0.1:{free_port()}",
        "edge": EDGE,
        "fault": {"mode": "blackhole"},
    }
    assert execute_revert_plan(plan, CONTEXT).startswith("nothing to undo")


def test_the_registry_serves_path_faults_on_localcloud(clean: RunningLocalcloud) -> None:
    target = LocalTarget(kind="localcloud", control_url=clean.client.base_url)
    for kind in ("break-network", "add-latency", "fail-requests"):
        injector = build_injector(_fault(kind), target, fault_id="f1", run_id="run-1")
        assert isinstance(injector, PathFaultInjector)
        assert EDGE in injector.describe()


def _one_shot_server(answer: bytes | None) -> tuple[str, threading.Thread]:
    """A listener that accepts one connection and answers ``answer``, or closes it at once (None)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        with listener:
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)
                if answer is not None:
                    connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{port}", thread


def test_the_probe_tells_an_answer_from_a_closed_or_refused_connection() -> None:
    url, thread = _one_shot_server(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    answered = probe(url, 2.0)
    url, closer = _one_shot_server(None)
    closed = probe(url, 2.0)
    refused = probe(f"http://127.0.0.1:{free_port()}", 2.0)
    thread.join(2)
    closer.join(2)
    assert (answered.seen, answered.status) == (Seen.ANSWERED, 404)
    assert closed.seen is Seen.CLOSED
    assert refused.seen is Seen.CLOSED
