"""pytest plugin: every ``scenarios/*.yaml`` is a test that runs a whole game day.

``pytest scenarios/`` (or one file) runs each scenario on the target given by ``--gameday-target``
(ini ``gameday_target``; default ``local``). An item passes only on PASS; otherwise it fails with
the verdict table. Scores go into pytest's own JUnit XML through the item's user properties.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gameday.errors import GamedayError
from gameday.evidence.records import Verdict

SCENARIO_DIR = "scenarios"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gameday", "gameday scenarios")
    group.addoption("--gameday-target", default=None, help="target to run scenarios on (default: local)")
    group.addoption("--gameday-targets", default=None, help="targets file (default: targets.yaml)")
    group.addoption("--gameday-reports", default=None, help="reports folder (default: reports)")
    parser.addini("gameday_target", "target to run scenarios on", default="local")
    parser.addini("gameday_targets", "targets file", default="targets.yaml")
    parser.addini("gameday_reports", "reports folder", default="reports")


def _setting(config: pytest.Config, name: str) -> str:
    value = config.getoption(f"--gameday-{name}") or config.getini(f"gameday_{name}")
    return str(value)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.name == SCENARIO_DIR:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        return [ScenarioItem.from_parent(self, name=self.path.stem)]


class ScenarioNotPassed(Exception):
    """The game day ran (or could not), and its verdict was not PASS."""


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        from gameday.reporting import verdict_table
        from gameday.run.orchestrator import run_game_day
        from gameday.scenario import load_scenario
        from gameday.targets import load_target

        root = self.config.rootpath
        target_name = _setting(self.config, "target")
        try:
            load_scenario(self.path)  # bad input is reported before a target is touched
            target = load_target(root / _setting(self.config, "targets"), target_name)
            outcome = run_game_day(self.path, target_name, target, root / _setting(self.config, "reports"))
        except GamedayError as exc:
            raise ScenarioNotPassed(str(exc)) from None
        card = outcome.card
        self.user_properties.append(("verdict", card.verdict.value))
        self.user_properties.append(("run_dir", str(outcome.run_dir)))
        resilience = card.resilience.value
        self.user_properties.append(("resilience", "none" if resilience is None else f"{resilience:g}"))
        for score in card.scores:
            value = "none" if score.value is None else f"{score.value:g}"
            self.user_properties.append((f"{score.name}[{score.subject}]", f"{value} {score.verdict.value}"))
        if card.verdict is not Verdict.PASS:
            raise ScenarioNotPassed(f"{verdict_table(card)}\nrun: {outcome.run_dir}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioNotPassed):
            return f"scenario {self.name} did not pass:\n{excinfo.value}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario: {self.name}"
