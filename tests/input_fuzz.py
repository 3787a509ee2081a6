"""Mutated copies of the catalogue's input files, and the one invariant every reader must keep.

Each kind of input file (scenario, replay CSV, FIS template, stack, variants, targets, matrix) is
copied from the catalogue into a folder laid out as the catalogue is, one line of one file is
mutated the way hurried people and hostile files do (a value emptied or swapped for one of
:data:`NASTY_VALUES`, a line dropped, doubled, re-indented or tabbed, the file cut short), and the
file's reader is run the way the CLI runs it. The invariant: it is accepted, or it is refused with
an :class:`InputError` whose every problem names the file (and is one line); never another
exception, and never longer than :data:`CASE_LIMIT_S` (a hang is a bug, not slowness).

``tests/test_input_fuzz.py`` runs a few hundred cases in ``make test``; ``make fuzz`` thousands.
"""

from __future__ import annotations

import io
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from gameday.cli import main
from gameday.commands.run import check_variant
from gameday.errors import InputError
from gameday.fis_template import read_template_file
from gameday.localcloud.stack import load_stack
from gameday.localcloud.variants import load_variants
from gameday.matrix.model import load_matrix
from gameday.run.dependencies import check_dependencies
from gameday.scenario import load_scenario
from gameday.targets import load_target

ROOT = Path(__file__).resolve().parent.parent
CASE_LIMIT_S = 20  # far above any real file's few milliseconds; only a hang gets near it

NASTY_VALUES = [
    "",
    "~",
    "''",
    "-1",
    "0",
    "1e400",
    ".nan",
    "-.inf",
    "9" * 400,
    "9" * 5000,
    "1:30",
    "2024-01-01",
    "yes",
    "!!float abc",
    "!!bool maybe",
    "!!timestamp nope",
    "!foo x",
    "!!python/object/apply:os.system ['true']",
    "*nowhere",
    "&a x",
    "[",
    "{",
    "]",
    "[a, b]",
    "{a: 1}",
    "a: b: c",
    "'unclosed",
    "\x00",
    "\x07",
    "\t",
    "é",
    "⚡",
    "x" * 3000,
    "/dev/zero",
    "../../../../etc/passwd",
    "bff->",
    "->",
    "COUNT(9999999999)",
    "PERCENT(101)",
    "aws:ecs:stop-tasks",
    "null",
    "NaN",
    "Infinity",
    "1e999",
    "true",
    "[]",
    "{}",
]

Reader = Callable[[Path], object]


@dataclass(frozen=True)
class InputKind:
    """One kind of input file: where it lives in the fuzz folder and how gameday reads it."""

    name: str
    relative: str  # the file inside the fuzz folder
    read: Reader


def _targets(path: Path) -> object:
    """Both targets, as ``gameday run --target`` reads them (the local one with its stack)."""
    local = load_target(path, "local")
    check_variant(local, "local", "plain+no-retries")
    return load_target(path, "staging")


def _scenario(path: Path) -> object:
    """As ``gameday run --dry-run`` checks it before touching a target."""
    scenario = load_scenario(path)
    check_dependencies(path, scenario, "local", load_target(path.parent.parent / "targets.yaml", "local"))
    return scenario


def _validate_command(path: Path) -> object:
    """As ``gameday validate`` answers: 0 or 2, with the problems on stderr, nothing else."""
    with redirect_stderr(io.StringIO()) as err, redirect_stdout(io.StringIO()):
        code = main(["validate", str(path)])
    if code not in (0, 2):
        raise AssertionError(f"gameday validate exited {code}: {err.getvalue()}")
    if code == 2 and any(not line.startswith(str(path)) for line in err.getvalue().splitlines()[:-1]):
        raise AssertionError(f"gameday validate printed a line that names no file: {err.getvalue()}")
    return code


KINDS = [
    InputKind("scenario", "scenarios/ci-catalog-breaker.yaml", _scenario),
    InputKind("gameday validate", "scenarios/catalog-errors.yaml", _validate_command),
    InputKind("replay scenario", "scenarios/replay.yaml", load_scenario),
    InputKind("replay csv", "scenarios/day.csv", lambda _: load_scenario(_.parent / "replay.yaml")),
    InputKind("fis template", "scenarios/fis/orders-stop-tasks.json", read_template_file),
    InputKind("fis scenario", "scenarios/orders-fis-template.yaml", load_scenario),
    InputKind("stack", "gameday/shop/stack.yaml", load_stack),
    InputKind("variants", "gameday/shop/variants.yaml", lambda p: load_variants(p.parent / "stack.yaml")),
    InputKind("targets", "targets.yaml", _targets),
    InputKind("matrix", "gameday/shop/matrix.yaml", load_matrix),
]


