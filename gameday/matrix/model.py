"""The matrix file: which scenario runs against which stack variant, and which scores must FAIL.

Every score a row's scenario grades must PASS except those its ``fail`` list names (and the few its
``inconclusive`` list names, which the variant leaves nothing to measure: no breaker ever opens, so
there is no close to time), so a row states only what the broken mechanism should break. Scenario
paths are relative to the matrix file, like the files a scenario names are relative to the scenario;
a bare name no file there has is a catalogue scenario, so an installed matrix finds its scenarios.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, ValidationError

from gameday.errors import InputError, Problem
from gameday.packaged import find_scenario
from gameday.scenario import Scenario, load_scenario
from gameday.shared import Strict
from gameday.yamlfile import Location, problems_from, read_yaml

# ``retry_masking`` (every score of that name) or ``availability[phase:fault]`` (one subject).
_SCORE_REF = re.compile(r"^(?P<name>[a-z0-9_]+)(\[(?P<subject>[^\]]+)\])?$")


class Row(Strict):
    """One scenario against one variant, run ``repeat`` times; every run must match the expectation:
    the scores named in ``fail`` FAIL, those in ``inconclusive`` are INCONCLUSIVE, all others PASS."""

    scenario: Path
    variant: str = Field(min_length=1)
    fail: list[str] = Field(default_factory=list, description="scores that must FAIL: name, or name[subject]")
    inconclusive: list[str] = Field(
        default_factory=list,
        description="scores that must be INCONCLUSIVE: the variant leaves them nothing to measure",
    )
    repeat: int = Field(default=1, ge=1, le=100, description="runs in the full matrix; the reduced runs one")
    reduced: bool = Field(default=False, description="part of the reduced matrix (--reduced) that CI runs")
    fresh: bool = Field(
        default=False,
        description="a new localcloud for each repeat: the variant keeps state a run leaves behind",
    )


class MatrixFile(Strict):
    rows: list[Row] = Field(min_length=1)


def score_ref(text: str) -> tuple[str, str | None] | None:
    """``name`` or ``name[subject]`` split in two, or None when the text is neither."""
    match = _SCORE_REF.match(text)
    return (match["name"], match["subject"]) if match else None


class Matrix:
    """A validated matrix: its rows, each with its scenario loaded and its path resolved."""

    def __init__(self, path: Path, rows: list[Row], scenarios: dict[Path, Scenario]) -> None:
        self.path = path
        self.rows = rows
        self.scenarios = scenarios

    def scenario_path(self, row: Row) -> Path:
        return find_scenario(row.scenario, self.path.parent)

    def selected(self, reduced: bool) -> list[Row]:
        """The rows a run covers; the reduced matrix runs each of its rows once."""
        if not reduced:
            return list(self.rows)
        return [row.model_copy(update={"repeat": 1}) for row in self.rows if row.reduced]


def load_matrix(path: Path) -> Matrix:
    """Read and check a matrix file; every problem is reported as ``file:line: field: message``.

    Beyond its shape, each scenario must load and each ``fail`` entry must name a score that
    scenario grades: a typo there would otherwise expect a FAIL that can never come.
    """
    data, lines = read_yaml(path)
    try:
        matrix = MatrixFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, str(path), data, lines)) from None
    problems: list[Problem] = []
    scenarios: dict[Path, Scenario] = {}
    seen: set[tuple[Path, str]] = set()
    for index, row in enumerate(matrix.rows):
        where: Location = ("rows", index)
        try:
            scenario_path = find_scenario(row.scenario, path.parent)
        except InputError as exc:
            problems.append(_problem(path, lines, (*where, "scenario"), str(exc)))
            continue
        if scenario_path not in scenarios:
            missing = _not_a_file(scenario_path)
            if missing:
                problems.append(_problem(path, lines, (*where, "scenario"), f"{missing}: {scenario_path}"))
                continue
            scenarios[scenario_path] = load_scenario(scenario_path)  # its own located errors
        graded = {expectation.score for expectation in scenarios[scenario_path].expect}
        if (row.scenario, row.variant) in seen:
            problems.append(
                _problem(path, lines, where, f"a second row for {row.scenario} as '{row.variant}'")
            )
        seen.add((row.scenario, row.variant))
        named = [("fail", p, e) for p, e in enumerate(row.fail)]
        named += [("inconclusive", p, e) for p, e in enumerate(row.inconclusive)]
        for key, position, entry in named:
            ref = score_ref(entry)
            at = (*where, key, position)
            if ref is None:
                problems.append(_problem(path, lines, at, f"'{entry}' is not a score name or name[subject]"))
            elif key == "inconclusive" and entry in row.fail:
                problems.append(_problem(path, lines, at, f"'{entry}' is in fail too"))
            elif ref[0] not in graded:
                known = ", ".join(sorted(graded))
                message = f"{scenario_path} grades no score '{ref[0]}' (it grades: {known})"
                problems.append(_problem(path, lines, at, message))
    if problems:
        raise InputError(problems)
    return Matrix(path, list(matrix.rows), scenarios)


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be a scenario file (a name too long for the file system included)."""
    try:
        return None if path.is_file() else "no such file"
    except OSError as exc:
        return f"cannot read the file ({exc.strerror})"


def _problem(path: Path, lines: dict[Location, int], at: Location, message: str) -> Problem:
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in at).lstrip(".")
    return Problem(str(path), lines.get(at), field, message)
