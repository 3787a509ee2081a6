"""``gameday runner``: the container's entry command, a list of game days against one target.

A scheduled task has no terminal and no arguments worth editing, so every setting can come from
the environment the task definition gives it (the command line wins when both are set). Every
scenario and the target are checked before the first game day starts: a typo found at 3 a.m.
after two game days have run is a wasted night. The runner stops after an ABORTED game day
(SIGTERM from ECS stopping the task, Ctrl-C, a guardrail): that run has reverted its faults, and
the next would start on a stack that was just hurting, or be cut short by the same stop.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gameday.commands.validate import validate
from gameday.errors import InputError
from gameday.evidence.records import Verdict
from gameday.exit_codes import run_exit_code
from gameday.packaged import find_scenario
from gameday.reporting import verdict_table
from gameday.run.delivered import run_delivered

# The environment the runner reads; the runner template's task definition sets these.
ENV_SCENARIOS = "GAMEDAY_SCENARIOS"  # names or files, separated by spaces or commas
ENV_TARGET = "GAMEDAY_TARGET"
ENV_TARGETS_FILE = "GAMEDAY_TARGETS"  # a targets file's path …
ENV_TARGETS_YAML = "GAMEDAY_TARGETS_YAML"  # … or its text, as a template parameter can carry it
ENV_REPORTS = "GAMEDAY_REPORTS"  # a folder or s3://BUCKET/PREFIX
ENV_LOCAL_REPORTS = "GAMEDAY_LOCAL_REPORTS"
RUNNER_ENV = (ENV_SCENARIOS, ENV_TARGET, ENV_TARGETS_FILE, ENV_TARGETS_YAML, ENV_REPORTS, ENV_LOCAL_REPORTS)


@dataclass(frozen=True)
class RunnerSettings:
    scenarios: list[str]
    target: str
    targets_file: Path | None
    targets_yaml: str | None
    reports: str
    local_reports: Path


def runner_settings(
    scenarios: list[str],
    target: str | None,
    targets_file: Path | None,
    reports: str | None,
    local_reports: Path | None,
    environ: Mapping[str, str] = os.environ,
) -> RunnerSettings:
    """The command line's settings, each missing one from the environment, then the defaults."""
    listed = scenarios or [name for name in re.split(r"[\s,]+", environ.get(ENV_SCENARIOS, "")) if name]
    if not listed:
        raise InputError(f"runner: no scenarios: name them on the command line or in {ENV_SCENARIOS}")
    file_from_env = environ.get(ENV_TARGETS_FILE)
    yaml_text = environ.get(ENV_TARGETS_YAML) if targets_file is None else None
    if file_from_env and yaml_text:
        raise InputError(f"runner: set {ENV_TARGETS_FILE} or {ENV_TARGETS_YAML}, not both")
    return RunnerSettings(
        scenarios=listed,
        target=target or environ.get(ENV_TARGET) or "local",
        targets_file=targets_file or (Path(file_from_env) if file_from_env else None),
        targets_yaml=yaml_text or None,
        reports=reports or environ.get(ENV_REPORTS) or "reports",
        local_reports=local_reports or Path(environ.get(ENV_LOCAL_REPORTS) or "reports"),
    )


@contextmanager
def _targets_path(settings: RunnerSettings) -> Iterator[Path]:
    """The targets file; text from the environment is written where errors can name it."""
    if settings.targets_yaml is None:
        yield settings.targets_file or Path("targets.yaml")
        return
    with tempfile.TemporaryDirectory(prefix="gameday-runner-") as folder:
        path = Path(folder) / ENV_TARGETS_YAML  # an error reads "…/GAMEDAY_TARGETS_YAML:3: field: problem"
        path.write_text(settings.targets_yaml, encoding="utf-8")
        yield path


def runner(settings: RunnerSettings) -> int:
    """Check everything, run each game day in turn, print a summary; the worst exit code."""
    with _targets_path(settings) as targets_path:
        paths = [find_scenario(Path(name)) for name in settings.scenarios]
        validate(paths, settings.target, targets_path)
        results: list[tuple[str, Verdict, str, int]] = []
        for number, path in enumerate(paths, 1):
            print(f"\n== game day {number}/{len(paths)}: {path} on {settings.target}", file=sys.stderr)
            delivered = run_delivered(
                path, settings.target, targets_path, settings.reports, settings.local_reports
            )
            verdict = delivered.outcome.card.verdict
            print(verdict_table(delivered.outcome.card))
            results.append(
                (str(path), verdict, delivered.where, run_exit_code(verdict, delivered.destination.uploaded))
            )
            if verdict is Verdict.ABORTED:
                skipped = len(paths) - number
                if skipped:
                    print(f"runner: stopped after an ABORTED game day; {skipped} not run", file=sys.stderr)
                break
    print("\nrunner summary:")
    for scenario, verdict, where, _ in results:
        print(f"  {verdict.value:<12} {scenario}  {where}")
    return max(code for *_, code in results)
