"""Auto scaling scores on synthetic evidence whose answers can be checked by hand.

The scaling run: 2 users in the baseline, 6 from +20 s (when the fault lands too), 2 again from
+40 s (when the fault ends). orders wants 2 tasks, 4 from +25 s (running 4 from +29 s), and 2 again
from +52 s: reaction 5 s, completion 4 s, scale-in 12 s, one turnaround.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Gap, LoadSecond, MetricPoint, ScalingActivity, Score, Verdict
from gameday.scenario import Scenario
from gameday.scoring.registry import build_pipeline
from gameday.scoring.task_counts import DESIRED, NAMESPACE, RUNNING
from gameday.scoring.testing import DURATION_S, T0, synthetic_evidence, synthetic_scenario


def _counts(service: str, running_desired: list[tuple[int, int]]) -> list[MetricPoint]:
    dimensions = {"ClusterName": "localcloud", "ServiceName": service}
    return [
        MetricPoint(t=T0 + second, namespace=NAMESPACE, name=name, dimensions=dimensions, value=value)
        for second, (running, desired) in enumerate(running_desired)
        for name, value in ((RUNNING, running), (DESIRED, desired))
    ]


def _users(users_at: list[int]) -> list[LoadSecond]:
    return [
        LoadSecond(t=T0 + s, users=u, requests=10, failures=0, p50_ms=100, p95_ms=200, p99_ms=200)
        for s, u in enumerate(users_at)
    ]


def _scaling_run() -> RunEvidence:
    def at(second: int) -> tuple[int, int]:
        desired = 4 if 25 <= second < 52 else 2
        running = 4 if 29 <= second < 53 else 2
        return running, desired

    users = [6 if 20 <= s < 40 else 2 for s in range(DURATION_S)]
    return replace(
        synthetic_evidence(),
        load_seconds=_users(users),
        metrics=_counts("orders", [at(s) for s in range(DURATION_S + 1)]),
    )


def _score(evidence: RunEvidence, **expectation: object) -> Score:
    scenario = synthetic_scenario().model_copy(update={"expect": []})
    parsed = Scenario.model_validate({**scenario.model_dump(by_alias=True), "expect": [expectation]})
    (scorer,) = build_pipeline(parsed.expect)
    (score,) = scorer(evidence)
    return score


@pytest.mark.parametrize(
    ("name", "value", "start", "end"),
    [
        ("scaling_reaction_s", 5.0, 20, 25),
        ("scaling_completion_s", 4.0, 25, 29),
        ("scale_in_s", 12.0, 40, 52),
    ],
)
def test_times_are_exact_and_pass_at_the_threshold(name: str, value: float, start: int, end: int) -> None:
    score = _score(_scaling_run(), score=name, service="orders", max=f"{value:g}s")
    assert (score.value, score.verdict) == (value, Verdict.PASS)
    assert (score.window_start, score.window_end) == (T0 + start, T0 + end)
    assert score.subject == "service:orders"


@pytest.mark.parametrize("name", ["scaling_reaction_s", "scaling_completion_s", "scale_in_s"])
def test_times_fail_above_the_threshold(name: str) -> None:
    score = _score(_scaling_run(), score=name, service="orders", max="3s")
    assert score.verdict == Verdict.FAIL
    assert "need ≤ 3.0 s" in score.why


def test_flapping_counts_turnarounds() -> None:
    assert _score(_scaling_run(), score="scaling_flapping", service="orders", max=1).value == 1
    wobbly = [(2, 2 + 2 * ((s // 10) % 2)) for s in range(DURATION_S + 1)]  # 2,4,2,4,2,4,2
    score = _score(
        replace(_scaling_run(), metrics=_counts("orders", wobbly)),
        score="scaling_flapping",
        service="orders",
        max=4,
    )
    assert (score.value, score.verdict) == (5, Verdict.FAIL)
    assert "2 → 4 → 2 → 4 → 2 → 4 → 2" in score.why


@pytest.mark.parametrize(
    "name", ["scaling_reaction_s", "scaling_completion_s", "scale_in_s", "scaling_flapping"]
)
def test_no_metrics_is_inconclusive(name: str) -> None:
    score = _score(replace(_scaling_run(), metrics=[]), score=name, service="orders", max=10)
    assert (score.value, score.verdict) == (None, Verdict.INCONCLUSIVE)


def test_metric_gaps_keep_the_value_but_do_not_grade() -> None:
    evidence = replace(_scaling_run(), gaps=[Gap(source="metrics", reason="metrics.jsonl is missing")])
    score = _score(evidence, score="scaling_reaction_s", service="orders", max=10)
    assert (score.value, score.verdict) == (5.0, Verdict.INCONCLUSIVE)
    assert "metrics.jsonl is missing" in score.why


def test_no_trigger_is_inconclusive() -> None:
    evidence = replace(_scaling_run(), load_seconds=_users([2] * DURATION_S), faults=[])
    score = _score(evidence, score="scaling_reaction_s", service="orders", max=10)
    assert score.verdict == Verdict.INCONCLUSIVE
    assert "nothing to react to" in score.why


def test_a_scaling_activity_before_the_metric_is_the_reaction() -> None:
    activity = ScalingActivity(
        t=T0 + 22,
        service="orders",
        status="Successful",
        description="Setting desired count to 4.",
        cause="alarm",
    )
    score = _score(
        replace(_scaling_run(), scaling=[activity]), score="scaling_reaction_s", service="orders", max=10
    )
    assert (score.value, score.verdict) == (2.0, Verdict.PASS)


def test_never_scaling_out_fails_once_the_evidence_covers_the_allowed_time() -> None:
    evidence = synthetic_evidence()  # orders stays at 4 desired
    assert _score(evidence, score="scaling_reaction_s", service="orders", max=30).verdict == Verdict.FAIL
    late = _score(evidence, score="scaling_reaction_s", service="orders", max=60)
    assert late.verdict == Verdict.INCONCLUSIVE  # 40 s observed of the 60 s allowed
    assert (
        _score(evidence, score="scaling_completion_s", service="orders", max=30).verdict
        == Verdict.INCONCLUSIVE
    )


def test_scale_in_is_inconclusive_when_the_load_never_drops() -> None:
    evidence = replace(_scaling_run(), load_seconds=synthetic_evidence().load_seconds)  # 2, 4, 6 users
    score = _score(evidence, score="scale_in_s", service="orders", max=30)
    assert score.verdict == Verdict.INCONCLUSIVE
    assert "never drops the load" in score.why
