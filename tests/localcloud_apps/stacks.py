"""Stack files and HTTP helpers shared by localcloud's tests: every task is the echo app."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from gameday.localcloud.api import PlatformState, QueueState, ServiceState, TaskState
from gameday.localcloud.launcher import RunningLocalcloud, start_localcloud
from gameday.localcloud.stack import DEFAULT_ZONES
from gameday.processes import pid_alive, wait_until
from gameday.targets import LocalTarget

ECHO_APP = Path(__file__).with_name("echo.py")
Answer = TypeVar("Answer", bound=BaseModel)
FAST_HEALTH_CHECK = {"path": "/health", "interval": "0.2s", "timeout": "1s", "unhealthy_threshold": 2}


def echo_service(replicas: int = 1, **extra: Any) -> dict[str, Any]:
    """A service running the echo app, replaced quickly (0.5 s) and health-checked often."""
    return {
        "command": ["python", str(ECHO_APP)],
        "replicas": replicas,
        "start_delay": "0.5s",
        "health_check": FAST_HEALTH_CHECK,
        **extra,
    }


def write_stack(
    directory: Path,
    services: dict[str, Any],
    *,
    entry: str,
    entry_port: int = 0,
    queues: dict[str, Any] | None = None,
) -> Path:
    path = directory / "stack.yaml"
    document = {"name": "test", "entry": {"service": entry, "port": entry_port}, "services": services}
    if queues:
        document["queues"] = queues
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, dict[str, str]]:
    """One request on a fresh connection: status, JSON (or text) body, headers; errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, payload, answer_headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, payload, answer_headers = error.code, error.read(), dict(error.headers)
    try:
        return status, json.loads(payload), answer_headers
    except ValueError:
        return status, payload.decode(), answer_headers


def answer_of(
    base_url: str, method: str, path: str, answer: type[Answer], body: BaseModel | None = None
) -> Answer:
    """Call the control API with plain HTTP (``body`` sent as its model dumps it) and check the
    answer fits ``answer`` exactly: read into the model and written back, it is the same JSON, so
    the model knows every field the server sends and loses or renames none."""
    data = body.model_dump_json().encode() if body is not None else None
    status, raw, _ = http(method, base_url + path, data, {"Content-Type": "application/json"})
    assert status == 200, raw
    model = answer.model_validate(raw)
    assert model.model_dump(mode="json") == raw
    return model


def service_with(tasks: list[TaskState], desired: int | None = None) -> ServiceState:
    """A service as GET /state shows it, running ``tasks`` (desired: as many, unless given)."""
    running = sum(task.status == "RUNNING" for task in tasks)
    return ServiceState(
        desired=len(tasks) if desired is None else desired,
        running=running,
        healthy=running,
        start_delay_s=0.0,
        tasks=tasks,
        scaling=None,
    )


def state_with(
    services: dict[str, ServiceState],
    paths: dict[str, str] | None = None,
    queues: dict[str, QueueState] | None = None,
) -> PlatformState:
    """What GET /state would show of a stack running ``services`` (fakes of the control API)."""
    return PlatformState(
        stack="test",
        variant=None,
        cluster="localcloud",
        started_at=0.0,
        pid=0,
        control_url="http://127.0.0.1:4580",
        entry_url="http://127.0.0.1:8080",
        sqs_endpoint="http://127.0.0.1:9324",
        xray_daemon="127.0.0.1:2000",
        ready=True,
        services=services,
        paths=paths or {},
        queues=queues or {},
        path_faults=dict.fromkeys(paths or {}),
        queue_faults=dict.fromkeys(queues or {}),
        zones=DEFAULT_ZONES,
        zone_faults=dict.fromkeys(DEFAULT_ZONES),
    )


def task_pids(state: PlatformState) -> list[int]:
    return [task.pid for service in state.services.values() for task in service.tasks]


@contextmanager
def running_stack(stack: Path) -> Iterator[RunningLocalcloud]:
    """localcloud running ``stack`` on free ports; it must stop cleanly and leave no task process."""
    running = start_localcloud(
        stack, 0, detached=False, log_path=stack.parent / "localcloud.log", timeout_s=60
    )
    pids = set(task_pids(running.state))
    try:
        yield running
    finally:
        pids.update(task_pids(running.client.state()))
        running.stop()
    assert running.process.returncode == 0
    assert wait_until(lambda: not any(pid_alive(pid) for pid in pids), 5)


@contextmanager
def local_target(stack: Path) -> Iterator[tuple[RunningLocalcloud, LocalTarget]]:
    """localcloud running ``stack`` on free ports, with the target a run would use; stopped after."""
    running = start_localcloud(
        stack, 0, detached=False, log_path=stack.parent / "localcloud.log", timeout_s=60
    )
    try:
        yield running, LocalTarget(kind="localcloud", stack=stack, control_url=running.client.base_url)
    finally:
        running.stop()
