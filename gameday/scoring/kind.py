"""A kind of score, whole: what a package registers in the ``gameday.scores`` entry-point group.

gameday's own scores are registered exactly like a team's, so adding one never means forking
gameday. A plugin author provides:

* an **expectation model**: a :class:`gameday.shared.Strict` model (frozen and closed, so a
  misspelt threshold is a validation error, not a default that silently passes) whose ``score``
  field is a ``Literal`` of the score names it grades (one, or several when one model grades them
  all, as ``p50_latency_ms`` / ``p95_latency_ms`` / ``p99_latency_ms`` share one), plus the fields
  a scenario's ``expect:`` entry sets (thresholds, ``phase``, ``service`` …). Score names are
  global: two installed kinds may not claim the same one;
* a **measure function** ``(expectation, evidence) -> list[Score]``: pure, it reads the run's
  :class:`~gameday.evidence.bundle.RunEvidence` and returns the
  :class:`~gameday.evidence.records.Score` values it grades (usually one), each with its verdict
  (INCONCLUSIVE when the evidence cannot tell, never a vacuous PASS), value, threshold, window
  and a one-line why;
* a module-level ``ScoreKind(Model, measure)`` and its entry point, e.g. in ``pyproject.toml``::

      [project.entry-points."gameday.scores"]
      queue_drain = "acme_scores:QUEUE_DRAIN"

The kind's module must not import :mod:`gameday.scenario` or :mod:`gameday.scoring.registry`:
the scenario model is built from the installed kinds, so it cannot exist while they load. See
"Write your own score" in the README for a whole example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, Literal, Protocol, TypeVar, get_args, get_origin

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.shared import Strict


class AnyExpectation(Protocol):
    """What gameday itself reads of any installed kind's expectation: the score it names. The
    scenario's ``expect:`` entries have this type for mypy; at run time they are the union of the
    installed models."""

    @property
    def score(self) -> str: ...


E = TypeVar("E", bound=Strict)
BoundScorer = Callable[[RunEvidence], list[Score]]
"""A measure function bound to one expectation: what the scoring pipeline runs on the evidence."""


@dataclass(frozen=True)
class ScoreKind(Generic[E]):
    """An expectation model together with the function that grades it.

    The model is checked when the kind is built, so a malformed plugin fails as it is loaded
    (one line naming its entry point) rather than when a scenario first uses it.
    """

    expectation: type[E]
    measure: Callable[[E, RunEvidence], list[Score]]
    names: tuple[str, ...] = field(init=False)
    """The score names the kind grades, from the model's ``score`` Literal."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", score_names(self.expectation))
        if not callable(self.measure):
            raise TypeError(f"the measure of {self.expectation.__name__} is not callable: {self.measure!r}")

    def bind(self, expectation: AnyExpectation) -> BoundScorer:
        """The measure, bound to one of the scenario's expectations."""
        if not isinstance(expectation, self.expectation):
            model, given = self.expectation.__name__, type(expectation).__name__
            raise TypeError(f"{self.measure.__name__} grades {model}, not {given}")
        return partial(self.measure, expectation)


def score_names(model: object) -> tuple[str, ...]:
    """The names in ``model.score``'s Literal; TypeError saying what to write when it has none."""
    if not (isinstance(model, type) and issubclass(model, Strict)):
        raise TypeError(f"{model!r} is not a gameday.shared.Strict model")
    annotation = getattr(model.model_fields.get("score"), "annotation", None)
    names = get_args(annotation) if get_origin(annotation) is Literal else ()
    if not names or not all(isinstance(name, str) and name for name in names):
        raise TypeError(
            f"{model.__name__}.score must be a Literal of score names, e.g. score: Literal['queue_drain_s']"
        )
    return names
