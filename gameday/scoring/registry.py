"""Which scorer grades which expectation, checked when the kinds load and the pipeline is built
rather than when it runs.

The score kinds are every installed package's, gameday's own included, from the
``gameday.scores`` entry points (:mod:`gameday.plugins`); they are loaded once, when this module
is first imported, because the scenario model validates ``expect:`` entries against them. Like a
structlog processor chain, a scenario's expectations then become a list of small callables, each
bound to its expectation, before any evidence is looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import Any

from gameday.plugins import SCORES_GROUP, PluginError, load_plugins
from gameday.scoring.kind import AnyExpectation, BoundScorer, ScoreKind


def _model_path(kind: ScoreKind[Any]) -> str:
    """A kind is known by its expectation model: the entry point's own name is free (gameday's
    name the family, e.g. ``latency``), and two entry points of one kind are a conflict."""
    return f"{kind.expectation.__module__}.{kind.expectation.__qualname__}"


def load_score_kinds() -> dict[str, ScoreKind[Any]]:
    """Every installed score kind by each score name it grades, in entry-point order.

    A score name claimed by two kinds is an error naming both: which one grades a scenario must
    never depend on installation order.
    """
    by_name: dict[str, ScoreKind[Any]] = {}
    for kind in load_plugins(SCORES_GROUP, ScoreKind, _model_path).values():
        for name in kind.names:
            if name in by_name:
                first, second = _entry_point_of(by_name[name]), _entry_point_of(kind)
                raise PluginError(f"{SCORES_GROUP}: score '{name}' is claimed by {first} and by {second}")
            by_name[name] = kind
    if not by_name:
        raise PluginError(f"{SCORES_GROUP}: no score kind is installed; reinstall gameday")
    return by_name


def _entry_point_of(kind: ScoreKind[Any]) -> str:
    """Where an installed kind was registered, for an error message (the kinds are loaded already)."""
    for point in entry_points(group=SCORES_GROUP):
        if point.load() is kind:
            distribution = point.dist.name if point.dist is not None else "an unknown distribution"
            return f"entry point '{point.name} = {point.value}' of {distribution}"
    return _model_path(kind)


KINDS = load_score_kinds()
"""Every installed score kind by score name (``availability``, ``p95_latency_ms`` …)."""


def build_pipeline(expectations: Sequence[AnyExpectation]) -> list[BoundScorer]:
    """One bound scorer per expectation, in the scenario's order."""
    pipeline = []
    for expectation in expectations:
        kind = KINDS.get(expectation.score)
        if kind is None:
            raise LookupError(f"no score kind is installed for score '{expectation.score}'")
        pipeline.append(kind.bind(expectation))
    return pipeline
