"""Running a matrix: every selected row as real game days on a localcloud target, in its variant.

Rows are grouped by variant so one localcloud per variant serves all of its runs (starting one
costs seconds a game day does not need to repeat); a ``fresh`` row gets a new one for each run,
since its variant keeps state a run leaves behind (a breaker stuck open, a service scaled out).
Each run's own event lines go to a log beside the matrix results; the terminal gets one line per
run start and end, so a long matrix stays readable in a CI log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TextIO

from gameday.errors import EnvironmentProblem, GamedayError, InputError
from gameday.matrix.cells import RunResult
from gameday.matrix.model import Matrix, Row
from gameday.run.console import Console
from gameday.run.orchestrator import run_game_day
from gameday.run.sessions import control_port
from gameday.targets import LocalTarget, Target
from localcloud.client import LocalcloudClient
from localcloud.launcher import start_localcloud
from localcloud.variants import load_stack_as

Say = Callable[[str], None]


def check_target(target: Target, target_name: str, rows: list[Row]) -> LocalTarget:
    """The matrix switches variants, so it needs a localcloud target and every variant must exist."""
    if not isinstance(target, LocalTarget):
        raise InputError(f"the matrix runs on localcloud targets only; '{target_name}' is not one")
    for variant in dict.fromkeys(row.variant for row in rows):
        load_stack_as(target.stack, variant)
    if LocalcloudClient(target.control_url).reachable():
        raise EnvironmentProblem(
            f"a localcloud is already running at {target.control_url}; the matrix starts its own in each "
            "variant: stop it with `gameday stack down` first"
        )
    return target


def by_variant(rows: list[Row]) -> dict[str, list[Row]]:
    """Rows grouped by variant, variants in the order they first appear."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.variant, []).append(row)
    return groups


def run_matrix(
    matrix: Matrix,
    rows: list[Row],
    target_name: str,
    target: LocalTarget,
    reports: Path,
    say: Say,
) -> list[RunResult]:
    """Every run of every row, each a game day; a run that cannot complete is recorded, not raised."""
    logs = reports / "matrix-logs"
    logs.mkdir(parents=True, exist_ok=True)
    total = sum(row.repeat for row in rows)
    results: list[RunResult] = []
    for variant, group in by_variant(rows).items():
        shared = [row for row in group if not row.fresh]
        with _localcloud(target, variant, logs, say) if shared else nullcontext():
            for row in [*shared, *(row for row in group if row.fresh)]:
                for attempt in range(1, row.repeat + 1):
                    number = len(results) + 1
                    results.append(
                        _one_run(
                            matrix, row, attempt, f"{number}/{total}", target_name, target, reports, logs, say
                        )
                    )
    return results


@contextmanager
def _localcloud(target: LocalTarget, variant: str, logs: Path, say: Say) -> Iterator[None]:
    say(f"starting localcloud as variant '{variant}'")
    running = start_localcloud(
        target.stack,
        control_port(target.control_url),
        detached=False,
        log_path=logs / f"localcloud-{variant}.log",
        variant=variant,
    )
    try:
        yield
    finally:
        running.stop()


def _one_run(
    matrix: Matrix,
    row: Row,
    attempt: int,
    number: str,
    target_name: str,
    target: LocalTarget,
    reports: Path,
    logs: Path,
    say: Say,
) -> RunResult:
    scenario = matrix.scenarios[matrix.scenario_path(row)]
    repeat = f" (run {attempt}/{row.repeat})" if row.repeat > 1 else ""
    say(f"[{number}] {scenario.name} as '{row.variant}'{repeat}: started")
    started = time.monotonic()
    log_path = logs / f"{number.split('/')[0]:0>3}-{scenario.name}-{row.variant}-{attempt}.log"
    with log_path.open("w", encoding="utf-8") as log:
        result = _game_day(matrix, row, attempt, target_name, target, reports, log, started)
    took = f"{result.seconds:.0f} s"
    outcome = result.verdict.value if result.verdict is not None else f"could not run: {result.error}"
    where = f", {result.run_dir}" if result.run_dir else f" (log {log_path})"
    say(f"[{number}] {scenario.name} as '{row.variant}'{repeat}: {outcome} in {took}{where}")
    return result


def _game_day(
    matrix: Matrix,
    row: Row,
    attempt: int,
    target_name: str,
    target: LocalTarget,
    reports: Path,
    log: TextIO,
    started: float,
) -> RunResult:
    try:
        outcome = run_game_day(
            matrix.scenario_path(row), target_name, target, reports, console=Console(log), variant=row.variant
        )
    except GamedayError as exc:
        return RunResult(row, attempt, None, (), time.monotonic() - started, error=str(exc))
    return RunResult(
        row,
        attempt,
        outcome.card.verdict,
        tuple(outcome.card.scores),
        time.monotonic() - started,
        run_dir=str(outcome.run_dir),
    )
