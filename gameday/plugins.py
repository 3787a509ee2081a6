"""Kinds of fault and score that installed packages add, found through entry points.

gameday's own kinds are registered the same way as a team's (the ``gameday.faults`` and
``gameday.scores`` groups in a package's ``pyproject.toml``), so there is one way in and the
built-in kinds prove it. A plugin that cannot be imported, that is not what its group expects or
whose name another package already took is one clear error naming the entry point and the
distribution it comes from, before any scenario is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points
from typing import Annotated, Any, TypeVar, Union

from pydantic import BaseModel, Field

from gameday.errors import GamedayError

FAULTS_GROUP = "gameday.faults"
SCORES_GROUP = "gameday.scores"

T = TypeVar("T")


class PluginError(GamedayError):
    """An installed plugin is broken: the environment's fault, not the scenario's."""

    exit_code = 2


def load_plugins(group: str, expected: type[T], name_of: Callable[[T], str]) -> dict[str, T]:
    """Every object registered in ``group``, keyed by the name ``name_of`` gives it.

    The entry point's value must be an instance of ``expected``. Two plugins claiming one name is
    an error: which one wins must never depend on installation order.
    """
    found: dict[str, T] = {}
    origin: dict[str, str] = {}
    for point in sorted(entry_points(group=group), key=lambda p: (p.name, p.value)):
        where = _describe(point)
        try:
            loaded = point.load()
        except Exception as exc:  # a plugin's import error is reported, not raised as a traceback
            raise PluginError(f"{group}: cannot load {where}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(loaded, expected):
            raise PluginError(f"{group}: {where} is a {type(loaded).__name__}, not a {expected.__name__}")
        name = name_of(loaded)
        if name in found:
            if origin[name] == where:
                continue  # the same distribution seen twice on sys.path (an editable install)
            raise PluginError(f"{group}: '{name}' is registered twice, by {origin[name]} and by {where}")
        found[name] = loaded
        origin[name] = where
    return found


def _describe(point: EntryPoint) -> str:
    distribution = point.dist.name if point.dist is not None else "an unknown distribution"
    return f"entry point '{point.name} = {point.value}' of {distribution}"


def tagged_union(models: Sequence[type[BaseModel]], tag: str) -> Any:
    """One pydantic type for any of ``models`` (the installed kinds'), told apart by their ``tag`` field.

    An unknown tag is then one error listing the known ones, and a known one reports only its own
    model's problems. One model is itself: a discriminator needs a union.
    """
    unique = tuple(dict.fromkeys(models))
    if len(unique) == 1:
        return unique[0]
    return Annotated[Union[unique], Field(discriminator=tag)]  # noqa: UP007 (built at run time)
