"""Stack files and HTTP helpers shared by localcloud's tests: every task is the echo app."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from gameday.localcloud.launcher import RunningLocalcloud, start_localcloud
from gameday.targets import LocalTarget

ECHO_APP = Path(__file__).with_name("echo.py")
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


def task_pids(state: dict[str, Any]) -> list[int]:
    return [task["pid"] for service in state["services"].values() for task in service["tasks"]]


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
