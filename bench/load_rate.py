"""Load benchmarks: how fast gameday's load process drives a target, against bare Locust and wrk.

All three hit one fast loopback target (:mod:`bench.http_target`) with the same users, duration
and worker count, one tool at a time: gameday's load process (a Locust master and its workers that
also record every request and stream per-second stats), ``locust --headless --processes N`` with
the same user class and shape (``loadprofiles/locustfile.py``), and wrk (the machine's ceiling).
gameday and Locust run interleaved (A B B A), so drift in a shared machine's load falls on both.
A tool's rate is the median of its full seconds (users starting and stopping left out), and a
ratio compares the medians over the repeats. Every process is stopped by pid.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from bench.http_target import ROOT, http_target
from gameday.evidence.records import LoadSecond
from gameday.localcloud.ports import free_port
from gameday.processes import child_options, terminate
from loadprofiles.launcher import LoadProcess

USERS = 20
WORKERS = 1  # one load worker and one core left for the target on a two-core machine
DURATION_S = 8
REPEATS = 4  # of each tool, interleaved: a shared machine's noise needs several
WRK_S = 5
FLOW: dict[str, Any] = {"http": {"wait": 0, "requests": [{"path": "/health"}]}}
"""Full speed: no think time, so a tool's rate is what it can push, not what its users ask for."""
LOCUST = Path(sys.executable).with_name("locust")
END_GRACE_S = 30.0  # beyond the duration: start-up, workers connecting, the last rows


@dataclass(frozen=True)
class LoadRun:
    tool: str
    per_second: list[int]  # requests finished in each second of the run, from its first
    requests: int  # all requests the tool counted
    cpu_s: float  # user + system time of the tool's processes
    duration_s: float

    @property
    def full_seconds(self) -> list[int]:
        """The seconds the shape ran all its users: from the second after the first request until
        the second before the duration ended (users starting and stopping are left out)."""
        first = next((i for i, n in enumerate(self.per_second) if n), len(self.per_second))
        return self.per_second[first + 1 : first + math.ceil(self.duration_s) - 1]

    @property
    def rps(self) -> float:
        full = self.full_seconds
        if not full:
            raise RuntimeError(f"{self.tool} has no full second of load: {self.per_second}")
        return float(statistics.median(full))

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_s / self.requests


def gameday_load(url: str, folder: Path, users: int, workers: int, duration_s: float) -> LoadRun:
    """One run of ``python -m loadprofiles.process`` as the orchestrator starts it."""
    config = {
        "host": url,
        "load": {"shape": "steady", "users": users, "spawn_rate": users, "flow": FLOW},
        "duration_s": duration_s,
        "requests_path": str(folder / "requests.jsonl"),
        "local_workers": workers,
    }
    config_path = folder / "load.json"
    config_path.write_text(json.dumps(config))
    seconds: list[LoadSecond] = []
    before = _children_cpu_s()
    load = LoadProcess.start(config_path, on_second=seconds.append, log_path=folder / "load.log")
    try:
        load.wait_started()
        code = load.wait(timeout=duration_s + END_GRACE_S)
    finally:
        load.stop()
    if code != 0 or load.requests_total is None:
        raise RuntimeError(f"gameday's load process ended with {code}; see {folder / 'load.log'}")
    cpu_s = _children_cpu_s() - before
    return LoadRun("gameday", [s.requests for s in seconds], load.requests_total, cpu_s, duration_s)


def locust_load(url: str, folder: Path, users: int, workers: int, duration_s: float) -> LoadRun:
    """One run of bare ``locust --headless --processes N`` with gameday's user class and shape."""
    env = {
        **os.environ,
        "GAMEDAY_LOAD_SHAPE": "steady",
        "GAMEDAY_LOAD_USERS": str(users),
        "GAMEDAY_LOAD_SPAWN_RATE": str(users),
        "GAMEDAY_LOAD_DURATION": f"{duration_s:g}s",
        "GAMEDAY_LOAD_FLOW": json.dumps(FLOW),  # JSON is YAML flow style
    }
    stats = folder / "locust.json"
    port = free_port()
    command = [
        str(LOCUST), "-f", str(ROOT / "loadprofiles" / "locustfile.py"), "--headless", "--host", url,
        "--processes", str(workers), "--json-file", str(stats.with_suffix("")), "--only-summary",
        "--loglevel", "WARNING",
        # Not Locust's fixed default 5557, which a game day with remote workers may hold.
        "--master-bind-port", str(port), "--master-port", str(port),
    ]  # fmt: skip
    before = _children_cpu_s()
    with (folder / "locust.log").open("ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, **child_options()
        )
    try:
        code = process.wait(timeout=duration_s + END_GRACE_S)
    finally:
        terminate(process)
    if code != 0 or not stats.exists():
        raise RuntimeError(f"locust ended with {code}; see {folder / 'locust.log'}")
    entries = json.loads(stats.read_text())
    per_second: dict[int, int] = {}
    for entry in entries:
        for second, count in entry["num_reqs_per_sec"].items():
            per_second[int(second)] = per_second.get(int(second), 0) + count
    span = range(min(per_second), max(per_second) + 1) if per_second else range(0)
    return LoadRun(
        "locust",
        [per_second.get(s, 0) for s in span],
        sum(e["num_requests"] for e in entries),
        _children_cpu_s() - before,
        duration_s,
    )


