"""A team's own Locust file as the load: its located errors before any run, and Locust's documented
examples (tests/locustfiles/) run as one game day's flow against the real shop on localcloud."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from http_double import http_double

from gameday.cli import main
from gameday.errors import InputError
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import RequestRecord
from gameday.flowspecs import LocustFileFlow
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.localcloud.ports import free_port
from gameday.processes import child_options, terminate
from gameday.run.orchestrator import run_game_day
from gameday.scenario import load_scenario
from gameday.targets import LocalTarget
from loadprofiles.config import LoadConfig, WorkerOptions
from loadprofiles.launcher import LoadProcess

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED = ROOT / "tests" / "locustfiles" / "documented.py"
SHOP_USERS = ROOT / "gameday" / "scaffold" / "loadprofiles" / "shop_users.py"
"""The team-style Locust file ``gameday init`` writes to a new repository's loadprofiles/."""

SCENARIO = """\
name: own-users
description: A team's own Locust users under a steady load.
duration: {duration}
load:
  shape: steady
  users: 8
  flow:
    locustfile: {locustfile}
{user_classes}faults:
  - {{kind: kill-tasks, at: 5s, for: 5s, target: {{service: orders}}, count: 1}}
expect:
  - {{score: availability, min: 0.5}}
"""


def _scenario(folder: Path, locustfile: str, user_classes: str = "", duration: str = "15s") -> Path:
    path = folder / "scenario.yaml"
    classes = f"    user_classes: {user_classes}\n" if user_classes else ""
    path.write_text(SCENARIO.format(duration=duration, locustfile=locustfile, user_classes=classes))
    return path


def test_the_example_file_gives_browser_and_buyer_relative_to_the_scenario(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (tmp_path / "loadprofiles").mkdir()
    example = tmp_path / "loadprofiles" / "shop_users.py"
    example.write_text(SHOP_USERS.read_text())

    flow = load_scenario(_scenario(scenarios, "../loadprofiles/shop_users.py", "[Buyer]")).load.flow

    assert flow == LocustFileFlow(locustfile=example.resolve(), user_classes=["Buyer"])
    # load.json names the resolved file and carries its text, for remote workers without a copy.
    load = load_scenario(scenarios / "scenario.yaml").load.model_dump(mode="json", by_alias=True)
    config = LoadConfig.model_validate(
        {"host": "http://127.0.0.1:1", "load": load, "duration_s": 15, "requests_path": "r.jsonl"}
    )
    assert load["flow"] == {"user_classes": ["Buyer"], "locustfile": str(example.resolve())}
    assert config.locustfile_source == example.read_text()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, r"scenario\.yaml:8: load\.flow\.locustfile: no such file: .*users\.py"),
        (
            "from locust import HttpUser\n\nclass Shopper(HttpUser:\n    pass\n",
            r":8: load\.flow\.locustfile: users\.py:3: does not import: SyntaxError: ",
        ),
        (
            "from locust import HttpUser\nimport team_helpers_nowhere\n",
            r":8: load\.flow\.locustfile: users\.py:2: does not import: ModuleNotFoundError: "
            r"No module named 'team_helpers_nowhere'",
        ),
        (
            "from locust import HttpUser\n\nclass Base(HttpUser):\n    abstract = True\n",
            r":8: load\.flow\.locustfile: defines no Locust user class",
        ),
    ],
    ids=["missing", "syntax-error", "import-error", "no-user-class"],
)
def test_a_file_that_gives_no_users_is_a_located_error(
    tmp_path: Path, text: str | None, problem: str
) -> None:
    if text is not None:
        (tmp_path / "users.py").write_text(text)
    with pytest.raises(InputError, match=problem):
        load_scenario(_scenario(tmp_path, "users.py"))


def test_validate_names_an_unknown_user_class_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _scenario(tmp_path, str(SHOP_USERS), "[Browser, Shopper]")

    assert main(["validate", str(scenario)]) == 2

    err = capsys.readouterr().err
    assert (
        f"{scenario}:8: load.flow.locustfile: user_classes: Shopper is not a user class of shop_users.py "
        "(it has: Browser, Buyer)"
    ) in err
    assert "Traceback" not in err


