"""User-facing errors.

A user mistake must end in one clear line per problem (``file:line: field: what is wrong``) and
exit code 2, never a traceback; everything that can be blamed on input raises :class:`InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we know."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class GamedayError(Exception):
    """An error the CLI reports as one line, without a traceback."""

    exit_code = 3


class InputError(GamedayError):
    """Bad input: a scenario, stack or targets file, or a command-line argument."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(file="", line=None, field="", message=problems)]
        self.problems = problems
        super().__init__("\n".join(str(p).lstrip(": ") for p in problems))


class EnvironmentProblem(GamedayError):
    """The machine or the target is not in a state where a run can start (port in use, stack down)."""

    exit_code = 2
