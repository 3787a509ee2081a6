"""The pytest plugin as a CI user meets it: scenario files collected as items, failures explained."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_each_scenario_file_is_one_item(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    for path in (ROOT / "scenarios").glob("*.yaml"):
        (tmp_path / "scenarios" / path.name).write_text(path.read_text())
    (tmp_path / "scenarios" / "not-a-scenario.txt").write_text("ignored")
    result = _pytest(tmp_path, "--collect-only", "scenarios")
    names = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    for name in names:
        assert f"scenarios/{name}.yaml::{name}" in result.stdout
    assert f"{len(names)} tests collected" in result.stdout


def test_a_scenario_that_cannot_run_fails_with_a_clear_reason_and_junit_entry(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    bad = tmp_path / "scenarios" / "broken.yaml"
    bad.write_text("name: broken\ndescription: no load, no faults\nduration: 10s\n")
    good = tmp_path / "scenarios" / "elsewhere.yaml"
    good.write_text((ROOT / "scenarios" / "ci-orders-kill-one.yaml").read_text())
    junit = tmp_path / "junit.xml"

    result = _pytest(tmp_path, "scenarios", "--gameday-target", "nowhere", f"--junitxml={junit}")

    assert result.returncode == 1
    assert "scenario broken did not pass:" in result.stdout
    assert f"{bad}:1: load: required field is missing" in result.stdout
    assert "no target named 'nowhere'" in result.stdout  # the valid file got as far as the target
    assert "Traceback" not in result.stdout
    cases = ElementTree.parse(junit).getroot().findall(".//testcase")
    assert sorted(str(case.get("name")) for case in cases) == ["broken", "elsewhere"]
    assert all(case.find("failure") is not None for case in cases)
