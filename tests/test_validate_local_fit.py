"""A fault that cannot land on the local stack is bad input before anything runs.

``gameday validate --target local`` and ``gameday run --dry-run`` (and the run itself) refuse an
unknown service, path or queue and a count above the service's tasks at the fault's line, every
problem at once; a template file's problems are one line each.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fis_helpers import scenario_with

from gameday.cli import main

ROOT = Path(__file__).resolve().parent.parent
KILL_ONE = ROOT / "scenarios" / "ci-orders-kill-one.yaml"
BLACKHOLE = ROOT / "scenarios" / "bff-orders-blackhole.yaml"
BACKLOG = ROOT / "scenarios" / "orders-queue-backlog.yaml"
KNOWN = "(known: bff, catalog, orders, worker)"


@pytest.fixture
def targets(tmp_path: Path) -> Path:
    """``local`` on the shop stack, wherever the tests run from."""
    path = tmp_path / "targets.yaml"
    local = {"kind": "localcloud", "stack": str(ROOT / "gameday" / "shop" / "stack.yaml")}
    path.write_text(yaml.safe_dump({"targets": {"local": local}}), encoding="utf-8")
    return path


def _changed(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text()
    assert old in text
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1))
    return path


def _validate(capsys: pytest.CaptureFixture[str], targets: Path, *scenarios: Path) -> tuple[int, list[str]]:
    code = main(["validate", *map(str, scenarios), "--target", "local", "--targets", str(targets)])
    return code, capsys.readouterr().err.splitlines()


def test_each_misfit_is_refused_at_its_field(
    tmp_path: Path, targets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = _changed(tmp_path, KILL_ONE, "service: orders}", "service: ordrs}")
    path = _changed(tmp_path, BLACKHOLE, "bff->orders", "bff->worker")
    queue = _changed(tmp_path, BACKLOG, "queue: orders}", "queue: ordrs}")
    code, lines = _validate(capsys, targets, service, path, queue)
    assert code == 2
    assert lines == [
        f"{service}:21: faults[0].target.service: no service 'ordrs' in stack shop {KNOWN}",
        f"{path}:28: faults[0].target.path: no path 'bff->worker' in stack shop "
        "(known: bff->catalog, bff->orders)",
        f"{queue}:23: faults[0].target.queue: no queue 'ordrs' in stack shop (known: orders)",
        "3 problem(s) found",
    ]


def test_a_count_above_the_tasks_is_refused_with_them(
    tmp_path: Path, targets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = _changed(tmp_path, KILL_ONE, "count: 1", "count: 10")
    scaled = tmp_path / "bff.yaml"
    scaled.write_text(
        KILL_ONE.read_text().replace("service: orders}", "service: bff}").replace("count: 1", "count: 3")
    )
    code, lines = _validate(capsys, targets, orders, scaled)
    assert code == 2
    assert lines[:2] == [
        f"{orders}:22: faults[0].count: count is 10 but orders runs 4 tasks",
        f"{scaled}:22: faults[0].count: count is 3 but bff runs 2 tasks (auto scaling keeps it at 2..4)",
    ]


def test_a_count_within_the_tasks_and_the_catalogue_pass(
    tmp_path: Path, targets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    four = _changed(tmp_path, KILL_ONE, "count: 1", "count: 4")
    catalogue = sorted((ROOT / "scenarios").glob("*.yaml"))
    code, lines = _validate(capsys, targets, four, *catalogue)
    assert (code, lines) == (0, [])


def test_the_dry_run_refuses_a_misfit_before_it_plans(
    tmp_path: Path, targets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _changed(tmp_path, KILL_ONE, "count: 1", "count: 10")
    code = main(["run", str(scenario), "--dry-run", "--target", "local", "--targets", str(targets)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.splitlines() == [
        f"{scenario}:22: faults[0].count: count is 10 but orders runs 4 tasks"
    ]
    assert captured.out == ""


def test_a_template_action_is_checked_as_the_local_fault_it_becomes(
    tmp_path: Path, targets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = json.loads((ROOT / "scenarios" / "fis" / "orders-stop-tasks.json").read_text())
    template["targets"]["orders-tasks"]["selectionMode"] = "COUNT(5)"
    text = json.dumps(template, indent=2)
    (tmp_path / "t.json").write_text(text)
    action_line = text.splitlines().index('    "stop-one-orders-task": {') + 1
    scenario = scenario_with(tmp_path, [{"kind": "fis-template", "file": "t.json", "at": "1m", "for": "2m"}])
    code, lines = _validate(capsys, targets, scenario)
    assert code == 2
    file_line = scenario.read_text().splitlines().index("  file: t.json") + 1
    assert lines[0] == (
        f"{scenario}:{file_line}: faults[0].file: {tmp_path}/t.json:{action_line}: "
        "actions.stop-one-orders-task: count is 5 but orders runs 4 tasks"
    )


def test_a_template_with_three_problems_prints_three_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.json").write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": [],\n  "actions": {}\n}\n'
    )
    scenario = scenario_with(tmp_path, [{"kind": "fis-template", "file": "t.json", "at": "1m", "for": "2m"}])
    assert main(["validate", str(scenario)]) == 2
    lines = capsys.readouterr().err.splitlines()
    prefix = f"{scenario}:"
    assert len(lines) == 4 and lines[-1] == "3 problem(s) found"
    assert [line.startswith(prefix) and " faults[0].file: " in line for line in lines[:3]] == [True] * 3
    assert [line.split(" faults[0].file: ")[1].split(":")[1] for line in lines[:3]] == ["2", "3", "4"]


def test_a_zone_the_stack_has_not_is_refused(
    tmp_path: Path, targets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _changed(tmp_path, KILL_ONE, "service: orders}", "service: orders, zone: us-east-9z}")
    code, lines = _validate(capsys, targets, scenario)
    assert code == 2
    assert lines[0] == (
        f"{scenario}:21: faults[0].target.zone: no zone 'us-east-9z' in stack shop "
        "(known: us-east-1a, us-east-1b, us-east-1c)"
    )


def test_an_impaired_zone_the_stack_has_not_is_refused(
    tmp_path: Path, targets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _changed(
        tmp_path, ROOT / "scenarios" / "az-impairment.yaml", "zone: us-east-1a}", "zone: eu-west-1a}"
    )
    code, lines = _validate(capsys, targets, scenario)
    assert code == 2
    assert lines[0] == (
        f"{scenario}:25: faults[0].target.zone: no zone 'eu-west-1a' in stack shop "
        "(known: us-east-1a, us-east-1b, us-east-1c)"
    )
