"""FIS template files and ``gameday fis-template``: reading, completing, printing, translating."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fis_helpers import ALARM, ROLE, aws_target, create_template_problems, scenario_with

from faults.fis.template_file import complete_template, read_template
from faults.fis_template.spec import FisTemplateFile
from faults.kind import RevertContext
from faults.registry import build_injector
from faults.revert import execute_revert_plan
from gameday.cli import main
from gameday.errors import InputError
from gameday.scenario import load_scenario
from gameday.targets import LocalTarget

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "scenarios" / "orders-fis-template.yaml"


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- reading and completing ---------------------------------------------------------------------


def test_the_example_template_completes_to_a_valid_create_input() -> None:
    template = read_template(REPO / "scenarios" / "fis" / "orders-stop-tasks.json")
    completed = complete_template(template, aws_target(), run_id="run-1", fault_id="f1-fis-template")
    assert completed["roleArn"] == ROLE
    assert completed["stopConditions"] == [{"source": "aws:cloudwatch:alarm", "value": ALARM}]
    assert completed["tags"] == {"gameday:run": "run-1", "gameday:fault": "f1-fis-template"}
    assert create_template_problems(completed) == ""


def test_the_file_keeps_its_own_role_and_stop_conditions_and_drops_ids(tmp_path: Path) -> None:
    saved = {
        "experimentTemplate": {
            "id": "EXT123",
            "arn": "arn:aws:fis:eu-west-1:111122223333:experiment-template/EXT123",
            "roleArn": "arn:aws:iam::111122223333:role/own",
            "stopConditions": [{"source": "none"}],
            "actions": {"wait": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT1M"}}},
            "tags": {"team": "shop"},
        }
    }
    completed = complete_template(
        read_template(write_json(tmp_path / "t.json", saved)), aws_target(), run_id="r", fault_id="f"
    )
    assert "id" not in completed and "arn" not in completed
    assert completed["roleArn"] == "arn:aws:iam::111122223333:role/own"
    assert completed["stopConditions"] == [{"source": "none"}]
    assert completed["tags"] == {"team": "shop", "gameday:run": "r", "gameday:fault": "f"}
    assert create_template_problems(completed) == ""


def test_a_template_without_role_on_a_target_without_role_is_an_input_error() -> None:
    template = read_template(REPO / "scenarios" / "fis" / "orders-stop-tasks.json")
    with pytest.raises(InputError, match="fis_role_arn"):
        complete_template(template, aws_target(fis_role_arn=None), run_id="r", fault_id="f")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "t.json:1: not valid JSON"),
        ('{"targets": {}}', "t.json:1: actions: required field is missing"),
        ("[]", "t.json:1: an FIS template is a JSON object with actions, not a list"),
        ("null", "t.json:1: an FIS template is a JSON object with actions, not null"),
        ("{}", "t.json:1: actions: required field is missing"),
        ('{\n "actions": {}\n}', "t.json:2: actions: needs at least 1 entry, not 0"),
        (
            '{\n "actions": {\n  "stop": "aws:ecs:stop-task"\n }\n}',
            "t.json:3: actions.stop: must be a mapping of fields, not the text",
        ),
        (
            '{\n "actions": {\n  "stop": {"actionId": "aws:ecs:stop-tasks"}\n }\n}',
            r"t.json:3: actions.stop.actionId: 'aws:ecs:stop-tasks' is not an FIS action \(FIS actions",
        ),
        (
            '{\n "targets": {},\n "actions": {\n  "stop": {"actionId": "aws:ecs:stop-task",\n'
            '   "targets": {"Tasks": "tasks"}}\n }\n}',
            r"t.json:5: actions.stop.targets.Tasks: names no target of the template: 'tasks'",
        ),
        (
            '{"actions": {"a": {"actionId": "aws:fis:wait"}}, "actions": {}}',
            "the key 'actions' is given twice",
        ),
        ('{"actions": ' + "[" * 5000 + "]" * 5000 + "}", "t.json:1: nested deeper than 64 levels"),
    ],
)
def test_bad_template_files_are_input_errors(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "t.json").write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_template(tmp_path / "t.json")


def test_the_scenario_names_a_missing_or_broken_template_file_with_its_line(tmp_path: Path) -> None:
    scenario = scenario_with(
        tmp_path, [{"kind": "fis-template", "file": "gone.json", "at": "10s", "for": "1m"}]
    )
    with pytest.raises(
        InputError, match=r"scenario.yaml:\d+: faults\[0\].file: .*gone.json: cannot read the FIS template"
    ):
        load_scenario(scenario)
    (tmp_path / "gone.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_scenario(scenario)


def test_the_file_is_resolved_against_the_scenario_folder() -> None:
    fault = load_scenario(EXAMPLE).faults[0]
    assert isinstance(fault, FisTemplateFile)
    assert fault.file == REPO / "scenarios" / "fis" / "orders-stop-tasks.json"


# --- gameday fis-template ---------------------------------------------------------------------


def test_the_command_prints_templates_botocore_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_json(
        tmp_path / "orders-stop.json", json.loads((REPO / "scenarios/fis/orders-stop-tasks.json").read_text())
    )
    scenario = scenario_with(
        tmp_path,
        [
            {
                "kind": "kill-tasks",
                "via": "fis",
                "target": {"service": "orders"},
                "count": 1,
                "at": "10s",
                "for": "1m",
            },
            {"kind": "stress-cpu", "target": {"service": "orders"}, "percent": 50, "at": "20s", "for": "2m"},
            {"kind": "kill-tasks", "target": {"service": "orders"}, "count": 1, "at": "30s", "for": "1m"},
            {"kind": "fis-template", "file": "orders-stop.json", "at": "40s", "for": "1m"},
        ],
    )
    targets = tmp_path / "targets.yaml"
    target = aws_target().model_dump(mode="json", by_alias=True, exclude_none=True)
    targets.write_text(yaml.safe_dump({"targets": {"prod": target}}), encoding="utf-8")

    assert main(["fis-template", str(scenario), "--target", "prod", "--targets", str(targets)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert sorted(printed) == ["f1-kill-tasks", "f2-stress-cpu", "f4-fis-template"]  # f3 goes through the API
    assert printed["f2-stress-cpu"]["actions"]["f2-stress-cpu"]["parameters"]["duration"] == "PT2M"
    for template in printed.values():
        assert create_template_problems(template) == ""


def test_the_command_refuses_a_local_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fis-template", str(EXAMPLE), "--targets", str(tmp_path / "none.yaml")]) == 2
    assert "AWS target" in capsys.readouterr().err


# --- on localcloud (the translation itself: tests/test_fis_template_local.py) ---------------------


def test_the_example_scenario_builds_on_localcloud_and_its_plan_reverts_from_the_ledger() -> None:
    fault = load_scenario(EXAMPLE).faults[0]
    injector = build_injector(
        fault, LocalTarget(kind="localcloud"), fault_id="f1-fis-template", run_id="run-1"
    )
    assert "stop 1 of the running tasks of service orders" in injector.describe()
    plan = injector.revert_plan()
    assert plan["action"] == "in-reverse-order" and plan["plans"][0]["action"] == "none"
    context = RevertContext(run_id="run-1", fault_id="f1-fis-template", target_name="local")
    assert execute_revert_plan(plan, context).startswith("nothing to undo")


def write_targets(folder: Path) -> Path:
    targets = folder / "targets.yaml"
    target = aws_target().model_dump(mode="json", by_alias=True, exclude_none=True)
    targets.write_text(yaml.safe_dump({"targets": {"prod": target}}), encoding="utf-8")
    return targets


def test_the_combined_command_prints_one_template_on_the_scenario_timeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = scenario_with(
        tmp_path,
        [
            {"kind": "stress-cpu", "target": {"service": "orders"}, "percent": 50, "at": "2m", "for": "1m"},
            {
                "kind": "kill-tasks",
                "via": "fis",
                "target": {"service": "orders"},
                "count": 1,
                "at": "1m",
                "for": "1m",
            },
            {"kind": "kill-tasks", "target": {"service": "orders"}, "count": 1, "at": "30s", "for": "1m"},
            {
                "kind": "add-latency",
                "target": {"path": "bff->catalog"},
                "delay_ms": 300,
                "at": "90s",
                "for": "1m",
            },
        ],
    )
    argv = ["fis-template", str(scenario), "--target", "prod", "--targets", str(write_targets(tmp_path))]
    assert main([*argv, "--combined"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert create_template_problems(printed) == ""
    # f1 (kill-tasks at 30s) goes through the API, so it is not in the template
    # scenarios keep a baseline before the first fault, so every fault waits
    starts = {name: action.get("startAfter") for name, action in printed["actions"].items()}
    assert starts == {
        "wait-f2-kill-tasks": None,
        "f2-kill-tasks": ["wait-f2-kill-tasks"],
        "wait-f3-add-latency": None,
        "f3-add-latency": ["wait-f3-add-latency"],
        "wait-f4-stress-cpu": None,
        "f4-stress-cpu": ["wait-f4-stress-cpu"],
    }
    assert printed["actions"]["wait-f2-kill-tasks"]["parameters"] == {"duration": "PT1M"}
    assert printed["actions"]["wait-f3-add-latency"]["parameters"] == {"duration": "PT1M30S"}
    assert printed["actions"]["wait-f4-stress-cpu"]["parameters"] == {"duration": "PT2M"}
    assert sorted(printed["targets"]) == ["f2-kill-tasks", "f3-add-latency", "f4-stress-cpu"]
    assert printed["tags"] == {"gameday:run": "RUN-ID"}


def test_the_combined_command_refuses_a_wait_under_a_minute_and_template_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = write_targets(tmp_path)
    early = scenario_with(
        tmp_path,
        [{"kind": "stress-cpu", "target": {"service": "orders"}, "percent": 50, "at": "30s", "for": "1m"}],
    )
    argv = ["fis-template", str(early), "--target", "prod", "--targets", str(targets), "--combined"]
    assert main(argv) == 2
    assert "f1-stress-cpu starts at 30s" in capsys.readouterr().err
    write_json(
        tmp_path / "stop.json", json.loads((REPO / "scenarios/fis/orders-stop-tasks.json").read_text())
    )
    with_file = scenario_with(
        tmp_path, [{"kind": "fis-template", "file": "stop.json", "at": "1m", "for": "1m"}]
    )
    assert (
        main(["fis-template", str(with_file), "--target", "prod", "--targets", str(targets), "--combined"])
        == 2
    )
    assert "f1-fis-template (fis-template) is a whole FIS template of its own" in capsys.readouterr().err
