"""Scoring on a synthetic run whose every answer is known (see gameday.scoring.testing)."""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

import pytest

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Gap, MetricPoint, Score, Verdict
from gameday.scenario import Expectation, Scenario
from gameday.scoring import ScoreCard, score_run
from gameday.scoring.recovery import TaskRecoveryExpectation
from gameday.scoring.registry import KINDS, build_pipeline
from gameday.scoring.task_counts import RUNNING
from gameday.scoring.testing import T0, synthetic_evidence, synthetic_scenario


def scores_by_key(card: ScoreCard) -> dict[str, Score]:
    return {f"{s.name}[{s.subject}]": s for s in card.scores}


def with_expectations(scenario: Scenario, *expect: dict[str, object]) -> Scenario:
    data = scenario.model_dump(by_alias=True)
    data["expect"] = list(expect)
    return Scenario.model_validate(data)


def test_synthetic_run_passes_with_exact_values() -> None:
    card = score_run(synthetic_scenario(), synthetic_evidence())
    assert card.verdict is Verdict.PASS
    assert card.reason == "all 6 scores passed"
    got = {key: (s.value, s.verdict) for key, s in scores_by_key(card).items()}
    assert got == {
        "availability[phase:baseline]": (1.0, Verdict.PASS),
        "availability[phase:fault]": (0.95, Verdict.PASS),
        "availability[phase:recovery]": (1.0, Verdict.PASS),
        "p95_latency_ms[phase:baseline]": (200.0, Verdict.PASS),
        "p95_latency_ms[phase:fault]": (900.0, Verdict.PASS),
        "task_recovery_s[service:orders]": (7.0, Verdict.PASS),
    }


def test_scores_carry_window_threshold_and_a_human_why() -> None:
    scores = scores_by_key(score_run(synthetic_scenario(), synthetic_evidence()))
    fault = scores["availability[phase:fault]"]
    assert (fault.window_start, fault.window_end) == (T0 + 20, T0 + 40)
    assert (fault.threshold, fault.comparator, fault.unit) == (0.95, ">=", "ratio")
    assert fault.why == "95.0% of 200 requests succeeded during fault (need ≥ 95.0%)"
    recovery = scores["task_recovery_s[service:orders]"]
    assert (recovery.window_start, recovery.window_end) == (T0 + 20, T0 + 27)
    expected = "orders back to 4 of 4 running tasks 7.0 s after f1-kill-tasks (need ≤ 10.0 s);"
    assert recovery.why.startswith(expected)
    assert "2 stopped, 2 started, 2 healthy" in recovery.why


def test_phase_all_is_the_whole_run() -> None:
    scenario = with_expectations(synthetic_scenario(), {"score": "availability", "phase": "all", "min": 0.98})
    (score,) = score_run(scenario, synthetic_evidence()).scores
    assert score.value == 590 / 600
    assert (score.window_start, score.window_end) == (T0, T0 + 60)
    assert "over the whole run" in score.why


@pytest.mark.parametrize(
    ("scenario", "evidence", "failing"),
    [
        (synthetic_scenario(fault_availability_min=0.96), synthetic_evidence(), "availability[phase:fault]"),
        (synthetic_scenario(), synthetic_evidence(fault_failure_seconds=11), "availability[phase:fault]"),
        (synthetic_scenario(task_recovery_max="6s"), synthetic_evidence(), "task_recovery_s[service:orders]"),
        (synthetic_scenario(), synthetic_evidence(recovers_after=12), "task_recovery_s[service:orders]"),
    ],
    ids=["stricter-availability", "more-failures", "stricter-recovery", "slower-recovery"],
)
def test_thresholds_turn_pass_into_fail(scenario: Scenario, evidence: RunEvidence, failing: str) -> None:
    card = score_run(scenario, evidence)
    assert card.verdict is Verdict.FAIL
    assert [key for key, s in scores_by_key(card).items() if s.verdict is Verdict.FAIL] == [failing]
    assert card.reason.startswith(f"1 of 6 scores failed: {failing}: ")


def test_threshold_is_inclusive() -> None:
    score = scores_by_key(score_run(synthetic_scenario(task_recovery_max="7s"), synthetic_evidence()))
    assert score["task_recovery_s[service:orders]"].verdict is Verdict.PASS


