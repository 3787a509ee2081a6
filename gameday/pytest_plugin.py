"""pytest plugin: scenario files as tests, on purpose, and the ``gameday_run`` fixture for tests of your own.

Installed with gameday, it collects nothing until asked: the ini option ``gameday_scenarios``
(globs relative to the rootdir, e.g. ``scenarios/*.yaml``) names the scenario files that are tests,
and ``--gameday`` turns every ``*.yaml`` in a folder named ``scenarios`` into one. As pytest does for
Python files, only files given on the command line or under given folders are collected.

Each scenario is one item per target (``--gameday-target`` / ini ``gameday_target``, one or several
names, default ``local``), named ``scenario[target]`` and marked with each fault kind it injects
(``-m kill_tasks``). An item passes only on PASS; otherwise it fails with the verdict table.
Scores go into pytest's own JUnit XML through the item's user properties.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from gameday.errors import GamedayError

if TYPE_CHECKING:  # the engine is imported when a game day runs, not in every project's pytest start
    from gameday.api import RunResult

SCENARIO_DIR = "scenarios"
SCENARIO_SUFFIXES = (".yaml", ".yml")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gameday", "gameday game days")
    group.addoption(
        "--gameday",
        action="store_true",
        help="also collect every *.yaml in a folder named 'scenarios' as a game day",
    )
    group.addoption(
        "--gameday-target",
        action="append",
        default=None,
        metavar="NAME[,NAME]",
        help="target(s) to run game days on, one item per target (default: ini gameday_target, local)",
    )
    group.addoption(
        "--gameday-targets", default=None, metavar="FILE", help="targets file (default: targets.yaml)"
    )
    group.addoption(
        "--gameday-reports", default=None, metavar="DIR", help="reports folder (default: reports)"
    )
    parser.addini(
        "gameday_scenarios", "globs (from the rootdir) of the scenario files that are tests", "args", []
    )
    parser.addini(
        "gameday_target", "target name(s) to run game days on, space or comma separated", "args", ["local"]
    )
    parser.addini("gameday_targets", "targets file", default="targets.yaml")
    parser.addini("gameday_reports", "reports folder", default="reports")


@dataclass(frozen=True)
class Settings:
    """The session's gameday settings: command line first, then ini, paths from the rootdir."""

    globs: tuple[str, ...]
    any_scenarios_dir: bool  # --gameday
    targets: tuple[str, ...]  # target names, one item per name
    targets_file: Path
    reports: Path

    @classmethod
    def of(cls, config: pytest.Config) -> Settings:
        root = config.rootpath
        names = config.getoption("--gameday-target") or config.getini("gameday_target")
        return cls(
            globs=tuple(config.getini("gameday_scenarios")),
            any_scenarios_dir=bool(config.getoption("--gameday")),
            targets=tuple(dict.fromkeys(_split_names(names))) or ("local",),
            targets_file=root / (config.getoption("--gameday-targets") or config.getini("gameday_targets")),
            reports=root / (config.getoption("--gameday-reports") or config.getini("gameday_reports")),
        )

    @property
    def collects(self) -> bool:
        return bool(self.globs) or self.any_scenarios_dir


