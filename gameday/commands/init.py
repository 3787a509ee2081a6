"""``gameday init [DIR]``: the start of a team's own game-day repository.

The files come from ``gameday/scaffold`` inside the installed package (read through
importlib.resources, so a wheel has them as a checkout does), plus the scenario schema generated
from the installed kinds. A name in the scaffold that starts with ``dot-`` is written with a dot
(``dot-gitignore`` → ``.gitignore``): hidden files would be left out of the wheel by its globs.
``init`` never replaces a file: running it again adds what is missing and names what it kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from gameday.commands.schema import schema_json
from gameday.errors import InputError

SCAFFOLD = "scaffold"
HIDDEN = "dot-"
VERSION_MARK = "@GAMEDAY_VERSION@"
SCHEMA_FILE = PurePosixPath("gameday.schema.json")
SKIPPED = ("__pycache__",)


@dataclass(frozen=True)
class ScaffoldFile:
    """One file of the new repository: where it goes (relative to DIR) and what it holds."""

    path: PurePosixPath
    text: str


def scaffold_files() -> list[ScaffoldFile]:
    """Every file ``init`` writes, in a stable order."""
    version = metadata.version("gameday")
    files = [
        ScaffoldFile(path, resource.read_text(encoding="utf-8").replace(VERSION_MARK, version))
        for path, resource in _walk(resources.files("gameday") / SCAFFOLD, PurePosixPath())
    ]
    files.append(ScaffoldFile(SCHEMA_FILE, schema_json()))
    return sorted(files, key=lambda file: file.path)


def _walk(folder: Traversable, under: PurePosixPath) -> Iterator[tuple[PurePosixPath, Traversable]]:
    for entry in folder.iterdir():
        if entry.name in SKIPPED:
            continue
        name = "." + entry.name.removeprefix(HIDDEN) if entry.name.startswith(HIDDEN) else entry.name
        if entry.is_dir():
            yield from _walk(entry, under / name)
        else:
            yield under / name, entry


def init(directory: Path) -> int:
    """Write every scaffold file missing from ``directory``; one line per file, written or kept."""
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory}: is a file; gameday init needs a folder (new or existing)")
    for file in scaffold_files():
        destination = directory / file.path
        if destination.exists():
            print(f"{destination}: left alone (it exists)")
            continue
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with destination.open("x", encoding="utf-8") as out:
                out.write(file.text)
        except OSError as error:
            raise InputError(f"{destination}: cannot write it: {error.strerror or error}") from None
        print(f"{destination}: written")
    go_there = "" if directory.resolve() == Path.cwd().resolve() else f"cd {directory} && "
    print(f"\nnext: {go_there}gameday validate scenarios/*.yaml && pytest  (README.md tells the files apart)")
    return 0
