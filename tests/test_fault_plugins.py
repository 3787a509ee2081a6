"""Fault kinds from installed packages: the README's example is the tested package, and a broken
plugin is one line with exit 2, however it is broken.

The broken plugins are real distributions (:mod:`plugin_dist`) on the ``PYTHONPATH`` of a
``gameday validate`` subprocess, so importlib.metadata finds them as it finds any installed
package, and this test process never sees them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_dist import env_with, write_distribution

from faults.catalogue import KINDS, REVERTS
from faults.kind import RevertPlanModel, literal_value
from gameday.errors import GamedayError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = Path(__file__).resolve().parent / "plugin_example"
SCENARIO = """\
name: plugins
description: any valid scenario; the plugins break before it is read
duration: 60s
load: {shape: step, users: 1, step_users: 0, step_every: 10s, max_users: 1}
faults:
  - {kind: kill-tasks, at: 10s, for: 10s, target: {service: orders}, count: 1}
expect:
  - {score: availability, min: 0.9}
"""


def _readme_section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("### Write your own fault kind")
    return text[start : text.index("\n### ", start + 1)]


def test_every_code_block_of_the_readme_section_is_in_the_example_package() -> None:
    package = "\n".join(
        path.read_text() for path in sorted(EXAMPLE.rglob("*")) if path.suffix in {".py", ".toml"}
    )
    blocks = re.findall(r"```(?:python|toml)\n(.*?)```", _readme_section(), re.DOTALL)
    assert len(blocks) >= 4
    for block in blocks:
        for paragraph in block.strip().split("\n\n"):
            assert paragraph in package, (
                f"the README shows code the example package does not have:\n{paragraph}"
            )


def test_the_built_in_kinds_come_through_the_entry_points() -> None:
    assert set(KINDS) == {
        "kill-tasks",
        "throttle-queue",
        "break-network",
        "add-latency",
        "fail-requests",
        "stress-cpu",
        "fis-template",
        "impair-zone",
    }
    assert all(kind.name == name for name, kind in KINDS.items())
    assert "localcloud-clear-path-fault" in REVERTS


def test_a_kind_whose_model_names_no_kind_is_refused() -> None:
    class Nameless(RevertPlanModel):
        action: str

    with pytest.raises(GamedayError, match="'action' must be a Literal of one string"):
        literal_value(Nameless, "action")


def _validate(tmp_path: Path, site: Path, text: str = SCENARIO) -> subprocess.CompletedProcess[str]:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text)
    return subprocess.run(
        [sys.executable, "-m", "gameday.cli", "validate", str(scenario)],
        env=env_with(site),
        capture_output=True,
        text=True,
        timeout=60,
    )


KIND_OF_OWN = """\
from typing import Literal
from faults.kind import FaultKind
from gameday.faultspecs import FaultBase


class Spec(FaultBase):
    kind: Literal["{name}"]


KIND = FaultKind(spec=Spec)
"""

BROKEN = {
    "cannot be imported": (
        {"gameday.faults": {"broken": "broken_kind:KIND"}},
        {"broken_kind": "raise RuntimeError('the plugin broke')\n"},
        r"gameday: gameday\.faults: cannot load entry point 'broken = broken_kind:KIND' of broken-plugin: "
        r"RuntimeError: the plugin broke",
    ),
    "is not a kind": (
        {"gameday.faults": {"broken": "broken_kind:KIND"}},
        {"broken_kind": "KIND = 'kill-tasks'\n"},
        r"gameday: gameday\.faults: entry point 'broken = broken_kind:KIND' of broken-plugin is a str, "
        r"not a FaultKind",
    ),
    "takes a built-in name": (
        {"gameday.faults": {"broken": "broken_kind:KIND"}},
        {"broken_kind": KIND_OF_OWN.replace("{name}", "kill-tasks")},
        r"gameday: gameday\.faults: 'kill-tasks' is registered twice, by entry point "
        r"'broken = broken_kind:KIND' of broken-plugin and by entry point "
        r"'kill-tasks = faults\.kill_tasks:KIND' of gameday",
    ),
    "defines one revert action twice": (
        {"gameday.faults": {"broken": "broken_kind:KIND"}},
        {
            "broken_kind": KIND_OF_OWN.replace("{name}", "own-kind").replace(
                "KIND = FaultKind(spec=Spec)",
                "from faults.kind import Revert, RevertPlanModel\n\n\nclass Plan(RevertPlanModel):\n"
                "    action: Literal['none-of-yours']\n\n\n"
                "KIND = FaultKind(spec=Spec, reverts=[Revert(Plan, lambda plan, context: ''), "
                "Revert(Plan, lambda plan, context: 'other')])",
            )
        },
        r"gameday: gameday\.faults: revert action 'none-of-yours' is defined by both kind 'own-kind' and "
        r"kind 'own-kind' with different plans or reverters",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_fault_plugin_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    entry_points, modules, message = BROKEN[case]
    site = tmp_path / "site"
    write_distribution(site, "broken-plugin", entry_points, modules)
    result = _validate(tmp_path, site)
    assert result.returncode == 2, result.stderr
    assert re.fullmatch(message, result.stderr.strip()), result.stderr
    assert "Traceback" not in result.stderr


def test_an_installed_plugin_kind_validates_in_a_scenario(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_distribution(
        site,
        "good-plugin",
        {"gameday.faults": {"own-kind": "own_kind:KIND"}},
        {"own_kind": KIND_OF_OWN.replace("{name}", "own-kind")},
    )
    own = SCENARIO.replace(
        "kind: kill-tasks, at: 10s, for: 10s, target: {service: orders}, count: 1",
        "kind: own-kind, at: 10s, for: 10s",
    )
    assert _validate(tmp_path, site, own).returncode == 0
    unknown = _validate(tmp_path, tmp_path / "empty", own)
    assert unknown.returncode == 2
    assert "faults[0].kind: 'own-kind' is not one of:" in unknown.stderr
