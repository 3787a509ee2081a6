"""Load shapes: each schedule's users over time, their invariants, their located errors, and plain
``locust -f loadprofiles/locustfile.py`` running one of them for real.

The schedules are pure, so they run here; anything that imports Locust runs in a child process,
because Locust's gevent patching must stay out of the pytest process.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from http_double import HttpDouble, http_double
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from gameday.errors import InputError
from gameday.loadspecs import (
    SHAPES,
    LoadSpec,
    RampLoad,
    ReplayLoad,
    SpikeLoad,
    SteadyLoad,
    StepLoad,
    WaveLoad,
)
from gameday.replay_csv import read_replay_csv
from gameday.scenario import load_scenario
from loadprofiles.config import LoadConfig
from loadprofiles.schedule import LoadSchedule
from loadprofiles.standalone import schedule_from_env

ROOT = Path(__file__).resolve().parent.parent
LOAD = TypeAdapter(LoadSpec)


def spec(**fields: Any) -> LoadSpec:
    return LOAD.validate_python({"spawn_rate": 5, **fields})


@pytest.mark.parametrize(
    ("load", "expected"),
    [
        (spec(shape="steady", users=3), {0: 3, 30: 3, 59.9: 3}),
        (spec(shape="ramp", users=2, max_users=12, over="10s"), {0: 2, 5: 7, 10: 12, 45: 12}),
        (spec(shape="ramp", max_users=4, over="40s"), {0: 0, 4.9: 0, 5: 0, 5.1: 1, 20: 2, 40: 4}),
        (
            spec(shape="spike", users=2, spike_users=10, at="20s", **{"for": "5s"}),
            {0: 2, 19.9: 2, 20: 10, 24.9: 10, 25: 2, 59: 2},
        ),
        (spec(shape="wave", min_users=2, max_users=10, period="40s"), {0: 2, 10: 6, 20: 10, 30: 6, 40: 2}),
        (
            spec(shape="replay", points=[(0, 1), ("10s", 4), (25, 0)]),
            {0: 1, 9.9: 1, 10: 4, 24.9: 4, 25: 0, 59: 0},
        ),
    ],
    ids=lambda value: getattr(value, "shape", ""),
)
def test_each_shape_over_time(load: LoadSpec, expected: dict[float, int]) -> None:
    schedule = LoadSchedule(load, duration_s=60)
    assert {t: schedule.at(t) for t in expected} == {t: (users, 5.0) for t, users in expected.items()}
    assert schedule.at(60) is None


def test_peak_users_is_what_the_run_announces() -> None:
    assert spec(shape="steady", users=3).peak_users == 3
    assert spec(shape="spike", users=8, spike_users=2, at=1, **{"for": 1}).peak_users == 8
    assert spec(shape="replay", points=[(0, 1), (5, 9), (9, 2)]).peak_users == 9


# --- invariants, for any parameters ------------------------------------------------------------

users = st.integers(0, 500)
seconds = st.floats(0.5, 3600, allow_nan=False)


def _ordered(low: int, high: int) -> tuple[int, int]:
    return min(low, high), max(low, high, 1)


loads = st.one_of(
    st.builds(lambda u: SteadyLoad(shape="steady", users=max(u, 1), spawn_rate=3), users),
    st.builds(
        lambda u, s, every, m: StepLoad(
            shape="step",
            users=max(u, 1),
            step_users=s,
            step_every=every,
            max_users=max(u, m, 1),
            spawn_rate=3,
        ),
        users,
        users,
        seconds,
        users,
    ),
    st.builds(
        lambda pair, over: RampLoad(shape="ramp", users=pair[0], max_users=pair[1], over=over, spawn_rate=3),
        st.tuples(users, users).map(lambda p: _ordered(*p)),
        seconds,
    ),
    st.builds(
        lambda u, s, at, length: SpikeLoad.model_validate(
            {"shape": "spike", "users": u, "spike_users": s, "at": at, "for": length, "spawn_rate": 3}
        ),
        users,
        users,
        st.floats(0, 3600),
        seconds,
    ),
    st.builds(
        lambda pair, period: WaveLoad(
            shape="wave", min_users=pair[0], max_users=pair[1], period=period, spawn_rate=3
        ),
        st.tuples(users, users).map(lambda p: _ordered(*p)),
        seconds,
    ),
    st.builds(
        lambda gaps, counts: ReplayLoad(
            shape="replay",
            points=tuple(zip([0.0, *(sum(gaps[: i + 1]) for i in range(len(gaps)))], counts, strict=False)),
            spawn_rate=3,
        ),
        st.lists(seconds, max_size=20),
        st.lists(users, min_size=1, max_size=21),
    ),
)


def _floor_users(load: LoadSpec) -> int:
    """The fewest users the shape may ask for."""
    match load:
        case SpikeLoad():
            return min(load.users, load.spike_users)
        case WaveLoad():
            return load.min_users
        case ReplayLoad():
            return min(users for _, users in load.points)
        case _:
            return load.users


@settings(max_examples=300, deadline=None)
@given(load=loads, duration=seconds, times=st.lists(st.floats(0, 10_000, allow_nan=False), max_size=30))
def test_users_stay_within_the_shape_and_the_test_ends_at_the_duration(
    load: LoadSpec, duration: float, times: list[float]
) -> None:
    schedule = LoadSchedule(load, duration)
    for t in [0.0, duration - 1e-6, duration, *times]:
        tick = schedule.at(t)
        if t >= duration:
            assert tick is None
            continue
        assert tick is not None
        count, rate = tick
        assert isinstance(count, int) and 0 <= _floor_users(load) <= count <= load.peak_users
        assert rate == 3


@settings(max_examples=100, deadline=None)
@given(load=loads)
def test_load_json_carries_every_shape_whole(load: LoadSpec) -> None:
    """What the orchestrator dumps into load.json validates back to the same load, without context."""
    dumped = LOAD.dump_python(load, mode="json")
    assert LOAD.validate_python(dumped) == load


def test_ramp_and_wave_start_low_and_reach_their_peak() -> None:
    ramp = LoadSchedule(spec(shape="ramp", users=1, max_users=9, over="8s"), 100)
    assert [ramp.at(t) for t in (0, 8, 99)] == [(1, 5.0), (9, 5.0), (9, 5.0)]
    wave = LoadSchedule(spec(shape="wave", min_users=0, max_users=7, period="1m"), 600)
    peaks = [t for t in range(600) if (tick := wave.at(t)) is not None and tick[0] == 7]
    assert peaks and all(math.isclose(t % 60, 30, abs_tol=5) for t in peaks)


# --- replay files --------------------------------------------------------------------------------


def test_a_replay_csv_is_a_step_function_with_comments_and_durations(tmp_path: Path) -> None:
    day = tmp_path / "day.csv"
    day.write_text("# users per hour, compressed\nt,users,note\n0,2,night\n\n90,6,morning\n2m30s,3,evening\n")
    assert read_replay_csv(day) == ((0.0, 2), (90.0, 6), (150.0, 3))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "day.csv:1: the first line must name the columns t,users, not nothing"),
        ("time,count\n0,1\n", "day.csv:1: the first line must name the columns t,users, not time,count"),
        ("t,users\n", "day.csv: no rows after the header t,users"),
        ("t,users\n5,1\n", "day.csv:2: t: the first row must be at 0 (the start of the run)"),
        ("t,users\n0,1\n10,2\n10,3\n", "day.csv:4: t: must be later than the row before (10s)"),
        ("t,users\n0,1\n\n# x\n1m,-2\n", "day.csv:5: users: must be a whole number from 0 to 1,000,000"),
        ("t,users\n0,1.5\n", "day.csv:2: users: must be a whole number ≥ 0, not '1.5'"),
        ("t,users\n0,1\nsoon,2\n", "day.csv:3: t: 'soon' is not a duration (use 30s, 2m, 1m30s or 1500ms)"),
        ("t,users\n0,1,2\n", "day.csv:2: expected 2 values (t,users)"),
    ],
)
def test_replay_csv_problems_name_the_line(tmp_path: Path, text: str, problem: str) -> None:
    day = tmp_path / "day.csv"
    day.write_text(text)
    with pytest.raises(ValueError) as caught:
        read_replay_csv(day, shown_as="day.csv")
    assert str(caught.value) == problem


SCENARIO = """\
name: replay-day
description: A day of users, replayed.
duration: 60s
load:
  shape: replay
  file: loads/day.csv
  spawn_rate: 20