def build_catalogue(folder: Path) -> None:
    """The catalogue's inputs laid out in ``folder`` as in the checkout, plus a replay scenario."""
    for kind in ("scenarios", "gameday/shop"):
        shutil.copytree(ROOT / kind, folder / kind, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    lines = (ROOT / "targets.yaml").read_text().splitlines()
    uncommented = [
        line.replace("  # ", "  ", 1) if line.startswith(("  #   ", "  # staging:")) else line
        for line in lines
    ]
    (folder / "targets.yaml").write_text(
        "\n".join(uncommented).replace("gameday/shop/stack.yaml", str(folder / "gameday/shop/stack.yaml"))
        + "\n"
    )
    breaker = (folder / "scenarios" / "ci-catalog-breaker.yaml").read_text()
    start, end = breaker.index("load:"), breaker.index("\nfaults:")
    replay = breaker[:start] + "load:\n  shape: replay\n  flow: shop\n  file: day.csv" + breaker[end:]
    (folder / "scenarios" / "replay.yaml").write_text(
        replay.replace("name: ci-catalog-breaker", "name: replay")
    )
    (folder / "scenarios" / "day.csv").write_text("t,users\n0,2\n10s,6\n20s,4\n")


def mutations(text: str, line: int, value: str) -> Iterator[tuple[str, str]]:
    """(what was done, the mutated text) for one line of ``text`` and one nasty value."""
    lines = text.split("\n")
    index = line % max(1, len(lines))
    current = lines[index]
    head, colon, rest = current.partition(": ")
    if colon:
        yield f"line {index + 1}: value → {value!r}", _with(lines, index, f"{head}: {value}")
        yield f"line {index + 1}: value emptied", _with(lines, index, f"{head}:")
    elif current.strip():
        yield f"line {index + 1}: replaced by {value!r}", _with(lines, index, value)
    if colon:
        yield (
            f"line {index + 1}: key → {value!r}",
            _with(lines, index, f"{head[: len(head) - len(head.lstrip())]}{value}: {rest}"),
        )
    yield f"line {index + 1}: dropped", "\n".join(lines[:index] + lines[index + 1 :])
    yield f"line {index + 1}: doubled", "\n".join(lines[: index + 1] + lines[index:])
    yield f"line {index + 1}: indented", _with(lines, index, "  " + current)
    yield f"line {index + 1}: tabbed", _with(lines, index, "\t" + current.lstrip())
    yield f"cut at character {len(text) * (line % 97) // 97}", text[: len(text) * (line % 97) // 97]


def _with(lines: list[str], index: int, replacement: str) -> str:
    return "\n".join([*lines[:index], replacement, *lines[index + 1 :]])


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise :class:`Hang` in the block when it runs ``seconds`` (a hang is a bug, not slowness)."""

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"still reading after {seconds} s")

    previous = signal.signal(signal.SIGALRM, _stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_case(kind: InputKind, folder: Path, text: str) -> str | None:
    """Write ``text`` as ``kind``'s file in ``folder``, read it; the broken invariant, or None."""
    path = folder / kind.relative
    original = path.read_bytes()
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        with time_limit(CASE_LIMIT_S):
            kind.read(path)
    except InputError as error:
        return _unlocated(error)
    except Hang as hang:
        return str(hang)
    except Exception as exc:  # any other exception is the bug this looks for
        return f"{type(exc).__name__}: {exc}"
    finally:
        path.write_bytes(original)
    return None


# Problems about a whole file, which no line of it can show.
WHOLE_FILE = ("the file is empty", "is larger than", "not a regular file", "cannot read the")


def _unlocated(error: InputError) -> str | None:
    """Why the error is not one a user can act on: a problem that names no file or no line (unless
    it is about the whole file), or that spans lines."""
    for problem in error.problems:
        if not problem.file:
            return f"a problem without its file: {problem}"
        if problem.line is None and not any(words in problem.message for words in WHOLE_FILE):
            return f"a problem without its line: {problem}"
        if "\n" in str(problem) or "Traceback" in problem.message:
            return f"a problem of more than one line: {problem!s}"
    return None