@pytest.mark.e2e
def test_locusts_documented_users_run_as_a_game_days_flow(
    shop: RunningLocalcloud, shop_stack: Path, tmp_path: Path
) -> None:
    """Four user classes from Locust's documentation in one run, on the load process's local workers:
    an HttpUser with on_start, a FastHttpUser with nested TaskSets, one with a SequentialTaskSet
    and a fixed_count user. Their hosts are the shop's entry; every request is recorded by name."""
    target = LocalTarget(kind="localcloud", stack=shop_stack, control_url=shop.client.base_url)

    outcome = run_game_day(_scenario(tmp_path, str(DOCUMENTED)), "local", target, tmp_path / "reports")

    load_json = json.loads((outcome.run_dir / "load.json").read_text())
    assert load_json["local_workers"] >= 1  # the users ran on worker processes under a master
    requests = RunEvidence.load(outcome.run_dir).requests
    by_name: dict[str, list[RequestRecord]] = {}
    for record in requests:
        by_name.setdefault(record.name, []).append(record)
    # Every class ran, at the shop's entry: QuickstartUser (its on_start login and a first task),
    # LoggedInUser's section, BuyingUser's sequence, the fixed AdminUser.
    assert {
        "/checkout",
        "section: catalog",
        "user: health",
        "sequence: 1 catalog",
        "sequence: 2 item",
        "sequence: 3 order",
        "admin: health",
    } <= set(by_name), sorted(by_name)
    assert {"/catalog", "/catalog/[id]"} & set(by_name), sorted(by_name)
    assert all(r.ok and r.status == 200 for r in by_name["admin: health"] + by_name["user: health"])
    # The login QuickstartUser posts in on_start is no order: the shop says 400, recorded as failed.
    logins = by_name["/checkout"]
    assert logins and all(not r.ok and r.status == 400 and r.method == "POST" for r in logins)
    assert all(r.error and "400" in r.error for r in logins)
    # sku-000, the first item view_items asks for, does not exist: a recorded 404.
    views = by_name.get("/catalog/[id]", [])
    assert all(r.ok == (r.status == 200) for r in views)
    # The sequence keeps its order: each step first appears after the one before it.
    firsts = [min(r.t for r in by_name[f"sequence: {step}"]) for step in ("1 catalog", "2 item", "3 order")]
    assert firsts == sorted(firsts)
    assert all(r.worker is not None for r in requests)


REMOTE_USERS = """\
from locust import HttpUser, constant, task


class Remote(HttpUser):
    wait_time = constant(0.2)

    @task
    def ping(self):
        self.client.get("/ping", name="remote: ping")
"""


@pytest.mark.e2e
def test_a_remote_worker_runs_the_file_the_master_was_given(tmp_path: Path) -> None:
    """The worker machine has no copy of the Locust file (here: no machine has, the path is
    nowhere): the master hands over its text with the load config, and the users run from it."""
    config = {
        "load": {
            "shape": "steady",
            "users": 2,
            "flow": {"locustfile": str(tmp_path / "nowhere" / "users.py")},
        },
        "duration_s": 4,
        "requests_path": str(tmp_path / "requests.jsonl"),
        "locustfile_source": REMOTE_USERS,
        **WorkerOptions(expect_workers=1, master_port=free_port()).config_fields(),
    }
    command = [
        sys.executable,
        "-m",
        "gameday.cli",
        "worker",
        "--master",
        f"127.0.0.1:{config['master_port']}",
    ]
    with http_double() as server:
        (tmp_path / "load.json").write_text(json.dumps({**config, "host": server.url}))
        load = LoadProcess.start(tmp_path / "load.json", lambda _: None, tmp_path / "load.log")
        with (tmp_path / "worker.log").open("w") as log:
            worker = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, **child_options())
        try:
            assert load.wait(timeout=60) == 0, (tmp_path / "load.log").read_text()[-3000:]
            assert worker.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()[-3000:]
        finally:
            load.stop()
            terminate(worker)

    records = [
        RequestRecord.model_validate_json(line)
        for line in (tmp_path / "requests.jsonl").read_text().splitlines()
    ]
    assert records and all(r.name == "remote: ping" and r.ok and r.worker == 0 for r in records)
    assert "got the load config from the master: Remote" in (tmp_path / "worker.log").read_text()