def test_a_failing_fraction_shows_enough_decimals_to_see_why() -> None:
    expect = {"score": "availability", "phase": "all", "min": 0.9834}
    scenario = with_expectations(synthetic_scenario(), expect)
    (score,) = score_run(scenario, synthetic_evidence()).scores
    assert score.verdict is Verdict.FAIL
    # With one decimal both would read 98.3% and the FAIL would look wrong.
    assert score.why == "98.33% of 600 requests succeeded over the whole run (need ≥ 98.34%)"


def test_never_recovering_fails_without_a_value() -> None:
    card = score_run(synthetic_scenario(), synthetic_evidence(recovers_after=None))
    score = scores_by_key(card)["task_recovery_s[service:orders]"]
    assert (score.verdict, score.value) == (Verdict.FAIL, None)
    assert score.why.startswith("orders never got back to its desired count: 2 of 4 running 40.0 s after")
    assert card.verdict is Verdict.FAIL


def test_recovery_must_hold_not_just_touch_the_desired_count() -> None:
    evidence = synthetic_evidence(recovers_after=9)
    blip = [
        p.model_copy(update={"value": 4.0})
        if p.name == RUNNING and p.dimensions["ServiceName"] == "orders" and p.t == T0 + 25
        else p
        for p in evidence.metrics
    ]
    score = scores_by_key(score_run(synthetic_scenario(), replace(evidence, metrics=blip)))
    assert score["task_recovery_s[service:orders]"].value == 9.0


def test_recovery_is_timed_only_after_the_dip_is_seen() -> None:
    # The +20 s sample (at the fault) still shows 4 of 4; that must not read as a 0 s recovery.
    scores = scores_by_key(score_run(synthetic_scenario(), synthetic_evidence()))
    assert scores["task_recovery_s[service:orders]"].value == 7.0
    no_dip = [p for p in synthetic_evidence().metrics if p.dimensions["ServiceName"] == "bff"]
    no_dip += [p.model_copy(update={"dimensions": {"ServiceName": "orders"}}) for p in no_dip]
    score = scores_by_key(score_run(synthetic_scenario(), replace(synthetic_evidence(), metrics=no_dip)))
    recovery = score["task_recovery_s[service:orders]"]
    assert recovery.verdict is Verdict.INCONCLUSIVE
    assert "never showed orders below its desired count" in recovery.why


def test_recovery_without_metrics_for_the_service_is_inconclusive() -> None:
    bff_only = [p for p in synthetic_evidence().metrics if p.dimensions["ServiceName"] == "bff"]
    card = score_run(synthetic_scenario(), replace(synthetic_evidence(), metrics=bff_only))
    score = scores_by_key(card)["task_recovery_s[service:orders]"]
    assert (score.verdict, score.value) == (Verdict.INCONCLUSIVE, None)
    assert "no RunningTaskCount/DesiredTaskCount metrics for orders" in score.why
    assert card.verdict is Verdict.INCONCLUSIVE
    assert card.reason.startswith("1 of 6 scores inconclusive: task_recovery_s[service:orders]")


def test_recovery_without_a_landed_fault_on_the_service_is_inconclusive() -> None:
    expect = {"score": "task_recovery_s", "service": "bff", "max": 5}
    scenario = with_expectations(synthetic_scenario(), expect)
    (score,) = score_run(scenario, synthetic_evidence()).scores
    assert score.verdict is Verdict.INCONCLUSIVE
    assert "no kill-tasks fault landed on service:bff" in score.why


def test_recovery_cut_short_by_the_end_of_evidence_is_inconclusive_not_fail() -> None:
    evidence = synthetic_evidence(recovers_after=None)
    short = replace(evidence, ended_at=T0 + 25, metrics=[p for p in evidence.metrics if p.t <= T0 + 25])
    score = scores_by_key(score_run(synthetic_scenario(), short))["task_recovery_s[service:orders]"]
    assert score.verdict is Verdict.INCONCLUSIVE
    assert "the evidence ends before the 10.0 s allowed" in score.why


def test_a_metrics_gap_makes_recovery_inconclusive_but_keeps_the_value() -> None:
    gap = Gap(source="metrics", reason="GetMetricData throttled")
    card = score_run(synthetic_scenario(), replace(synthetic_evidence(), gaps=[gap]))
    score = scores_by_key(card)["task_recovery_s[service:orders]"]
    assert (score.verdict, score.value) == (Verdict.INCONCLUSIVE, 7.0)
    assert "GetMetricData throttled" in score.why
    assert all(s.verdict is Verdict.PASS for s in card.scores if s.name != "task_recovery_s")


