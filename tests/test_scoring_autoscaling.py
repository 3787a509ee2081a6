"""Auto scaling scores on synthetic evidence whose answers can be checked by hand.

The scaling run: 2 users in the baseline, 6 from +20 s (when the fault lands too), 2 again from
+40 s (when the fault ends). orders wants 2 tasks, 4 from +25 s (running 4 from +29 s), and 2 again
from +52 s: reaction 5 s, completion 4 s, scale-in 12 s, one turnaround.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Gap, LoadSecond, MetricPoint, ScalingActivity, Score, Verdict
from gameday.scenario import Scenario
from gameday.scoring.registry import build_pipeline
from gameday.scoring.resilience import category_of
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


@pytest.mark.parametrize(
    ("source", "expectation", "value"),
    [
        ("metrics", {"score": "scaling_reaction_s", "max": 10}, 5.0),
        ("requests", {"score": "slo_during_scaling", "min": 0.9}, 0.9),
    ],
)
def test_gaps_keep_the_value_but_do_not_grade(source: str, expectation: dict[str, Any], value: float) -> None:
    evidence = replace(_scaling_run(), gaps=[Gap(source=source, reason=f"{source}.jsonl is cut short")])
    score = _score(evidence, service="orders", **expectation)
    assert (score.value, score.verdict) == (value, Verdict.INCONCLUSIVE)
    assert f"{source}.jsonl is cut short" in score.why


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


# --- SLO during scaling: the scaling run's window is [+20 s, +29 s): trigger to 4 of 4 running.
# Its 90 requests include the first request of each fault second, which fails: 81/90 = 90 %.
# A fifth of the fault's requests take 900 ms, the rest 300 ms: p95 900 ms.


def test_slo_during_scaling_grades_the_requests_from_trigger_to_completion() -> None:
    score = _score(_scaling_run(), score="slo_during_scaling", service="orders", min=0.9)
    assert (score.value, score.verdict) == (0.9, Verdict.PASS)
    assert (score.window_start, score.window_end) == (T0 + 20, T0 + 29)
    assert (score.subject, score.unit, score.threshold) == ("service:orders", "ratio", 0.9)
    assert score.why == (
        "90.0% of 90 requests succeeded while orders scaled out (from when the load went from 2 to 6 "
        "users until 4 of 4 ran) (need ≥ 90.0%)"
    )
    strict = _score(_scaling_run(), score="slo_during_scaling", service="orders", min=0.91)
    assert (strict.value, strict.verdict) == (0.9, Verdict.FAIL)


def test_a_scale_out_in_steps_completes_when_its_last_step_runs() -> None:
    # Each step's task runs before the next sample could show it missing: 2 → 3 at +25, 3 → 4 at +30.
    steps = [(4, 4) if s >= 30 else (3, 3) if s >= 25 else (2, 2) for s in range(DURATION_S + 1)]
    evidence = replace(_scaling_run(), metrics=_counts("orders", steps))
    completion = _score(evidence, score="scaling_completion_s", service="orders", max="5s")
    assert (completion.value, completion.verdict) == (5.0, Verdict.PASS)
    assert completion.why.startswith("4 of 4 ran 5.0 s after desired count of orders went up")
    slo = _score(evidence, score="slo_during_scaling", service="orders", min=0.9)
    assert (slo.window_start, slo.window_end, slo.value) == (T0 + 20, T0 + 30, 0.9)  # 90 of 100 ok


def test_slo_during_scaling_checks_p95_when_asked() -> None:
    met = _score(_scaling_run(), score="slo_during_scaling", service="orders", min=0.9, p95_max_ms=900)
    assert met.verdict == Verdict.PASS
    assert "p95 900 ms (need ≤ 900 ms)" in met.why
    slow = _score(_scaling_run(), score="slo_during_scaling", service="orders", min=0.9, p95_max_ms=899)
    assert (slow.value, slow.verdict) == (0.9, Verdict.FAIL)
    assert "p95 900 ms (need ≤ 899 ms)" in slow.why


def test_slo_during_scaling_is_inconclusive_without_a_scale_out() -> None:
    score = _score(synthetic_evidence(), score="slo_during_scaling", service="orders", min=0.5)
    assert (score.value, score.verdict) == (None, Verdict.INCONCLUSIVE)
    assert "did not scale out" in score.why
    quiet = replace(_scaling_run(), load_seconds=_users([2] * DURATION_S), faults=[])
    assert _score(quiet, score="slo_during_scaling", service="orders", min=0.5).verdict == (
        Verdict.INCONCLUSIVE
    )
    no_metrics = _score(
        replace(_scaling_run(), metrics=[]), score="slo_during_scaling", service="orders", min=0.5
    )
    assert no_metrics.verdict == Verdict.INCONCLUSIVE


def test_slo_during_an_unfinished_scale_out_runs_to_the_end_of_the_run() -> None:
    stuck = [(2, 4 if s >= 25 else 2) for s in range(DURATION_S + 1)]
    evidence = replace(_scaling_run(), metrics=_counts("orders", stuck))
    score = _score(evidence, score="slo_during_scaling", service="orders", min=0.9)
    assert (score.value, score.verdict) == (0.975, Verdict.PASS)  # 390 of the last 400 requests
    assert (score.window_start, score.window_end) == (T0 + 20, T0 + DURATION_S)
    assert "never ran its raised desired count" in score.why


def test_slo_during_scaling_counts_in_recovery_and_scaling() -> None:
    assert category_of("slo_during_scaling") == "recovery & scaling"
