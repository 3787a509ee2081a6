"""The overall resilience score, worked by hand on synthetic score lists."""

from __future__ import annotations

import pytest

from gameday.evidence.records import Score, Verdict
from gameday.scoring.registry import KINDS
from gameday.scoring.resilience import WEIGHTS, category_of, resilience

PASS, FAIL, INCONCLUSIVE = Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE


def score(name: str, verdict: Verdict) -> Score:
    return Score(
        name=name,
        subject="phase:fault",
        value=None if verdict is INCONCLUSIVE else 1.0,
        threshold=1.0,
        comparator=">=",
        unit="ratio",
        verdict=verdict,
        window_start=0.0,
        window_end=1.0,
        why="synthetic",
    )


def test_weights_are_stated_and_sum_to_100() -> None:
    assert WEIGHTS == {"steady state": 40, "recovery & scaling": 25, "retries": 15, "breakers": 20}
    assert sum(WEIGHTS.values()) == 100


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("availability", "steady state"),
        ("p99_latency_ms", "steady state"),
        ("time_to_recover_s", "steady state"),
        ("task_recovery_s", "recovery & scaling"),
        ("scaling_reaction_s", "recovery & scaling"),
        ("scale_in_s", "recovery & scaling"),
        ("retry_backoff", "retries"),
        ("breaker_fast_fail_ms", "breakers"),
        ("made_up", None),
    ],
)
def test_scores_fall_into_categories_by_name(name: str, category: str | None) -> None:
    assert category_of(name) == category


def test_every_registered_score_has_a_category() -> None:
    assert [name for name in KINDS if category_of(name) is None] == []


def test_all_passing_in_every_category_is_100() -> None:
    scores = [score(n, PASS) for n in ("availability", "task_recovery_s", "retry_masking", "breaker_shed")]
    result = resilience(PASS, scores)
    assert result.value == 100.0
    assert result.shown() == "100.0/100"


def test_weighted_mean_of_pass_shares_over_all_categories() -> None:
    scores = [
        score("availability", PASS),
        score("p95_latency_ms", FAIL),  # steady state 1/2
        score("task_recovery_s", PASS),  # recovery & scaling 1/1
        score("retry_masking", FAIL),  # retries 0/1
        score("breaker_shed", PASS),
        score("breaker_flapping", PASS),
        score("breaker_time_to_open_s", FAIL),
        score("breaker_time_to_close_s", PASS),  # breakers 3/4
    ]
    # 40 * 0.5 + 25 * 1 + 15 * 0 + 20 * 0.75 = 60, over a total weight of 100
    assert resilience(FAIL, scores).value == 60.0


def test_missing_categories_drop_out_and_the_rest_renormalise() -> None:
    scores = [score("availability", PASS), score("retry_backoff", FAIL)]
    result = resilience(FAIL, scores)
    assert result.value == 72.7  # 40 / (40 + 15) * 100 = 72.72…, to one decimal
    assert [c.name for c in result.categories] == ["steady state", "retries"]
    assert "total weight 55" in result.why
    assert result.counted("breakers") == "not scored"


def test_inconclusive_is_left_out_not_counted_as_a_failure() -> None:
    scores = [
        score("availability", PASS),
        score("p99_latency_ms", INCONCLUSIVE),
        score("breaker_shed", INCONCLUSIVE),  # breakers has nothing graded: it drops out
    ]
    result = resilience(INCONCLUSIVE, scores)
    assert result.value == 100.0
    assert "2 inconclusive scores left out" in result.why
    assert result.counted("steady state") == "1/1 passed, 1 inconclusive left out"
    assert result.counted("breakers") == "0/0 passed, 1 inconclusive left out"


def test_unknown_score_names_are_named_and_not_weighted() -> None:
    result = resilience(FAIL, [score("availability", FAIL), score("made_up", PASS)])
    assert result.value == 0.0
    assert result.uncategorised == ["made_up"]
    assert "not weighted: made_up" in result.why


@pytest.mark.parametrize("verdict", [Verdict.INVALID, Verdict.ABORTED])
def test_an_untrusted_run_has_no_number(verdict: Verdict) -> None:
    result = resilience(verdict, [score("availability", PASS)])
    assert result.value is None
    assert result.shown() == "n/a"
    assert verdict.value in result.why


@pytest.mark.parametrize("scores", [[], [score("availability", INCONCLUSIVE)]])
def test_nothing_graded_has_no_number(scores: list[Score]) -> None:
    result = resilience(INCONCLUSIVE, scores)
    assert result.value is None
    assert result.why.startswith("no score could be graded")


def test_weights_text_states_every_weight_and_what_counted() -> None:
    scores = [score("availability", PASS), score("task_recovery_s", FAIL)]
    assert resilience(FAIL, scores).weights_text() == (
        "steady state 40 (1/1 passed); recovery & scaling 25 (0/1 passed); "
        "retries 15 (not scored); breakers 20 (not scored)"
    )
