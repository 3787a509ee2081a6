"""The pytest plugin as a team meets it: scenario files are tests only where the project says so.

Each test builds a throwaway project with ``pytester`` and collects it; none runs a game day (the
one that runs, to a target that does not exist, fails before anything starts).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KILL = (ROOT / "scenarios" / "ci-orders-kill-one.yaml").read_text()
LATENCY = (ROOT / "scenarios" / "catalog-latency.yaml").read_text()


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """Two scenarios in scenarios/, a draft beside them, a YAML data file among the tests and one test."""
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "ci-orders-kill-one.yaml").write_text(KILL)
    pytester.path.joinpath("scenarios", "catalog-latency.yaml").write_text(LATENCY)
    pytester.mkdir("scenarios/drafts")
    pytester.path.joinpath("scenarios", "drafts", "half-done.yaml").write_text(KILL)
    pytester.mkdir("tests")
    pytester.mkdir("tests/scenarios")
    pytester.path.joinpath("tests", "scenarios", "fixture-data.yaml").write_text("not: a scenario\n")
    pytester.path.joinpath("tests", "test_plain.py").write_text("def test_plain():\n    pass\n")
    return pytester


def collected(result: pytest.RunResult) -> list[str]:
    return sorted(line for line in result.outlines if "::" in line)


def test_without_configuration_no_yaml_is_a_test(project: pytest.Pytester) -> None:
    result = project.runpytest("--collect-only", "-q", "scenarios", "tests")
    assert collected(result) == ["tests/test_plain.py::test_plain"]


def test_the_ini_glob_names_the_scenarios_and_only_given_paths_count(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ngameday_scenarios = scenarios/*.yaml\n")

    everything = project.runpytest("--collect-only", "-q", ".")
    assert collected(everything) == [
        "scenarios/catalog-latency.yaml::catalog-latency[local]",
        "scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[local]",
        "tests/test_plain.py::test_plain",
    ]
    # as `make test` does: the tests folder and one scenario, never the rest of the catalogue
    chosen = project.runpytest("--collect-only", "-q", "tests", "scenarios/ci-orders-kill-one.yaml")
    assert collected(chosen) == [
        "scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[local]",
        "tests/test_plain.py::test_plain",
    ]


def test_globs_come_as_a_list_from_pyproject_toml_too(project: pytest.Pytester) -> None:
    project.makepyprojecttoml(
        '[tool.pytest.ini_options]\ngameday_scenarios = ["scenarios/ci-*.yaml", "scenarios/drafts/*.yaml"]\n'
    )
    result = project.runpytest("--collect-only", "-q", "scenarios")
    assert collected(result) == [
        "scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[local]",
        "scenarios/drafts/half-done.yaml::half-done[local]",
    ]


def test_the_gameday_flag_collects_every_yaml_in_a_scenarios_folder(project: pytest.Pytester) -> None:
    result = project.runpytest("--collect-only", "-q", "--gameday", ".")
    assert collected(result) == [
        "scenarios/catalog-latency.yaml::catalog-latency[local]",
        "scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[local]",
        "tests/scenarios/fixture-data.yaml::fixture-data[local]",
        "tests/test_plain.py::test_plain",
    ]


def test_a_glob_that_matches_nothing_is_a_usage_error(project: pytest.Pytester) -> None:
    ini = project.makeini("[pytest]\ngameday_scenarios = scenarios/*.yaml scenario/*.yaml\n")
    result = project.runpytest("--collect-only", "-q", "tests")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: {ini}: gameday_scenarios: 'scenario/*.yaml' matches no *.yaml file under {project.path}"]
    )
    assert "Traceback" not in result.stderr.str()


def test_each_scenario_is_one_item_per_target(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ngameday_scenarios = scenarios/ci-*.yaml\ngameday_target = local, staging\n")
    from_ini = project.runpytest("--collect-only", "-q", "scenarios")
    assert collected(from_ini) == [
        "scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[local]",
        "scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[staging]",
    ]
    flags = ("--gameday-target", "staging,eu", "--gameday-target", "us")
    from_flags = project.runpytest("--collect-only", "-q", *flags, "scenarios")
    assert collected(from_flags) == [
        "scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[eu]",
        "scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[staging]",
        "scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[us]",
    ]


def test_tests_that_use_the_fixtures_run_once_per_target(project: pytest.Pytester) -> None:
    project.path.joinpath("tests", "test_custom.py").write_text(
        "def test_target(gameday_target):\n    assert gameday_target\n\n"
        "def test_run(gameday_run):\n    assert callable(gameday_run)\n"
    )
    result = project.runpytest("-v", "--gameday-target", "local,staging", "tests/test_custom.py")
    result.assert_outcomes(passed=4)
    passed = sorted(line.split()[0] for line in result.outlines if " PASSED " in line)
    assert passed == [
        "tests/test_custom.py::test_run[local]",
        "tests/test_custom.py::test_run[staging]",
        "tests/test_custom.py::test_target[local]",
        "tests/test_custom.py::test_target[staging]",
    ]


def test_scenarios_are_marked_with_the_fault_kinds_they_inject(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ngameday_scenarios = scenarios/*.yaml\n")
    result = project.runpytest("--collect-only", "-q", "--strict-markers", "-m", "kill_tasks", "scenarios")
    assert collected(result) == ["scenarios/ci-orders-kill-one.yaml::ci-orders-kill-one[local]"]
    latency = project.runpytest("--collect-only", "-q", "--strict-markers", "-m", "add_latency", "scenarios")
    assert collected(latency) == ["scenarios/catalog-latency.yaml::catalog-latency[local]"]
    markers = project.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.impair_zone: game days that inject the impair-zone fault"])


def test_a_scenario_that_cannot_run_fails_with_its_reason_and_junit_entry(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ngameday_scenarios = scenarios/*.yaml\n")
    bad = project.path / "scenarios" / "broken.yaml"
    bad.write_text("name: broken\ndescription: no load, no faults\nduration: 10s\n")
    junit = project.path / "junit.xml"

    result = project.runpytest(
        "scenarios/broken.yaml", "scenarios/ci-orders-kill-one.yaml", "--gameday-target", "nowhere",
        f"--junitxml={junit}",
    )  # fmt: skip

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert f"scenario broken[nowhere] did not pass:\n{bad}:1: load: required field is missing" in out
    assert "no target named 'nowhere'" in out  # the valid file got as far as the target
    assert "Traceback" not in out
    cases = ElementTree.parse(junit).getroot().findall(".//testcase")
    names = sorted(str(case.get("name")) for case in cases)
    assert names == ["broken[nowhere]", "ci-orders-kill-one[nowhere]"]
    assert all(case.find("failure") is not None for case in cases)


def test_input_gameday_refuses_fails_the_custom_test_in_one_line(project: pytest.Pytester) -> None:
    project.path.joinpath("tests", "test_custom.py").write_text(
        "def test_run(gameday_run):\n    gameday_run('no-such-day')\n"
    )
    result = project.runpytest("tests/test_custom.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["gameday: no-such-day: no such file, and no catalogue scenario *"])
    assert "Traceback" not in result.stdout.str() and "gameday/api.py" not in result.stdout.str()
