"""One resilience score from 0 to 100: the share of graded scores that passed, weighted by mechanism.

A single number hides detail, so it is only honest if the reader can redo it: the weights are
fixed here and printed in every report, together with the categories that counted and how many
scores each one left out. Per category, PASS counts 1 and FAIL 0; INCONCLUSIVE is left out rather
than guessed, so missing evidence neither raises nor lowers the number. Categories with nothing
graded drop out and the weights of the rest are renormalised, so a scenario that only tests
retries is scored on retries alone. When the run cannot be trusted (INVALID, ABORTED) or nothing
was graded, there is no number at all: a default would read like a measurement.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict

from gameday.evidence.records import Score, Verdict

# Category, weight and the score-name patterns it owns, in report order.
CATEGORIES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("steady state", 40, ("availability", "*_latency_ms", "time_to_recover_s")),
    ("recovery & scaling", 25, ("task_recovery_s", "scaling_*", "scale_in_s", "slo_during_scaling")),
    ("retries", 15, ("retry_*",)),
    ("breakers", 20, ("breaker_*",)),
)
WEIGHTS: dict[str, int] = {name: weight for name, weight, _ in CATEGORIES}
UNTRUSTED = (Verdict.INVALID, Verdict.ABORTED)


class CategoryScore(BaseModel):
    """How one category fared: passed out of graded, and how many scores it could not grade."""

    model_config = ConfigDict(frozen=True)

    name: str
    weight: int
    passed: int
    graded: int
    excluded: int


class Resilience(BaseModel):
    """The overall resilience score, the weights it used and what it was made of."""

    model_config = ConfigDict(frozen=True)

    value: float | None  # 0..100, one decimal; None when no honest number exists
    weights: dict[str, int]
    categories: list[CategoryScore]  # every category with at least one score, graded or not
    uncategorised: list[str]  # score names no category owns, so not counted
    why: str

    def shown(self) -> str:
        return "n/a" if self.value is None else f"{self.value:.1f}/100"

    def counted(self, category: str) -> str:
        """What one category contributed, e.g. "3/4 passed, 1 inconclusive left out" or "not scored"."""
        found = next((c for c in self.categories if c.name == category), None)
        if found is None:
            return "not scored"
        left_out = f", {found.excluded} inconclusive left out" if found.excluded else ""
        return f"{found.passed}/{found.graded} passed{left_out}"

    def weights_text(self) -> str:
        """Every stated weight with what its category counted, on one line for terminals and junit."""
        return "; ".join(f"{name} {weight} ({self.counted(name)})" for name, weight in self.weights.items())


def category_of(score_name: str) -> str | None:
    for name, _, patterns in CATEGORIES:
        if any(fnmatchcase(score_name, pattern) for pattern in patterns):
            return name
    return None


def resilience(verdict: Verdict, scores: Sequence[Score]) -> Resilience:
    """Weighted mean of each category's pass share, times 100; pure, so a re-score gives the same."""
    categories = [_category(name, weight, scores) for name, weight, _ in CATEGORIES]
    present = [c for c in categories if c.graded or c.excluded]
    uncategorised = sorted({s.name for s in scores if category_of(s.name) is None})
    graded = [c for c in present if c.graded]
    excluded = sum(c.excluded for c in present)

    def result(value: float | None, why: str) -> Resilience:
        return Resilience(
            value=value, weights=dict(WEIGHTS), categories=present, uncategorised=uncategorised, why=why
        )

    if verdict in UNTRUSTED:
        return result(None, f"run {verdict.value}: its scores say nothing about resilience")
    if not graded:
        return result(None, f"no score could be graded ({excluded} inconclusive)")
    total_weight = sum(c.weight for c in graded)
    value = round(100 * sum(c.weight * (c.passed / c.graded) for c in graded) / total_weight, 1)
    why = f"weighted over {', '.join(c.name for c in graded)} (total weight {total_weight})"
    if excluded:
        why += f"; {excluded} inconclusive score{'s' if excluded != 1 else ''} left out"
    if uncategorised:
        why += f"; not weighted: {', '.join(uncategorised)}"
    return result(value, why)


def _category(name: str, weight: int, scores: Sequence[Score]) -> CategoryScore:
    mine = [s for s in scores if category_of(s.name) == name]
    return CategoryScore(
        name=name,
        weight=weight,
        passed=sum(1 for s in mine if s.verdict is Verdict.PASS),
        graded=sum(1 for s in mine if s.verdict in (Verdict.PASS, Verdict.FAIL)),
        excluded=sum(1 for s in mine if s.verdict is Verdict.INCONCLUSIVE),
    )