def test_a_requests_gap_makes_request_scores_inconclusive() -> None:
    gap = Gap(source="requests", reason="the load process recorded no requests")
    card = score_run(synthetic_scenario(), replace(synthetic_evidence(), gaps=[gap]))
    verdicts = {key: s.verdict for key, s in scores_by_key(card).items()}
    assert verdicts.pop("task_recovery_s[service:orders]") is Verdict.PASS
    assert set(verdicts.values()) == {Verdict.INCONCLUSIVE}
    assert card.verdict is Verdict.INCONCLUSIVE


def test_no_requests_in_a_phase_is_inconclusive_never_a_vacuous_pass() -> None:
    evidence = synthetic_evidence()
    without_recovery = [r for r in evidence.requests if r.t < T0 + 40]
    card = score_run(synthetic_scenario(), replace(evidence, requests=without_recovery))
    score = scores_by_key(card)["availability[phase:recovery]"]
    assert (score.verdict, score.value) == (Verdict.INCONCLUSIVE, None)
    assert score.why == "no requests were recorded during recovery"


def test_a_missing_phase_is_inconclusive() -> None:
    evidence = synthetic_evidence()
    card = score_run(synthetic_scenario(), replace(evidence, phases=evidence.phases[:1]))
    score = scores_by_key(card)["p95_latency_ms[phase:fault]"]
    assert score.verdict is Verdict.INCONCLUSIVE
    assert score.why == "the evidence has no fault phase"


def test_fault_that_did_not_land_makes_the_run_invalid() -> None:
    card = score_run(synthetic_scenario(), synthetic_evidence(landed=False))
    assert card.verdict is Verdict.INVALID
    assert card.reason == (
        "fault f1-kill-tasks (kill-tasks on service:orders) did not land: no running orders task to stop"
    )


def test_a_planned_fault_without_a_record_makes_the_run_invalid() -> None:
    card = score_run(synthetic_scenario(), replace(synthetic_evidence(), faults=[]))
    assert card.verdict is Verdict.INVALID
    assert "no record shows the kill-tasks fault on service:orders was injected" in card.reason


def test_aborted_outranks_everything() -> None:
    unlanded = synthetic_evidence(landed=False)
    evidence = replace(unlanded, aborted_reason="interrupted by SIGINT", ended_at=T0 + 30)
    card = score_run(synthetic_scenario(), evidence)
    assert (card.verdict, card.reason) == (Verdict.ABORTED, "run aborted: interrupted by SIGINT")
    recovery_phase = scores_by_key(card)["availability[phase:recovery]"]
    assert recovery_phase.why == "the run ended before the recovery phase began"
    fault_phase = scores_by_key(card)["availability[phase:fault]"]
    assert fault_phase.window_end == T0 + 30  # clipped to what happened


def test_fail_outranks_inconclusive() -> None:
    bff_only = [p for p in synthetic_evidence().metrics if p.dimensions["ServiceName"] == "bff"]
    evidence = replace(synthetic_evidence(fault_failure_seconds=20), metrics=bff_only)
    card = score_run(synthetic_scenario(), evidence)
    assert card.verdict is Verdict.FAIL


def test_every_expectation_kind_has_a_scorer_for_its_type() -> None:
    (union,) = get_args(Expectation)[:1]
    for model in get_args(union):
        for name in get_args(model.model_fields["score"].annotation):
            assert KINDS[name].expectation is model


def test_a_scorer_refuses_the_wrong_expectation() -> None:
    wrong = TaskRecoveryExpectation(score="task_recovery_s", service="orders", max=5)
    with pytest.raises(TypeError, match="grades AvailabilityExpectation"):
        KINDS["availability"].bind(wrong)


def test_pipeline_is_built_in_scenario_order() -> None:
    scenario = synthetic_scenario()
    assert len(build_pipeline(scenario.expect)) == len(scenario.expect)


def test_scoring_ignores_other_namespaces_and_services() -> None:
    noise = MetricPoint(
        t=T0 + 30, namespace="AWS/ECS", name=RUNNING, dimensions={"ServiceName": "orders"}, value=0.0
    )
    evidence = synthetic_evidence()
    card = score_run(synthetic_scenario(), replace(evidence, metrics=[*evidence.metrics, noise]))
    assert scores_by_key(card)["task_recovery_s[service:orders]"].value == 7.0
