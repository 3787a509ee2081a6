"""The demo that ships inside gameday: the shop's stack file and the scenario catalogue.

Both are found through :mod:`importlib.resources`, never relative to the working directory, so an
installed gameday runs its demo from any folder. In the repository the catalogue stays in the
top-level ``scenarios/`` folder; setup.py installs it as the package ``gameday.scenarios``.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from gameday.errors import EnvironmentProblem, InputError

SHOP_PACKAGE = "gameday.shop"
CATALOGUE_PACKAGE = "gameday.scenarios"
SCENARIO_SUFFIX = ".yaml"


def shop_stack() -> Path:
    """The demo shop's stack file: what a local target runs when it names no stack of its own."""
    return _on_disk(files(SHOP_PACKAGE) / "stack.yaml")


def catalogue() -> dict[str, Path]:
    """The catalogue's scenarios by name (the file name without ``.yaml``), in name order."""
    folder = _on_disk(files(CATALOGUE_PACKAGE))
    return {path.stem: path for path in sorted(folder.glob(f"*{SCENARIO_SUFFIX}"))}


def find_scenario(path: Path, folder: Path = Path()) -> Path:
    """A scenario named by a user: a file in ``folder``, or else the catalogue scenario of that name.

    A scenario file there always wins: ``orders-task-loss`` is ``orders-task-loss.yaml`` in the
    folder when there is one, so a team's own file is never swapped for the demo's. A bare name
    that is neither is refused here, with the names the catalogue has; a path with a folder in it
    is left to the scenario reader, which says what is wrong with it.
    """
    given = folder / path
    if _exists(given) or len(path.parts) != 1:
        return given
    name = path.name.removesuffix(SCENARIO_SUFFIX)
    beside = folder / (name + SCENARIO_SUFFIX)
    if _exists(beside):
        return beside
    scenarios = catalogue()
    if name in scenarios:
        return scenarios[name]
    known = ", ".join(scenarios)
    raise InputError(f"{path}: no such file, and no catalogue scenario '{name}' (catalogue: {known})")


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system: the reader says so
        return False


def _on_disk(resource: Traversable) -> Path:
    """The resource as a path: stack files and scenarios name other files beside them by path."""
    if not isinstance(resource, Path):
        raise EnvironmentProblem(
            f"gameday's packaged files are not on disk ({resource}): install gameday with pip"
        )
    return resource