faults:
  - {kind: kill-tasks, at: 20s, for: 10s, target: {service: orders}, count: 1}
expect:
  - {score: availability, min: 0.9}
"""


def _scenario(tmp_path: Path, load: dict[str, Any] | None = None) -> Path:
    path = tmp_path / "scenario.yaml"
    document = yaml.safe_load(SCENARIO)
    if load is not None:
        document["load"] = load
    path.write_text(SCENARIO if load is None else yaml.safe_dump(document, sort_keys=False))
    return path


def test_a_replay_scenario_reads_its_file_beside_it_into_points(tmp_path: Path) -> None:
    (tmp_path / "loads").mkdir()
    (tmp_path / "loads" / "day.csv").write_text("t,users\n0,2\n30s,8\n")
    scenario = load_scenario(_scenario(tmp_path))
    assert isinstance(scenario.load, ReplayLoad)
    assert scenario.load.points == ((0.0, 2), (30.0, 8)) and scenario.load.peak_users == 8

    dumped = {
        "host": "http://127.0.0.1:1",
        "load": scenario.load.model_dump(mode="json"),
        "duration_s": 60,
        "requests_path": str(tmp_path / "r.jsonl"),
    }
    (tmp_path / "loads" / "day.csv").unlink()  # the load process never needs the file
    assert LoadConfig.model_validate(dumped).load == scenario.load
    assert load_scenario(_scenario(tmp_path), check_files=False).load.shape == "replay"  # a run's copy


def test_a_bad_replay_row_is_located_in_the_scenario_and_the_csv(tmp_path: Path) -> None:
    (tmp_path / "loads").mkdir()
    (tmp_path / "loads" / "day.csv").write_text("t,users\n0,2\n10,3\n20,4\n30,4\n40,3\n50,x\n")
    path = _scenario(tmp_path)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert str(caught.value) == (
        f"{path}:6: load.file: {tmp_path}/loads/day.csv:7: users: must be a whole number ≥ 0, not 'x'"
    )


def test_a_missing_replay_file_is_located(tmp_path: Path) -> None:
    path = _scenario(tmp_path)
    with pytest.raises(
        InputError, match=rf"^{path}:6: load.file: {tmp_path}/loads/day.csv: cannot read the replay file: "
    ):
        load_scenario(path)


def test_gameday_validate_names_the_csv_row_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "loads").mkdir()
    (tmp_path / "loads" / "day.csv").write_text("t,users\n0,2\n1m,-1\n")
    _scenario(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "gameday.cli", "validate", "scenario.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == (
        "scenario.yaml:6: load.file: loads/day.csv:3: users: must be a whole number from 0 to 1,000,000"
    ), result.stderr


# --- scenario errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("load", "problem"),
    [
        ({"shape": "sawtooth"}, f"5: load.shape: 'sawtooth' is not one of: {', '.join(SHAPES)}"),
        ({"shape": "steady", "users": 0}, "6: load.users: must be at least 1"),
        (
            {"shape": "ramp", "users": 5, "max_users": 2, "over": "1m"},
            "4: load: max_users must not be below users",
        ),
        ({"shape": "ramp", "max_users": 2, "over": 0}, "7: load.over: must be more than 0"),
        (
            {"shape": "spike", "users": 1, "spike_users": 9, "at": "2m", "for": "5s"},
            "4: load: the spike at 120s",
        ),
        (
            {"shape": "spike", "users": 1, "spike_users": 9, "at": "5s"},
            "4: load.for: required field is missing",
        ),
        (
            {"shape": "wave", "min_users": 9, "max_users": 3, "period": "1m"},
            "4: load: max_users must not be below",
        ),
        (
            {"shape": "wave", "min_users": 1, "max_users": 3, "period": "daily"},
            "8: load.period: 'daily' is not",
        ),
        ({"shape": "replay"}, "4: load: give file: a CSV with columns t,users"),
        ({"shape": "steady", "users": 2, "flow": "shopp"}, "7: load.flow: must be one of: shop, http:"),
        ({"shape": "steady", "users": 2, "spawn_rate": 0}, "7: load.spawn_rate: must be more than 0"),
    ],
)
def test_bad_load_parameters_are_located(tmp_path: Path, load: dict[str, Any], problem: str) -> None:
    path = _scenario(tmp_path, load)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}:{problem}"), str(caught.value)


# --- plain locust -f ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        (
            {"GAMEDAY_LOAD_SHAPE": "sawtooth"},
            "GAMEDAY_LOAD_SHAPE: 'sawtooth' is not one of: steady, step, ramp",
        ),
        ({"GAMEDAY_LOAD_SHAPE": "spike", "GAMEDAY_LOAD_SPIKE_USERS": "many"}, "GAMEDAY_LOAD_SPIKE_USERS: "),
        (
            {"GAMEDAY_LOAD_SHAPE": "spike", "GAMEDAY_LOAD_STEP_USERS": "2"},
            "GAMEDAY_LOAD_STEP_USERS: not a setting",
        ),
        (
            {"GAMEDAY_LOAD_SHAPE": "ramp", "GAMEDAY_LOAD_USERS": "50"},
            "GAMEDAY_LOAD_SHAPE=ramp: max_users must",
        ),
        (
            {"GAMEDAY_LOAD_SHAPE": "replay", "GAMEDAY_LOAD_FILE": "missing.csv"},
            "GAMEDAY_LOAD_FILE: ",
        ),
        ({"GAMEDAY_LOAD_DURATION": "forever"}, "GAMEDAY_LOAD_DURATION: 'forever' is not a duration"),
        (
            {"GAMEDAY_LOAD_SHAPE": "spike", "GAMEDAY_LOAD_DURATION": "30s"},
            "GAMEDAY_LOAD_DURATION: the spike at 60s",
        ),
        (
            {"GAMEDAY_LOAD_FLOW": "{http: {requests: [{path: x}]}}"},
            "GAMEDAY_LOAD_FLOW.http.requests[0].path: 'x'",
        ),
    ],
)
def test_bad_environment_values_are_one_clear_line(
    tmp_path: Path, environ: dict[str, str], problem: str
) -> None:
    with pytest.raises(InputError) as caught:
        schedule_from_env(environ, cwd=tmp_path)
    assert str(caught.value).startswith(problem) and "\n" not in str(caught.value), str(caught.value)


def test_the_environment_sets_any_shape_and_a_replay_file_relative_to_the_folder(tmp_path: Path) -> None:
    (tmp_path / "day.csv").write_text("t,users\n0,1\n5,3\n")
    replay = schedule_from_env({"GAMEDAY_LOAD_SHAPE": "replay", "GAMEDAY_LOAD_FILE": "day.csv"}, cwd=tmp_path)
    assert [replay.at(t) for t in (0, 5)] == [(1, 10.0), (3, 10.0)]
    spike = schedule_from_env(
        {"GAMEDAY_LOAD_SHAPE": "spike", "GAMEDAY_LOAD_FOR": "10s", "GAMEDAY_LOAD_DURATION": "2m"},
        cwd=tmp_path,
    )
    assert [spike.at(t) for t in (59, 60, 70, 120)] == [(1, 10.0), (10, 10.0), (1, 10.0), None]


@pytest.fixture
def counting_server() -> Iterator[HttpDouble]:
    with http_double() as double:
        yield double


def _plain_locust(host: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "locust", "-f", "loadprofiles/locustfile.py", "--headless"]
    command += ["--host", host, "--only-summary", "--loglevel", "INFO"]  # GAMEDAY_LOAD_DURATION ends it
    return subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60)


def test_plain_locust_runs_a_shape_from_the_environment(counting_server: HttpDouble) -> None:
    """A steady shape of 3 users with a declared flow at full speed: Locust spawns exactly 3 users,
    and the server sees their requests on 3 connections."""
    environ = {
        "PATH": "/usr/bin:/bin",
        "GAMEDAY_LOAD_SHAPE": "steady",
        "GAMEDAY_LOAD_USERS": "3",
        "GAMEDAY_LOAD_FLOW": "{http: {wait: 0.1s, requests: [{path: /ping}]}}",
        "GAMEDAY_LOAD_DURATION": "4s",
    }
    result = _plain_locust(counting_server.url, environ)
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(r"Shape test updating to 3 users", result.stderr), result.stderr[-2000:]
    assert re.search(r"All users spawned: \{\"HttpFlowUser\": 3\} \(3 total users\)", result.stderr)
    assert len(counting_server.received) >= 3
    assert len({r.client for r in counting_server.received}) == 3
    assert re.search(r"GET /ping\s+\d+\s+0\(0\.00%\)", result.stderr + result.stdout)


def test_plain_locust_stops_at_a_bad_variable_with_one_line(counting_server: HttpDouble) -> None:
    environ = {"PATH": "/usr/bin:/bin", "GAMEDAY_LOAD_SHAPE": "spike", "GAMEDAY_LOAD_SPIKE_USERS": "-3"}
    result = _plain_locust(counting_server.url, environ)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"{ROOT}/loadprofiles/locustfile.py: GAMEDAY_LOAD_SPIKE_USERS: must be at least 0"
    ]
    assert counting_server.received == []
