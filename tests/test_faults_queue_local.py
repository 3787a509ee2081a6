"""throttle-queue on a real localcloud (echo tasks, the real SQS endpoint): each mode's harm is
seen through the control API and the queue itself, and the revert — the run's own and the one
``gameday rollback`` runs from the ledger's plan — puts back exactly what was there."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from localcloud_apps.stacks import echo_service, local_target, write_stack
from pydantic import TypeAdapter

from faults.base import Injector
from faults.catalogue import FaultSpec
from faults.kind import RevertContext
from faults.queue.local import queue_consumers
from faults.registry import build_injector
from faults.revert import execute_revert_plan
from gameday.errors import InputError
from gameday.localcloud.api import QueueFaultSpec, ServiceState, SuspendedState
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.targets import LocalTarget

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "jobs"
# The consumer scales on its backlog; the target is out of reach, so left alone it stays at its
# min of 2, which is exactly what it would put back within a second of a consumer fault that turns
# it down to 1, were its scaling not suspended.
DRAIN_SCALING = {
    "min": 2,
    "max": 3,
    "policy": {"metric": "backlog-per-task", "queue": QUEUE, "target": 1000},
    "window": "1s",
}
RUNNING_FREELY = SuspendedState()
HELD = SuspendedState(scale_in=True, scale_out=True)
HELD_IN = SuspendedState(scale_in=True)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningLocalcloud, LocalTarget]]:
    """An entry service that sends to the queue, one it calls that also sends, and a consumer."""
    directory = tmp_path_factory.mktemp("queue-faults")
    stack = write_stack(
        directory,
        {
            "api": echo_service(1, depends_on=["orders"], queues=[QUEUE]),
            "orders": echo_service(1, queues=[QUEUE]),
            "drain": echo_service(2, queues=[QUEUE], scaling=DRAIN_SCALING),
        },
        entry="api",
        queues={QUEUE: {"visibility_timeout": "30s"}},
    )
    with local_target(stack) as running:
        yield running


@pytest.fixture
def healthy(cloud: tuple[RunningLocalcloud, LocalTarget]) -> Iterator[tuple[RunningLocalcloud, LocalTarget]]:
    """Each test starts from, and must leave, the stack as it was: no queue fault, drain at 2 and
    scaling freely."""
    running = cloud[0]
    yield cloud
    state = running.client.state()
    assert state.queue_faults[QUEUE] is None
    assert state.services["drain"].desired == 2
    assert _suspension(state.services["drain"]) == RUNNING_FREELY


def _suspension(service: ServiceState) -> SuspendedState:
    assert service.scaling is not None, "the service has no auto scaling"
    return service.scaling.suspended_state


def _injector(target: LocalTarget, **fault: Any) -> Injector:
    entry = {"kind": "throttle-queue", "at": "1s", "for": "5s", "target": {"queue": QUEUE}, **fault}
    spec: FaultSpec = TypeAdapter(FaultSpec).validate_python(entry)
    return build_injector(spec, target, fault_id="f1", run_id="run-1")


def _sqs(running: RunningLocalcloud) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=running.client.state().sqs_endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}),
    )


def _drain(sqs: Any, url: str) -> int:
    """Receive and delete until a long poll comes back empty; how many messages there were."""
    received = 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=3).get(
        "Messages", []
    ):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        received += len(messages)
    return received


def test_consumers_are_the_services_that_list_the_queue_and_receive_no_requests(tmp_path: Path) -> None:
    assert queue_consumers(ROOT / "gameday" / "shop" / "stack.yaml", "orders") == ["worker"]
    senders_only = write_stack(
        tmp_path, {"api": echo_service(1, queues=[QUEUE])}, entry="api", queues={QUEUE: {}}
    )
    with pytest.raises(
        InputError, match=r"stack.yaml:\d+: queues.jobs: no service consumes queue 'jobs'.*api"
    ):
        queue_consumers(senders_only, QUEUE)


def test_consumer_mode_stops_the_consumer_and_puts_its_count_back(
    healthy: tuple[RunningLocalcloud, LocalTarget],
) -> None:
    running, target = healthy
    injector = _injector(target, mode="consumer")

    plan = injector.revert_plan()
    assert plan == {
        "action": "localcloud-queue-throttle",
        "control_url": target.control_url,
        "queue": QUEUE,
        "desired": {"drain": 2},
        "clear_queue_fault": False,
        "scaling_suspended": {"drain": RUNNING_FREELY.model_dump()},
    }
    outcome = injector.inject()

    assert outcome.landed, outcome.detail
    assert outcome.detail == "desired count of drain from 2 to 0 (auto scaling of drain suspended)"
    assert outcome.affected == ["drain"]
    services = running.client.state().services
    assert (services["drain"].desired, services["drain"].running) == (0, 0)
    assert services["orders"].desired == services["api"].desired == 1  # senders untouched
    injector.revert()
    injector.revert()  # idempotent
    services = running.client.state().services
    assert (services["drain"].desired, services["drain"].running) == (2, 2)


def test_a_consumer_that_auto_scales_is_held_at_the_fault_count_until_the_revert(
    healthy: tuple[RunningLocalcloud, LocalTarget],
) -> None:
    running, target = healthy
    injector = _injector(target, mode="consumer", consumers=1)
    injector.revert_plan()
    assert injector.inject().landed

    time.sleep(2.5)  # two autoscaler evaluations: each would put drain back to its min of 2
    drain = running.client.state().services["drain"]
    assert (drain.desired, drain.running, _suspension(drain)) == (1, 1, HELD)
    assert running.client.scaling_activities(0, time.time()) == []
    injector.revert()
    drain = running.client.state().services["drain"]
    assert (drain.desired, drain.running, _suspension(drain)) == (2, 2, RUNNING_FREELY)


def test_rollback_puts_back_a_suspension_that_was_there_before(
    healthy: tuple[RunningLocalcloud, LocalTarget],
) -> None:
    running, target = healthy
    running.client.set_scaling_suspended("drain", scale_in=True, scale_out=False)
    try:
        injector = _injector(target, mode="consumer")
        plan = injector.revert_plan()
        assert plan["scaling_suspended"] == {"drain": HELD_IN.model_dump()}
        assert injector.inject().landed
        context = RevertContext(run_id="run-1", fault_id="f1", target_name="local")
        done = execute_revert_plan(plan, context)  # as `gameday rollback` does, from the plan alone
        assert done == f"queue {QUEUE}: drain desired 2, drain auto scaling back to suspended in"
        assert _suspension(running.client.state().services["drain"]) == HELD_IN
    finally:
        running.client.set_scaling_suspended("drain", scale_in=False, scale_out=False)


def test_delay_mode_sets_the_queue_fault_and_the_ledger_plan_clears_it(
    healthy: tuple[RunningLocalcloud, LocalTarget],
) -> None:
    running, target = healthy
    injector = _injector(target, mode="delay", delay="2s")
    plan = injector.revert_plan()

    outcome = injector.inject()

    assert outcome.landed, outcome.detail
    assert running.client.state().queue_faults[QUEUE] == QueueFaultSpec(delay_s=2.0)
    sqs = _sqs(running)
    url = running.client.state().queues[QUEUE].url
    sqs.send_message(QueueUrl=url, MessageBody="late")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    context = RevertContext(run_id="run-1", fault_id="f1", target_name="local")
    assert execute_revert_plan(plan, context) == f"queue {QUEUE}: fault cleared"
    assert execute_revert_plan(plan, context) == f"queue {QUEUE}: fault cleared"
    assert _drain(sqs, url) == 1  # delivered once its delay had passed


def test_reject_sends_mode_throttles_sends_until_reverted(
    healthy: tuple[RunningLocalcloud, LocalTarget],
) -> None:
    running, target = healthy
    injector = _injector(target, mode="reject-sends", share=1)
    injector.revert_plan()
    sqs = _sqs(running)
    url = running.client.state().queues[QUEUE].url

    outcome = injector.inject()

    assert outcome.landed, outcome.detail
    with pytest.raises(sqs.exceptions.RequestThrottled):
        sqs.send_message(QueueUrl=url, MessageBody="x")
    injector.revert()
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert _drain(sqs, url) == 1


def test_a_queue_that_already_has_a_fault_is_not_touched(
    healthy: tuple[RunningLocalcloud, LocalTarget],
) -> None:
    running, target = healthy
    running.client.set_queue_fault(QUEUE, delay_s=5)
    try:
        injector = _injector(target, mode="reject-sends", share=0.5)
        assert injector.revert_plan()["action"] == "none"
        outcome = injector.inject()
        injector.revert()
        assert not outcome.landed
        assert "already has a fault" in outcome.detail
        assert running.client.state().queue_faults[QUEUE] == QueueFaultSpec(delay_s=5.0)
    finally:
        running.client.clear_queue_fault(QUEUE)


def test_a_consumer_already_at_the_count_is_not_landed(
    healthy: tuple[RunningLocalcloud, LocalTarget],
) -> None:
    _running, target = healthy
    injector = _injector(target, mode="consumer", consumers=2)
    outcome = injector.inject()
    assert not outcome.landed
    assert "already run at most 2" in outcome.detail


def test_an_unreachable_localcloud_is_not_landed_and_rollback_has_nothing_to_undo(tmp_path: Path) -> None:
    target = LocalTarget(kind="localcloud", stack=tmp_path / "unused.yaml", control_url="http://127.0.0.1:9")
    injector = _injector(target, mode="delay", delay="5s")
    assert injector.revert_plan()["action"] == "none"
    outcome = injector.inject()
    assert not outcome.landed
    assert "not reachable" in outcome.detail
    plan = {
        "action": "localcloud-queue-throttle",
        "control_url": target.control_url,
        "queue": QUEUE,
        "desired": {},
        "clear_queue_fault": True,
        "scaling_suspended": {},
    }
    context = RevertContext(run_id="run-1", fault_id="f1", target_name="local")
    assert execute_revert_plan(plan, context).startswith("nothing to undo: no localcloud answers")
