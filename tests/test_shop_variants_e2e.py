"""A shop started as variant ``no-retries``: its bff tasks get the variant's settings and call once."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.stack import write_free_port_stack
from gameday.localcloud.launcher import RunningLocalcloud, start_localcloud
from gameday.processes import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def no_retries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLocalcloud]:
    folder = tmp_path_factory.mktemp("variant")
    stack = write_free_port_stack(folder)
    running = start_localcloud(stack, 0, detached=False, log_path=folder / "lc.log", variant="no-retries")
    try:
        yield running
    finally:
        running.stop()


def _environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().partition("=")[::2] for pair in pairs if pair)


def _task_pids(cloud: RunningLocalcloud, service: str) -> list[int]:
    return [task.pid for task in cloud.client.state().services[service].tasks if task.pid]


def test_state_names_the_variant_and_only_bff_gets_its_settings(no_retries: RunningLocalcloud) -> None:
    assert no_retries.client.state().variant == "no-retries"
    assert all(_environment(pid)["RETRY_MAX_ATTEMPTS"] == "1" for pid in _task_pids(no_retries, "bff"))
    assert all("RETRY_MAX_ATTEMPTS" not in _environment(pid) for pid in _task_pids(no_retries, "catalog"))


def test_a_failing_dependency_is_called_once_per_call(no_retries: RunningLocalcloud) -> None:
    entry = no_retries.client.state().entry_url
    no_retries.client.set_path_fault("bff->catalog", "http-errors", share=1.0, status=503)
    since = time.time()
    try:
        for _ in range(3):
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(f"{entry}/catalog", timeout=5)
    finally:
        no_retries.client.clear_path_fault("bff->catalog")

    def calls() -> list[dict[str, object]]:
        documents = no_retries.client.traces(since - 1, time.time() + 1)
        found = []
        for document in documents:
            stack = list(document.get("subsegments", []))
            while stack:
                sub = stack.pop()
                stack.extend(sub.get("subsegments", []))
                if sub.get("name") == "catalog-call":
                    found.append(sub)
        return found

    assert wait_until(lambda: len(calls()) >= 3, 10.0, interval_s=0.2)
    assert {call["annotations"]["attempts"] for call in calls()} == {1}  # type: ignore[index]