def _split_names(values: Iterable[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


SETTINGS = pytest.StashKey[Settings]()
SCENARIO_FILES = pytest.StashKey[frozenset[Path]]()


def pytest_configure(config: pytest.Config) -> None:
    settings = Settings.of(config)
    config.stash[SETTINGS] = settings
    if settings.collects:
        for kind in _installed_fault_kinds():
            config.addinivalue_line("markers", f"{_marker(kind)}: game days that inject the {kind} fault")


def _installed_fault_kinds() -> list[str]:
    """The registry's kind names; imported only when scenarios are collected (it loads every plugin)."""
    try:
        from faults.catalogue import KINDS
    except GamedayError as error:
        raise pytest.UsageError(str(error)) from None
    return sorted(KINDS)


def _marker(kind: str) -> str:
    return kind.replace("-", "_")


def pytest_collection(session: pytest.Session) -> None:
    """Resolve the ini globs once, before collecting: a glob that matches no scenario is a usage error."""
    config = session.config
    found: set[Path] = set()
    for pattern in config.stash[SETTINGS].globs:
        matched = {
            (config.rootpath / hit).resolve()
            for hit in glob.glob(pattern, root_dir=config.rootpath, recursive=True)
            if hit.endswith(SCENARIO_SUFFIXES)
        }
        if not matched:
            where = config.inipath or "ini"
            raise pytest.UsageError(
                f"{where}: gameday_scenarios: '{pattern}' matches no *.yaml file under {config.rootpath}"
            )
        found |= matched
    config.stash[SCENARIO_FILES] = frozenset(found)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if file_path.suffix not in SCENARIO_SUFFIXES:
        return None
    settings = config.stash[SETTINGS]
    wanted = file_path.resolve() in config.stash.get(SCENARIO_FILES, frozenset())
    if wanted or (settings.any_scenarios_dir and file_path.parent.name == SCENARIO_DIR):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        settings = self.config.stash[SETTINGS]
        registered = set(_installed_fault_kinds())
        kinds = [kind for kind in injected_kinds(self.path) if kind in registered]
        items: list[pytest.Item] = []
        for target in settings.targets:
            item = ScenarioItem.from_parent(self, name=f"{self.path.stem}[{target}]", target=target)
            for kind in kinds:
                item.add_marker(_marker(kind))
            items.append(item)
        return items


def injected_kinds(path: Path) -> list[str]:
    """The fault kinds a scenario file names, read leniently: a broken file is reported when it runs."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return []
    faults = data.get("faults") if isinstance(data, dict) else None
    if not isinstance(faults, list):
        return []
    return sorted({f["kind"] for f in faults if isinstance(f, dict) and isinstance(f.get("kind"), str)})


class ScenarioNotPassed(Exception):
    """The game day ran (or could not), and its verdict was not PASS."""


class ScenarioItem(pytest.Item):
    def __init__(self, *, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target

    def runtest(self) -> None:
        from gameday.api import Verdict, run

        settings = self.config.stash[SETTINGS]
        try:
            result = run(self.path, self.target, reports=settings.reports, targets=settings.targets_file)
        except GamedayError as exc:
            raise ScenarioNotPassed(str(exc)) from None
        self.user_properties.extend(junit_properties(result))
        if result.verdict is not Verdict.PASS:
            raise ScenarioNotPassed(f"{result.table}\nrun: {result.run_dir}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioNotPassed):
            return f"scenario {self.name} did not pass:\n{excinfo.value}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario: {self.name}"


def junit_properties(result: RunResult) -> list[tuple[str, str]]:
    """Verdict, run folder, resilience and every score, as JUnit ``<property>`` name/value pairs."""

    def shown(value: float | None) -> str:
        return "none" if value is None else f"{value:g}"

    properties = [
        ("verdict", result.verdict.value),
        ("run_dir", str(result.run_dir)),
        ("resilience", shown(result.resilience)),
    ]
    for score in result.scores:
        properties.append((f"{score.name}[{score.subject}]", f"{shown(score.value)} {score.verdict.value}"))
    return properties


# --- fixtures for tests of your own ------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that uses ``gameday_run`` or ``gameday_target`` runs once per configured target."""
    if "gameday_target" in metafunc.fixturenames:
        targets = metafunc.config.stash[SETTINGS].targets
        metafunc.parametrize("gameday_target", targets, indirect=True, ids=list(targets))


@pytest.fixture(scope="session")
def gameday_target(request: pytest.FixtureRequest) -> str:
    """The target name this test runs on (parametrised over ``--gameday-target`` / ini ``gameday_target``)."""
    return str(request.param)


@dataclass(frozen=True)
class GamedayRunner:
    """What the ``gameday_run`` fixture gives: runs a scenario with the session's settings."""

    root: Path
    target: str
    targets_file: Path
    reports: Path

    def __call__(
        self,
        scenario: str | Path,
        *,
        target: str | None = None,
        variant: str | None = None,
        reports: str | Path | None = None,
        targets: str | Path | None = None,
    ) -> RunResult:
        """Run ``scenario`` (a path, relative ones from the rootdir, or a catalogue scenario's name)
        and return its :class:`RunResult`.

        ``target``, ``reports`` and ``targets`` (the targets file) default to the session's settings;
        ``variant`` is a shop variant for a localcloud target. Any verdict is returned, so the test
        asserts what it cares about. Input that gameday refuses fails the test with gameday's
        one-line message, not a traceback into gameday.
        """
        from gameday.api import run
        from gameday.packaged import find_scenario

        try:
            return run(
                find_scenario(Path(scenario), self.root),
                target or self.target,
                variant=variant,
                reports=self.root / reports if reports is not None else self.reports,
                targets=self.root / targets if targets is not None else self.targets_file,
            )
        except GamedayError as error:
            pytest.fail(f"gameday: {error}", pytrace=False)


@pytest.fixture(scope="session")
def gameday_run(pytestconfig: pytest.Config, gameday_target: str) -> GamedayRunner:
    """A callable that runs a game day and returns a :class:`gameday.api.RunResult`.

    Session-scoped, so a module- or session-scoped fixture of yours can run a game day once and
    share it between several tests; it runs on the test's ``gameday_target``.
    """
    settings = pytestconfig.stash[SETTINGS]
    return GamedayRunner(pytestconfig.rootpath, gameday_target, settings.targets_file, settings.reports)
