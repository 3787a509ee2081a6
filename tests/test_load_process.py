"""The load process end to end: a real Locust process against a real HTTP server in this process.

The server stands in for the shop's bff (``/catalog``, ``/catalog/{id}``, ``/checkout``) and
counts what it received, so the requests the load process recorded can be checked against what
really arrived. Some answers are 500s and some catalogs are degraded, to see both recorded.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from aiohttp import web

from gameday.evidence.records import LoadSecond, RequestRecord
from gameday.processes import pid_alive, wait_until
from loadprofiles.launcher import LoadProcess
from loadprofiles.preflight import check_reachable

ITEMS = [{"id": f"item-{n}", "name": f"Item {n}"} for n in range(1, 6)]
FLOW_NAMES = {"GET /catalog", "GET /catalog (degraded)", "GET /catalog/[id]", "POST /checkout"}


class ShopDouble:
    """An aiohttp server on its own loop and thread. Every fifth request fails with 500 and every
    second catalog is served degraded, whatever the flow's random choices; with ``hang=True`` the
    catalog never answers."""

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang
        self.received: Counter[str] = Counter()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        app = web.Application()
        app.router.add_get("/catalog", self._catalog)
        app.router.add_get("/catalog/{item_id}", self._item)
        app.router.add_post("/checkout", self._checkout)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)

    def start(self) -> str:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def _start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @property
    def total(self) -> int:
        return sum(self.received.values())

    def _count(self, name: str) -> bool:
        """Count the request; True when it is the one in five that fails."""
        self.received[name] += 1
        return self.total % 5 == 0

    async def _catalog(self, _request: web.Request) -> web.Response:
        fails = self._count("GET /catalog")
        if self.hang:
            await asyncio.sleep(3600)
        if fails:
            return web.json_response({"error": "boom"}, status=500)
        degraded = self.received["GET /catalog"] % 2 == 0
        return web.json_response({"items": ITEMS, "degraded": degraded})

    async def _item(self, request: web.Request) -> web.Response:
        if self._count("GET /catalog/[id]"):
            return web.json_response({"error": "boom"}, status=500)
        return web.json_response({"id": request.match_info["item_id"]})

    async def _checkout(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self._count("POST /checkout"):
            return web.json_response({"error": "boom"}, status=500)
        assert set(body) == {"item_id", "quantity"}
        return web.json_response({"order_id": "o-1"}, status=201)


@pytest.fixture
def shop() -> Iterator[tuple[ShopDouble, str]]:
    double = ShopDouble()
    url = double.start()
    yield double, url
    double.stop()


@pytest.fixture
def hanging_shop() -> Iterator[tuple[ShopDouble, str]]:
    double = ShopDouble(hang=True)
    url = double.start()
    yield double, url
    double.stop()


def write_config(
    run_dir: Path, host: str, duration_s: float, local_workers: int | None = None, **load: Any
) -> Path:
    step = {
        "shape": "step",
        "users": 2,
        "step_users": 2,
        "step_every": "2s",
        "max_users": 6,
        "spawn_rate": 10,
    }
    config = {
        "host": host,
        "load": {**step, **load},
        "duration_s": duration_s,
        "requests_path": str(run_dir / "requests.jsonl"),
        "local_workers": local_workers,
    }
    path = run_dir / "load.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def read_records(run_dir: Path) -> list[RequestRecord]:
    lines = (run_dir / "requests.jsonl").read_text().splitlines()
    return [RequestRecord.model_validate_json(line) for line in lines]


def read_seconds(run_dir: Path) -> list[LoadSecond]:
    lines = (run_dir / "load_seconds.jsonl").read_text().splitlines()
    return [LoadSecond.model_validate_json(line) for line in lines]


def process_group(pgid: int) -> list[int]:
    """Live processes in the group the load process led: it and anything it started."""
    members = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                members.append(process.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


def worker_pids(load: LoadProcess) -> list[int]:
    """The load process's worker processes (they run in process groups of their own)."""
    return [child.pid for child in psutil.Process(load.pid).children()]


@pytest.fixture
def started() -> Iterator[list[LoadProcess]]:
    """Load processes a test started; any still running at the end is stopped, then checked gone."""
    processes: list[LoadProcess] = []
    yield processes
    for load in processes:
        load.stop()
        assert not pid_alive(load.pid)
        assert process_group(load.pid) == []


WORKER_COUNTS = [pytest.param(None, id="a-worker-per-core"), pytest.param(0, id="no-workers")]


def start_load(config: Path, started: list[LoadProcess]) -> tuple[LoadProcess, list[LoadSecond]]:
    seconds: list[LoadSecond] = []
    load = LoadProcess.start(config, on_second=seconds.append, log_path=config.parent / "load.log")
    started.append(load)
    return load, seconds


