"""Score kinds: what a plugin provides is checked when it is built, and the loader finds every
installed kind, gameday's own and a package's, by each score name it grades."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Literal

import pytest
from plugin_dist import score_kind_module, write_distribution
from pydantic import BaseModel

import gameday.scoring
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score
from gameday.plugins import SCORES_GROUP, PluginError
from gameday.scoring.kind import ScoreKind
from gameday.scoring.latency import LATENCY
from gameday.scoring.registry import KINDS, load_score_kinds
from gameday.shared import Strict


def _grades_nothing(expectation: Strict, evidence: RunEvidence) -> list[Score]:
    return []


def test_a_kind_grades_every_name_of_its_literal() -> None:
    assert LATENCY.names == ("p50_latency_ms", "p95_latency_ms", "p99_latency_ms")
    assert all(KINDS[name] is LATENCY for name in LATENCY.names)


def test_every_kind_gameday_defines_is_registered() -> None:
    """A kind missing from pyproject.toml's entry points would silently never grade."""
    modules = [
        importlib.import_module(m.name)
        for m in pkgutil.iter_modules(gameday.scoring.__path__, "gameday.scoring.")
    ]
    defined = {value for module in modules for value in vars(module).values() if isinstance(value, ScoreKind)}
    assert defined == set(KINDS.values())


def test_the_model_must_be_a_strict_model() -> None:
    class Loose(BaseModel):
        score: Literal["loose"]

    with pytest.raises(TypeError, match=r"Loose'> is not a gameday\.shared\.Strict model"):
        ScoreKind(Loose, _grades_nothing)  # type: ignore[type-var, arg-type]


def test_the_score_field_must_be_a_literal_of_names() -> None:
    class Unnamed(Strict):
        threshold: float

    with pytest.raises(TypeError, match=r"Unnamed\.score must be a Literal of score names, e\.g\. score: "):
        ScoreKind(Unnamed, _grades_nothing)


def test_the_measure_must_be_callable() -> None:
    class Named(Strict):
        score: Literal["named"]

    with pytest.raises(TypeError, match="the measure of Named is not callable: 'score_named'"):
        ScoreKind(Named, "score_named")  # type: ignore[arg-type]


def test_an_installed_kind_is_loaded_beside_gamedays_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = {SCORES_GROUP: {"drain": "acme_drain:KIND"}}
    write_distribution(
        tmp_path, "acme-drain", points, {"acme_drain": score_kind_module("Drain", "'drain_s', 'drain_max'")}
    )
    monkeypatch.syspath_prepend(tmp_path)
    kinds = load_score_kinds()
    assert kinds["drain_s"] is kinds["drain_max"]
    assert kinds["drain_s"].expectation.__module__ == "acme_drain"
    assert {name: kind for name, kind in kinds.items() if not name.startswith("drain_")} == KINDS


def test_one_kind_under_two_entry_points_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    points = {SCORES_GROUP: {"twice": "acme_twice:KIND", "again": "acme_twice:KIND"}}
    write_distribution(tmp_path, "acme-twice", points, {"acme_twice": score_kind_module("Twice", "'twice'")})
    monkeypatch.syspath_prepend(tmp_path)
    with pytest.raises(PluginError) as refused:
        load_score_kinds()
    assert str(refused.value) == (
        "gameday.scores: 'acme_twice.Twice' is registered twice, by entry point 'again = acme_twice:KIND' "
        "of acme-twice and by entry point 'twice = acme_twice:KIND' of acme-twice"
    )
