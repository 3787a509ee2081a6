"""``gameday runner``, the container's entry command, run as the image runs it but without a container."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from aws_fault_run import aws_target, client, mocked_account
from deploy_templates import read_template
from shop_target import kill_one_scenario, write_local_targets, write_shop_stack

from gameday.cli import main
from gameday.commands import runner as runner_command
from gameday.commands.runner import (
    ENV_REPORTS,
    ENV_SCENARIOS,
    ENV_TARGET,
    ENV_TARGETS_YAML,
    RUNNER_ENV,
    runner_settings,
)
from gameday.errors import InputError
from gameday.evidence.records import Verdict
from gameday.run.delivered import DeliveredRun
from gameday.run.orchestrator import RunOutcome
from gameday.s3reports.destination import Destination

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "deploy" / "Dockerfile"

SHORT = kill_one_scenario("runner-kill-one", duration_s=8, at_s=2, for_s=3)


def entry_command() -> list[str]:
    """The Dockerfile's ENTRYPOINT, with ``gameday`` the one installed beside this interpreter."""
    (line,) = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith("ENTRYPOINT ")]
    command: list[str] = json.loads(line.removeprefix("ENTRYPOINT "))
    assert command[0] == "gameday"
    return [str(Path(sys.executable).parent / "gameday"), *command[1:]]


def task_environment() -> dict[str, object]:
    template = read_template("runner.yaml")
    (container,) = template["Resources"]["RunnerTaskDefinition"]["Properties"]["ContainerDefinitions"]
    return {entry["Name"]: entry["Value"] for entry in container["Environment"]}


def test_the_task_definition_sets_only_what_the_runner_reads() -> None:
    names = set(task_environment())
    assert names <= set(RUNNER_ENV)
    assert {ENV_SCENARIOS, ENV_TARGET, ENV_TARGETS_YAML, ENV_REPORTS} <= names


def test_the_images_entry_command_runs_the_listed_game_days(tmp_path: Path) -> None:
    scenario = tmp_path / "runner-kill-one.yaml"
    scenario.write_text(SHORT)
    targets, _ = write_local_targets(tmp_path, write_shop_stack(tmp_path))
    # the variables the task definition sets, with this machine's values
    environment = {
        **os.environ,
        ENV_SCENARIOS: str(scenario),
        ENV_TARGET: "local",
        ENV_TARGETS_YAML: targets.read_text(),
        ENV_REPORTS: str(tmp_path / "reports"),
    }
    assert set(task_environment()) <= set(environment)

    done = subprocess.run(
        entry_command(),
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    (run_dir,) = (tmp_path / "reports" / "runs").iterdir()
    assert json.loads((run_dir / "scores.json").read_text())["verdict"] == "PASS"
    assert f"PASS         {scenario}  {run_dir}" in done.stdout
    assert "== game day 1/1" in done.stderr


def test_one_bad_scenario_refuses_the_whole_list_before_any_runs(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(SHORT)
    reports = tmp_path / "reports"

    code = main(["runner", str(good), str(tmp_path / "missing.yaml"), "--reports", str(reports)])

    assert code == 2
    assert not reports.exists()


def test_settings_come_from_the_command_line_then_the_environment_then_defaults() -> None:
    environ = {ENV_SCENARIOS: "orders-task-loss, catalog-latency  queue-backlog", ENV_TARGET: "staging"}
    settings = runner_settings([], None, None, None, None, environ)
    assert settings.scenarios == ["orders-task-loss", "catalog-latency", "queue-backlog"]
    assert (settings.target, settings.reports, settings.local_reports) == (
        "staging",
        "reports",
        Path("reports"),
    )
    assert runner_settings(["x"], "local", None, "s3://b/p", None, environ).scenarios == ["x"]
    with pytest.raises(
        InputError, match="no scenarios: name them on the command line or in GAMEDAY_SCENARIOS"
    ):
        runner_settings([], None, None, None, None, {})
    with pytest.raises(InputError, match="set GAMEDAY_TARGETS or GAMEDAY_TARGETS_YAML, not both"):
        runner_settings(
            ["x"], None, None, None, None, {"GAMEDAY_TARGETS": "t.yaml", ENV_TARGETS_YAML: "targets: {}"}
        )


def test_a_targets_text_with_a_mistake_is_named_as_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_TARGETS_YAML, "targets:\n  local:\n    kind: localcloud\n    colour: blue\n")
    assert main(["runner", "orders-task-loss"]) == 2
    assert "GAMEDAY_TARGETS_YAML:4: targets.local.colour" in capsys.readouterr().err


def test_an_account_outside_the_allowlist_gets_no_fault_whatever_the_role_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with mocked_account(monkeypatch):
        ecs = client("ecs")
        ecs.create_cluster(clusterName="shop")
        ecs.create_service(cluster="shop", serviceName="orders", desiredCount=2)
        staging = aws_target(services={"orders": {"cluster": "shop", "service": "orders"}})
        staging = staging.model_copy(update={"account_allowlist": ["111122223333"]})
        targets = tmp_path / "targets.yaml"
        targets.write_text(
            yaml.safe_dump({"targets": {"staging": staging.model_dump(exclude_defaults=True)}})
        )
        scenario = tmp_path / "orders.yaml"
        scenario.write_text(SHORT)

        code = main(
            [
                "runner",
                str(scenario),
                "--target",
                "staging",
                "--targets",
                str(targets),
                "--reports",
                str(tmp_path / "r"),
            ]
        )

        assert code == 2
        assert "account 123456789012 is not in the allowlist of target 'staging'" in capsys.readouterr().err
        (service,) = ecs.describe_services(cluster="shop", services=["orders"])["services"]
        assert service["desiredCount"] == 2
        assert ecs.list_tasks(cluster="shop", desiredStatus="STOPPED")["taskArns"] == []


def test_an_aborted_game_day_ends_the_list_with_its_faults_reverted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ECS stops a task with SIGTERM: that game day ends ABORTED (reverted), and no other starts."""
    paths = []
    for name in ("first", "second", "third"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(SHORT)
        paths.append(str(path))
    started: list[str] = []

    def aborted(path: Path, *_: Any) -> DeliveredRun:
        started.append(path.name)
        card: Any = SimpleNamespace(verdict=Verdict.ABORTED)
        return DeliveredRun(RunOutcome(tmp_path / path.stem, card), Destination(tmp_path))

    monkeypatch.setattr(runner_command, "run_delivered", aborted)
    monkeypatch.setattr(runner_command, "verdict_table", lambda card: f"verdict: {card.verdict}")

    assert main(["runner", *paths, "--reports", str(tmp_path / "reports")]) == 3

    assert started == ["first.yaml"]
    assert "runner: stopped after an ABORTED game day; 2 not run" in capsys.readouterr().err
