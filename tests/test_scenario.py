"""Scenario validation: good files load, bad files give one located line per problem."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from faults.catalogue import KINDS
from gameday.durations import parse_duration
from gameday.errors import InputError
from gameday.loadspecs import SHAPES
from gameday.scenario import Expectation, load_scenario

ROOT = Path(__file__).resolve().parent.parent


def _score_names() -> list[str]:
    """Every expectation's score name in the union's order, as a validation error lists them."""
    (union,) = get_args(Expectation)[:1]
    return [name for model in get_args(union) for name in get_args(model.model_fields["score"].annotation)]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_catalogue_scenarios_are_valid(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert 0 < scenario.fault_start < scenario.fault_end < scenario.duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("2m", 120.0), ("1m30s", 90.0), ("1500ms", 1.5), (12, 12.0), ("1h", 3600.0)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten", "10q", "s", "-5s", True, None])
def test_bad_durations_are_explained(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


BAD = """\
name: Bad Name
description: x
duration: 10q
load:
  shape: stepp
  users: 2
faults:
  - kind: kill-tasks
    at: 5s
    for: 2s
    target: {service: orders}
    count: 1
    percent: 50
  - kind: nuke
expect:
  - {score: availability, min: 2}
  - {score: nope}
extra: 1
"""


def test_every_problem_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{path}:1: name: use lowercase letters, digits and '-' only, starting with a letter or digit",
        f"{path}:3: duration: '10q' is not a duration (use 30s, 2m, 1m30s or 1500ms)",
        f"{path}:5: load.shape: 'stepp' is not one of: {', '.join(SHAPES)}",
        f"{path}:8: faults[0]: give exactly one of count or percent",
        f"{path}:14: faults[1].kind: 'nuke' is not one of: {', '.join(KINDS)}",
        f"{path}:16: expect[0].min: must be at most 1.0",
        f"{path}:17: expect[1].score: 'nope' is not one of: {', '.join(_score_names())}",
        f"{path}:18: extra: unknown field",
    ]


def test_missing_fields_point_at_their_parent(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\ndescription: y\nduration: 30s\nload:\n  shape: step\n")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert f"{path}:4: load.users: required field is missing" in text
    assert f"{path}:1: faults: required field is missing" in text


def test_a_fault_must_leave_baseline_and_recovery(tmp_path: Path) -> None:
    good = (ROOT / "scenarios" / "ci-orders-kill-one.yaml").read_text()
    path = _write(tmp_path, good.replace("duration: 30s", "duration: 15s"))
    with pytest.raises(InputError, match=r"yaml:20: faults\[0\].for: the fault ends at 20s: no recovery"):
        load_scenario(path)


def test_yaml_syntax_errors_are_located(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\nload: [unclosed\n")
    with pytest.raises(InputError, match=rf"^{path}:\d+: not valid YAML"):
        load_scenario(path)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the file: No such file or directory"):
        load_scenario(tmp_path / "missing.yaml")


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 500)
    | st.text(max_size=8)
    | st.sampled_from(
        [
            "30s",
            "kill-tasks",
            "throttle-queue",
            "break-network",
            "add-latency",
            "fail-requests",
            "stress-cpu",
            "fis-template",
            "impair-zone",
            "api",
            "fis",
            "delay",
            "consumer",
            "reject-sends",
            "blackhole",
            "bff->orders",
            "step",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
fault_keys = st.sampled_from(
    [
        "kind",
        "at",
        "for",
        "via",
        "target",
        "count",
        "percent",
        "mode",
        "delay",
        "share",
        "status",
        "file",
        "x",
    ]
)


@settings(max_examples=300, deadline=None)
@given(faults=st.lists(st.dictionaries(fault_keys, yaml_values, max_size=6), max_size=3))
def test_malformed_fault_entries_only_ever_give_clear_errors(
    tmp_path_factory: pytest.TempPathFactory, faults: list[dict[str, object]]
) -> None:
    document = yaml.safe_load((ROOT / "scenarios" / "ci-orders-kill-one.yaml").read_text())
    document["faults"] = faults
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_text(yaml.safe_dump(document))
    try:
        scenario = load_scenario(path)
    except InputError as exc:
        for problem in exc.problems:
            assert problem.file == str(path)
            assert problem.line is not None and problem.line >= 1
            assert problem.message and "Traceback" not in problem.message
    else:
        assert all(f.at < scenario.duration for f in scenario.faults)


def test_the_commented_aws_example_in_targets_yaml_is_valid(tmp_path: Path) -> None:
    from gameday.targets import AwsTarget, load_target
    from gameday.traces.dependencies import DependencyMatch

    lines = (ROOT / "targets.yaml").read_text().splitlines()
    uncommented = [
        line.replace("  # ", "  ", 1) if line.startswith("  #   ") or line == "  # staging:" else line
        for line in lines
    ]
    path = tmp_path / "targets.yaml"
    path.write_text("\n".join(uncommented) + "\n")
    staging = load_target(path, "staging")
    assert isinstance(staging, AwsTarget)
    assert staging.queues["orders"].consumer is not None
    assert staging.paths["bff->orders"].port == 8080
    assert staging.dependencies["orders-queue"] == [DependencyMatch(aws="SQS", resource="shop-orders")]
