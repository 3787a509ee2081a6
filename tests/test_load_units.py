"""The load side's pure parts: the step schedule, per-second statistics, request records, config.

They run in this (pytest) process, which must never import Locust: its gevent patching belongs to
the load process alone. The Locust shape itself is checked in a child process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gameday.errors import InputError
from gameday.evidence.records import RequestRecord
from gameday.loadspecs import StepLoad
from loadprofiles.config import read_config
from loadprofiles.recorder import Recording, RequestLog, record_from_row, request_record, row_line
from loadprofiles.schedule import LoadSchedule
from loadprofiles.seconds import SecondStats
from loadprofiles.standalone import schedule_from_env

STEP = StepLoad(shape="step", users=2, step_users=3, step_every=10, max_users=9, spawn_rate=4)


@pytest.mark.parametrize(
    ("run_time", "expected"),
    [
        (0.0, (2, 4.0)),
        (9.99, (2, 4.0)),
        (10.0, (5, 4.0)),
        (19.5, (5, 4.0)),
        (20.0, (8, 4.0)),
        (30.0, (9, 4.0)),  # 11 would pass max_users
        (59.9, (9, 4.0)),
        (60.0, None),  # the duration is over: Locust stops the test
        (75.0, None),
    ],
)
def test_step_schedule(run_time: float, expected: tuple[int, float] | None) -> None:
    assert LoadSchedule(STEP, duration_s=60).at(run_time) == expected


def test_a_step_of_zero_users_holds_the_start() -> None:
    flat = STEP.model_copy(update={"step_users": 0})
    assert {LoadSchedule(flat, 60).at(t) for t in range(60)} == {(2, 4.0)}


def test_standalone_schedule_reads_the_environment_with_defaults() -> None:
    schedule = schedule_from_env({"GAMEDAY_LOAD_MAX_USERS": "4", "GAMEDAY_LOAD_STEP_EVERY": "5s"})
    assert schedule.load == StepLoad(shape="step", users=1, step_users=1, step_every=5, max_users=4)
    assert schedule.duration_s == 600.0
    assert schedule_from_env({"GAMEDAY_LOAD_DURATION": "90s"}).duration_s == 90.0


def test_the_locust_shape_ticks_by_the_schedule() -> None:
    """The locustfile's shape in a child process (it imports Locust), built the way plain ``locust -f``
    builds it: without arguments, from the environment."""
    script = (
        "from loadprofiles.locustfile import GamedayShape\n"
        "shape = GamedayShape()\n"
        "ticks = []\n"
        "for t in (0, 4, 5, 9, 10):\n"
        "    shape.get_run_time = lambda t=t: t\n"
        "    ticks.append(shape.tick())\n"
        "print(ticks)\n"
    )
    env = {"GAMEDAY_LOAD_USERS": "3", "GAMEDAY_LOAD_STEP_EVERY": "5s", "GAMEDAY_LOAD_DURATION": "10s"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, env=env, check=True
    )
    assert result.stdout.strip() == "[(3, 10.0), (3, 10.0), (4, 10.0), (4, 10.0), None]"


def test_orchestrator_side_modules_leave_gevent_out() -> None:
    script = (
        "import sys, loadprofiles.launcher, loadprofiles.preflight, loadprofiles.config\n"
        "import loadprofiles.schedule, loadprofiles.standalone, gameday.scenario\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_gameday_runners_leave_locusts_per_request_aggregation_out(tmp_path: Path) -> None:
    """Every request still reaches a listener (gameday's rows), but Locust's own stats, which
    nothing reads, stay empty: the work a busy worker saves per request. Run in a child process,
    as it imports Locust."""
    script = (
        "import json, sys\n"
        "from loadprofiles.config import LoadConfig\n"
        "from loadprofiles.process import load_environment\n"
        "config = LoadConfig.model_validate(json.loads(sys.argv[1]))\n"
        "seen = []\n"
        "for environment in (load_environment(config), load_environment(None)):\n"
        "    environment.create_local_runner()\n"
        "    environment.events.request.add_listener(lambda **kw: seen.append(kw['name']))\n"
        "    for failed in (None, OSError('refused')):\n"
        "        environment.events.request.fire(request_type='GET', name='/a', response_time=2.0,\n"
        "            response_length=2, exception=failed, context={})\n"
        "    print(environment.stats.total.num_requests, len(environment.stats.errors), len(seen))\n"
    )
    config = {
        "host": "http://127.0.0.1:9",
        "load": {"shape": "steady", "users": 1},
        "duration_s": 5,
        "requests_path": str(tmp_path / "requests.jsonl"),
    }
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split("\n")[:2] == ["0 0 2", "0 0 4"]


def record(t: float, latency_ms: float, ok: bool = True) -> RequestRecord:
    return RequestRecord(
        t=t, name="GET /catalog", method="GET", latency_ms=latency_ms, status=200 if ok else 500, ok=ok
    )


def test_seconds_count_requests_in_the_second_they_finished() -> None:
    stats = SecondStats(first_second=100)
    stats.add(record(100.2, 10))
    stats.add(record(100.5, 30, ok=False))
    stats.add(record(100.9, 400))  # finishes at 101.3
    stats.add(record(101.1, 20))

    [first] = stats.complete(now=101.5, users=3)
    assert (first.t, first.users, first.requests, first.failures) == (100.0, 3, 2, 1)
    assert (first.p50_ms, first.p95_ms, first.p99_ms) == (10, 30, 30)
    assert stats.complete(now=101.9, users=3) == []  # 101 is not over yet

    [second] = stats.remaining(now=101.9, users=0)
    assert (second.t, second.requests, second.p50_ms) == (101.0, 2, 20)


def test_an_empty_second_is_still_streamed() -> None:
    stats = SecondStats(first_second=100)
    seconds = stats.complete(now=102.1, users=1)
    assert [(s.t, s.requests, s.p95_ms) for s in seconds] == [(100.0, 0, None), (101.0, 0, None)]


def test_a_late_request_is_not_lost_in_a_second_already_streamed() -> None:
    stats = SecondStats(first_second=100)
    stats.complete(now=101.0, users=1)
    stats.add(record(100.1, 5))  # its clock says 100, which was already handed out
    assert [s.requests for s in stats.remaining(now=101.2, users=1)] == [1]


def test_request_record_from_locust_event_arguments() -> None:
    class Response:
        status_code = 0

    refused = request_record(
        request_type="GET",
        name="GET /catalog",
        response_time=1.5,
        response_length=0,
        response=Response(),
        exception=ConnectionRefusedError(111, "Connection refused"),
        start_time=1000.0,
        context={},
        url="http://127.0.0.1:9/catalog",
        some_future_argument=True,
    )
    assert refused == RequestRecord(
        t=1000.0,
        name="GET /catalog",
        method="GET",
        latency_ms=1.5,
        status=0,
        ok=False,
        error="ConnectionRefusedError: [Errno 111] Connection refused",
    )


def test_request_log_writes_only_on_flush(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    log = RequestLog.create(path)
    log.add(record(1.0, 2))
    assert path.read_text() == ""
    log.add(record(2.0, 3))
    log.close()
    assert [RequestRecord.model_validate_json(line).t for line in path.read_text().splitlines()] == [1.0, 2.0]
    assert log.written == 2


def test_request_log_in_a_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write the request log"):
        RequestLog.create(tmp_path / "missing" / "requests.jsonl")


def test_config_errors_name_the_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "load.json"
    config = {
        "host": "127.0.0.1:8080",
        "load": {"shape": "step", "users": 2, "step_users": 1, "step_every": "10s", "max_users": 4},
        "duration_s": 30,
        "requests_path": str(tmp_path / "requests.jsonl"),
    }
    path.write_text(json.dumps(config, indent=2))
    with pytest.raises(InputError) as caught:
        read_config(path)
    assert str(caught.value) == f"{path}:2: host: must be a base URL such as http://127.0.0.1:8080"


@pytest.mark.parametrize(
    "row",
    [
        [1000.25, "GET /catalog", "GET", 1.5, 200, None],
        [1000.0, 'GET /q?name="é"\\x', "POST", 3, 0, 'ConnectionError: "refused"\n\ttab'],
    ],
)
@pytest.mark.parametrize("worker", [None, 3])
def test_a_row_line_reads_back_as_its_record(row: list[Any], worker: int | None) -> None:
    line = row_line(row, worker)
    assert line.endswith("}\n") and "\n" not in line[:-1]
    assert RequestRecord.model_validate_json(line) == record_from_row(row, worker)


def test_malformed_rows_from_a_worker_are_counted_not_recorded(tmp_path: Path) -> None:
    recording = Recording(RequestLog.create(tmp_path / "requests.jsonl"))
    recording.begin(now=100.0)
    for row in ([100.1, "GET /x", "GET", 5.0, 200, None], [1, 2], "text", [100.2, None, "GET", 1, 200, None]):
        recording.add_row(row, worker=0)  # type: ignore[arg-type]  # what a foreign worker might send
    recording.log.close()
    assert (recording.malformed, recording.log.written) == (3, 1)
    [second] = recording.stats.remaining(now=100.5, users=1)
    assert second.requests == 1
