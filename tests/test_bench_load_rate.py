"""The load benchmarks: the fast target answers and stops, each tool's run is counted the same way,
and the figures are what the runs say. Tiny runs; no rate is asserted."""

from __future__ import annotations

import http.client
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from bench.http_target import http_target
from bench.load_rate import LoadRun, gameday_load, load_rows, locust_load, summarise, wrk_rps


def test_the_target_answers_each_request_on_a_kept_alive_connection_and_stops_after() -> None:
    with http_target() as url:
        port = urlsplit(url).port
        assert port is not None
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(3):
            connection.request("GET", "/health")
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b"ok")
        # Two requests in one write (pipelined) get two answers, in order.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while received.count(b"200 OK") < 2:
                received += raw.recv(4096)
        listeners = [c for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port]
        owner = next(c.pid for c in listeners if c.status == psutil.CONN_LISTEN)
    assert owner is not None and not psutil.pid_exists(owner)


def test_a_run_counts_only_the_seconds_all_its_users_ran() -> None:
    run = LoadRun("gameday", [0, 0, 50, 90, 100, 80, 95, 10, 0], requests=425, cpu_s=0.85, duration_s=5)
    assert run.full_seconds == [90, 100, 80]  # from the second after the first request, 5 s in all
    assert run.rps == 90
    assert run.cpu_ms_per_request == pytest.approx(2.0)
    with pytest.raises(RuntimeError, match="no full second"):
        _ = LoadRun("locust", [0, 5], requests=5, cpu_s=0.1, duration_s=5).rps


def test_the_figures_compare_medians_over_runs() -> None:
    runs = [
        LoadRun("gameday", [1, 90, 90, 90, 1], 272, 0.5, 5),
        LoadRun("locust", [1, 100, 100, 100, 1], 302, 0.3, 5),
        LoadRun("locust", [1, 80, 80, 80, 1], 242, 0.3, 5),
        LoadRun("gameday", [1, 70, 70, 70, 1], 212, 0.5, 5),
    ]
    figures = summarise(runs, wrk=800.0)
    assert figures["load_rps_ratio_vs_locust"] == 0.889  # medians 80 / 90
    assert figures["load_rps_ratio_vs_wrk"] == 0.1  # 80 / 800
    assert figures["details"]["load_rate"]["best_rps_ratio_vs_locust"] == 0.9
    assert next(name for name, _ in load_rows(figures)) == "load rps vs locust"


def test_both_tools_load_the_target_and_are_counted(tmp_path: Path) -> None:
    with http_target() as url:
        for tool in (gameday_load, locust_load):
            folder = tmp_path / tool.__name__
            folder.mkdir()
            run = tool(url, folder, users=2, workers=1, duration_s=4)
            assert run.requests > 0 and run.cpu_s > 0, tool.__name__
            assert sum(run.per_second) == run.requests, tool.__name__
            assert run.rps > 0, tool.__name__
        if shutil.which("wrk"):
            assert wrk_rps(url, connections=2, threads=1, duration_s=1) > 0
