"""The demo files an installed gameday carries, found without the repository around them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gameday.cli import main
from gameday.errors import InputError
from gameday.localcloud.stack import load_stack
from gameday.matrix.model import load_matrix
from gameday.packaged import catalogue, find_scenario, shop_stack
from gameday.targets import LocalTarget, load_target

REPOSITORY_CATALOGUE = Path(__file__).resolve().parent.parent / "scenarios"


def test_without_a_targets_file_local_runs_the_packaged_shop(tmp_path: Path) -> None:
    target = load_target(tmp_path / "targets.yaml", "local")
    assert isinstance(target, LocalTarget)
    assert target.stack == shop_stack()
    assert set(load_stack(target.stack).services) == {"bff", "catalog", "orders", "worker"}


def test_a_local_target_naming_no_stack_runs_the_packaged_shop(tmp_path: Path) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  local: {kind: localcloud, control_url: 'http://127.0.0.1:9'}\n")
    target = load_target(targets, "local")
    assert isinstance(target, LocalTarget)
    assert target.stack == shop_stack()


def test_a_named_stack_that_does_not_exist_stays_an_error(tmp_path: Path) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  local:\n    kind: localcloud\n    stack: shop/stack.yaml\n")
    with pytest.raises(
        InputError, match=r"targets.yaml:4: targets.local.stack: no stack file shop/stack.yaml"
    ):
        load_target(targets, "local")


def test_the_catalogue_is_every_scenario_of_the_repository() -> None:
    assert sorted(catalogue()) == sorted(path.stem for path in REPOSITORY_CATALOGUE.glob("*.yaml"))


def test_a_bare_name_is_the_catalogue_scenario_when_no_file_here_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_scenario(Path("orders-task-loss")) == catalogue()["orders-task-loss"]
    assert find_scenario(Path("orders-task-loss.yaml")) == catalogue()["orders-task-loss"]
    Path("orders-task-loss.yaml").write_text("a team's own")
    assert find_scenario(Path("orders-task-loss")) == Path("orders-task-loss.yaml")
    assert find_scenario(Path("orders-task-loss.yaml")) == Path("orders-task-loss.yaml")
    assert find_scenario(Path("elsewhere/orders-task-loss.yaml")) == Path("elsewhere/orders-task-loss.yaml")


def test_validate_takes_catalogue_names_and_refuses_an_unknown_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "orders-fis-template", "ci-orders-kill-one"]) == 0  # its FIS file beside it
    assert "orders-fis-template: 1 fault(s)" in capsys.readouterr().out
    assert main(["validate", "orders-task-los"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("orders-task-los: no such file, and no catalogue scenario 'orders-task-los'")
    assert "orders-task-loss" in error and "\n" not in error


def test_gameday_scenarios_lists_the_catalogue_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = [line.split()[0] for line in lines if line and not line.startswith("`")]
    assert listed == list(catalogue())
    assert any(line.startswith("orders-task-loss") and "100s" in line for line in lines)


def test_the_shop_matrix_names_its_scenarios_from_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    matrix = load_matrix(shop_stack().parent / "matrix.yaml")
    assert {matrix.scenario_path(row) for row in matrix.rows} <= set(catalogue().values())


def test_a_matrix_row_prefers_a_file_beside_it_and_locates_an_unknown_name(tmp_path: Path) -> None:
    shutil.copyfile(catalogue()["ci-orders-kill-one"], tmp_path / "ci-catalog-breaker.yaml")
    path = tmp_path / "matrix.yaml"
    path.write_text("rows:\n  - {scenario: ci-catalog-breaker, variant: good}\n")
    assert load_matrix(path).scenarios[tmp_path / "ci-catalog-breaker.yaml"].name == "ci-orders-kill-one"
    path.write_text(
        "rows:\n  - {scenario: ci-catalog-breaker, variant: good}\n  - {scenario: nope, variant: good}\n"
    )
    with pytest.raises(InputError) as caught:
        load_matrix(path)
    assert str(caught.value).startswith(f"{path}:3: rows[1].scenario: nope: no such file, and no catalogue")
