"""Running a matrix: every selected row as real game days on a localcloud target, in its variant.

Each row gets a localcloud of its own, started in the row's variant and shared by the row's
repeats (starting one costs seconds a game day does not need to repeat). Rows do not share one:
a run can leave the stack changed in ways the next scenario would feel (a keep-alive connection
opened while an edge answered HTTP errors is not cut by a later blackhole on that edge). A
``fresh`` row gets a new localcloud for each run, since its variant keeps state a run leaves
behind (a breaker stuck open). Each run's own event lines go to a log beside the matrix results;
the terminal gets one line per run start and end, so a long matrix stays readable in a CI log.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import FrameType
from typing import TextIO

from gameday.errors import EnvironmentProblem, GamedayError, InputError, Problem
from gameday.evidence.records import Verdict
from gameday.localcloud.client import LocalcloudClient
from gameday.localcloud.launcher import start_localcloud
from gameday.localcloud.variants import load_stack_as
from gameday.matrix.cells import RunResult
from gameday.matrix.model import Matrix, Row
from gameday.run.console import Console
from gameday.run.orchestrator import Interrupted, run_game_day
from gameday.run.sessions import control_port
from gameday.targets import LocalTarget, Target
from gameday.yamlfile import read_yaml

Say = Callable[[str], None]
INTERRUPTED = "interrupted by"  # how a run's reason says a signal aborted it


def check_target(target: Target, target_name: str, matrix: Matrix, rows: list[Row]) -> LocalTarget:
    """The matrix switches variants, so it needs a localcloud target and every variant must exist;
    a variant that does not is reported at the first row that names it."""
    if not isinstance(target, LocalTarget):
        raise InputError(f"the matrix runs on localcloud targets only; '{target_name}' is not one")
    for variant in dict.fromkeys(row.variant for row in rows):
        try:
            load_stack_as(target.stack, variant)
        except InputError as error:
            index = next(i for i, row in enumerate(matrix.rows) if row.variant == variant)
            _, lines = read_yaml(matrix.path)
            at = lines.get(("rows", index, "variant"))
            raise InputError(
                [Problem(str(matrix.path), at, f"rows[{index}].variant", str(p)) for p in error.problems]
            ) from None
    if LocalcloudClient(target.control_url).reachable():
        raise EnvironmentProblem(
            f"a localcloud is already running at {target.control_url}; the matrix starts its own in each "
            "variant: stop it with `gameday stack down` first"
        )
    return target


def run_matrix(
    matrix: Matrix,
    rows: list[Row],
    target_name: str,
    target: LocalTarget,
    reports: Path,
    say: Say,
) -> list[RunResult]:
    """Every run of every row, each a game day; a run that cannot complete is recorded, not raised.

    Ctrl-C or SIGTERM, during a run or between runs, ends the matrix (KeyboardInterrupt) once the
    run has reverted its faults and every localcloud started here has stopped.
    """
    previous = signal.signal(signal.SIGTERM, _interrupt)  # between runs too, SIGTERM stops cleanly
    try:
        return _run_rows(matrix, rows, target_name, target, reports, say)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _run_rows(
    matrix: Matrix, rows: list[Row], target_name: str, target: LocalTarget, reports: Path, say: Say
) -> list[RunResult]:
    logs = reports / "matrix-logs"
    logs.mkdir(parents=True, exist_ok=True)
    total = sum(row.repeat for row in rows)
    results: list[RunResult] = []
    for index, row in enumerate(rows, start=1):
        with (
            nullcontext()
            if row.fresh
            else _localcloud(target, row.variant, logs / f"localcloud-{index}.log", say)
        ):
            for attempt in range(1, row.repeat + 1):
                number = f"{len(results) + 1}/{total}"
                results.append(
                    _one_run(matrix, row, attempt, number, target_name, target, reports, logs, say)
                )
    return results


@contextmanager
def _localcloud(target: LocalTarget, variant: str, log_path: Path, say: Say) -> Iterator[None]:
    say(f"starting localcloud as variant '{variant}'")
    running = start_localcloud(
        target.stack, control_port(target.control_url), detached=False, log_path=log_path, variant=variant
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
    except Interrupted:
        raise KeyboardInterrupt from None
    if outcome.card.verdict is Verdict.ABORTED and INTERRUPTED in outcome.card.reason:
        raise KeyboardInterrupt  # Ctrl-C or SIGTERM ends the whole matrix, not just this run
    return RunResult(
        row,
        attempt,
        outcome.card.verdict,
        tuple(outcome.card.scores),
        time.monotonic() - started,
        run_dir=str(outcome.run_dir),
    )