@pytest.mark.parametrize("local_workers", WORKER_COUNTS)
def test_a_run_records_every_request_and_streams_seconds(
    tmp_path: Path, shop: tuple[ShopDouble, str], started: list[LoadProcess], local_workers: int | None
) -> None:
    double, url = shop
    load, seconds = start_load(write_config(tmp_path, url, 7, local_workers), started)

    assert wait_until(lambda: len(seconds) >= 2, timeout_s=15)
    assert not load.exited(), "per-second lines must stream while the load runs"
    workers = worker_pids(load)
    assert load.wait(timeout=30) == 0, (tmp_path / "load.log").read_text()

    records = read_records(tmp_path)
    expected_workers = os.cpu_count() if local_workers is None else 0
    assert len(workers) == expected_workers
    assert not any(pid_alive(pid) for pid in workers)
    # With workers, each request says which one made it, and the 6 users are spread over them.
    if workers:
        used = {r.worker for r in records}
        assert used <= set(range(len(workers))) and len(used) == min(len(workers), 6)
    else:
        assert {r.worker for r in records} == {None}
    assert load.requests_total == len(records)
    # A request is recorded when its answer arrives; users stopped mid-request leave at most one each.
    assert 0 <= double.total - len(records) <= 6
    assert {r.name for r in records} <= FLOW_NAMES
    failed = [r for r in records if not r.ok]
    assert failed and all(r.status == 500 and r.error for r in failed)
    assert all(200 <= r.status < 300 for r in records if r.ok)
    assert any(r.name == "GET /catalog (degraded)" and r.ok for r in records)

    streamed = read_seconds(tmp_path)
    assert streamed == seconds
    assert [s.t for s in streamed] == [streamed[0].t + i for i in range(len(streamed))]
    assert sum(s.requests for s in streamed) == len(records)
    assert sum(s.failures for s in streamed) == len(failed)
    assert max(s.users for s in streamed) == 6  # 2 users, +2 every 2 s, capped at 6


@pytest.mark.parametrize("local_workers", WORKER_COUNTS)
def test_sigterm_mid_run_flushes_and_exits_zero(
    tmp_path: Path, shop: tuple[ShopDouble, str], started: list[LoadProcess], local_workers: int | None
) -> None:
    double, url = shop
    load, seconds = start_load(write_config(tmp_path, url, 120, local_workers), started)
    assert wait_until(lambda: any(s.requests for s in seconds), timeout_s=15)
    workers = worker_pids(load)

    assert load.stop() == 0
    records = read_records(tmp_path)
    assert records and load.requests_total == len(records)
    # Nothing lost: the workers' last batches arrived; only requests cut off mid-flight are missing.
    assert 0 <= double.total - len(records) <= 6
    assert "no final batch" not in (tmp_path / "load.log").read_text()
    assert not any(pid_alive(pid) for pid in workers)


def test_hung_requests_do_not_keep_the_process_past_its_duration(
    tmp_path: Path, hanging_shop: tuple[ShopDouble, str], started: list[LoadProcess]
) -> None:
    double, url = hanging_shop
    load, _seconds = start_load(write_config(tmp_path, url, duration_s=3), started)
    load.wait_started()  # workers connected: the 3 s start now
    # Users wait up to their network timeout (10 s) for the catalog; the process must not.
    assert load.wait(timeout=3 + 8) == 0
    assert double.received["GET /catalog"] >= 1
    assert load.requests_total == 0


def test_an_unreachable_host_is_recorded_as_failures(tmp_path: Path, started: list[LoadProcess]) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    assert check_reachable(url, timeout=2) is not None
    load, _seconds = start_load(write_config(tmp_path, url, duration_s=3), started)
    assert load.wait(timeout=20) == 0

    records = read_records(tmp_path)
    assert records and all(r.status == 0 and not r.ok and r.error for r in records)


def test_preflight_accepts_a_serving_host(shop: tuple[ShopDouble, str]) -> None:
    _double, url = shop
    assert check_reachable(url, timeout=2) is None  # "/" is a 404 here: answering is what counts


@pytest.mark.parametrize(
    ("load", "field"),
    [
        ({"shape": "stair"}, "load.shape"),
        ({"users": 5, "max_users": 2}, "max_users must not be below users"),
        ({"step_every": "soon"}, "load.step_every"),
    ],
)
def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path, load: dict[str, Any], field: str) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", duration_s=5, **load)
    result = subprocess.run(
        [sys.executable, "-m", "loadprofiles.process", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0] and str(config) in lines[0], result.stderr


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