def wrk_rps(url: str, connections: int, threads: int, duration_s: float) -> float:
    """wrk's requests per second on the same target: the machine's ceiling for this request."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (make bench installs it: apt-get install wrk)")
    result = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration_s:g}s", f"{url}/health"],
        capture_output=True,
        text=True,
        timeout=duration_s + END_GRACE_S,
        check=True,
    )
    match = re.search(r"Requests/sec:\s*([\d.]+)", result.stdout)
    if match is None:
        raise RuntimeError(f"wrk printed no rate: {result.stdout[-300:]}")
    return float(match.group(1))


def _children_cpu_s() -> float:
    """User + system time of this process's waited-for children and theirs: the load process reaps
    its workers and Locust its forks, so a tool's whole tree is counted once it has exited."""
    times = psutil.Process().cpu_times()
    return times.children_user + times.children_system


def load_figures(folder: Path, repeats: int = REPEATS, duration_s: float = DURATION_S) -> dict[str, Any]:
    """The figures for reports/bench.json: gameday vs Locust vs wrk on one target."""
    runs: list[LoadRun] = []
    load_before = os.getloadavg()[0]
    with http_target() as url:
        for index in range(repeats):
            order = (gameday_load, locust_load) if index % 2 == 0 else (locust_load, gameday_load)
            for tool in order:
                scratch = folder / f"load-{index}-{tool.__name__}"
                scratch.mkdir()
                runs.append(tool(url, scratch, USERS, WORKERS, duration_s))
        wrk = wrk_rps(url, connections=USERS, threads=WORKERS, duration_s=WRK_S)
    figures = summarise(runs, wrk)
    figures["details"]["load_rate"]["load_average_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return figures


def summarise(runs: Sequence[LoadRun], wrk: float) -> dict[str, Any]:
    gameday = [r for r in runs if r.tool == "gameday"]
    locust = [r for r in runs if r.tool == "locust"]
    gameday_rps = statistics.median(r.rps for r in gameday)
    locust_rps = statistics.median(r.rps for r in locust)
    cpu_ms = statistics.median(r.cpu_ms_per_request for r in gameday)
    return {
        "load_rps_ratio_vs_locust": round(gameday_rps / locust_rps, 3),
        "load_rps_ratio_vs_wrk": round(gameday_rps / wrk, 3),
        "load_cpu_ms_per_request": round(cpu_ms, 4),
        "notes": {
            "load_rps": (
                f"one loopback target answering a fixed 200 (bench/http_target.py); {USERS} users of an "
                f"HTTP flow with wait 0 (GET /health), steady shape, {WORKERS} worker process(es), "
                f"{len(gameday)} runs each of gameday's load process and bare `locust --headless "
                "--processes N` with the same user class, interleaved; rate = median of the full "
                f"seconds of a run, median over runs. wrk: -t{WORKERS} -c{USERS}, {WRK_S}s"
            ),
            "load_cpu_ms_per_request": (
                "user+system CPU of gameday's load process and its workers (reaped children, psutil) "
                "per request it recorded, median over runs"
            ),
        },
        "details": {
            "load_rate": {
                "users": USERS,
                "workers": WORKERS,
                "gameday_rps": gameday_rps,
                "locust_rps": locust_rps,
                "wrk_rps": round(wrk, 1),
                # Best of the runs: another process on the machine only ever lowers a rate.
                "best_rps_ratio_vs_locust": round(
                    max(r.rps for r in gameday) / max(r.rps for r in locust), 3
                ),
                "locust_cpu_ms_per_request": round(
                    statistics.median(r.cpu_ms_per_request for r in locust), 4
                ),
                "runs": [
                    {"tool": r.tool, "rps": r.rps, "requests": r.requests, "cpu_s": round(r.cpu_s, 2)}
                    for r in runs
                ],
            }
        },
    }


def load_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """The figures as the lines ``make bench`` prints."""
    detail = figures["details"]["load_rate"]
    return [
        ("load rps vs locust", f"{figures['load_rps_ratio_vs_locust']}"),
        ("  gameday / locust rps", f"{detail['gameday_rps']:.0f} / {detail['locust_rps']:.0f}"),
        ("load rps vs wrk", f"{figures['load_rps_ratio_vs_wrk']}"),
        ("  wrk rps", f"{detail['wrk_rps']:.0f}"),
        ("load cpu per request", f"{figures['load_cpu_ms_per_request']} ms"),
    ]


if __name__ == "__main__":  # python -m bench.load_rate: these figures alone, printed, not merged
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        measured = load_figures(Path(scratch))
    print(json.dumps(measured, indent=2))
    print("\n".join(f"{name:<24}  {value:>12}" for name, value in load_rows(measured)))
