"""Every finding rule on synthetic evidence, each with the case it must stay quiet on, and the
rule that a graded score decides over the rule's own default."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from xray_calls import FAULT_AT, FAULT_END, T0, TIMEOUT, Traces, run_with

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import MetricPoint, RequestRecord, ScalingActivity
from gameday.insights.findings import Finding, find
from gameday.scenario import Scenario
from gameday.scoring import score_run
from gameday.scoring.task_counts import DESIRED, NAMESPACE, RUNNING
from gameday.scoring.testing import synthetic_evidence, synthetic_scenario


def scenario(*expect: dict[str, Any]) -> Scenario:
    """The scenario run_with's evidence was "run" from: catalog blackholed from +20 s to +40 s."""
    return Scenario.model_validate(
        {
            "name": "synthetic",
            "description": "catalog is blackholed",
            "duration": "60s",
            "load": {"shape": "step", "users": 2, "step_users": 0, "step_every": "60s", "max_users": 2},
            "faults": [
                {"kind": "break-network", "at": "20s", "for": "20s", "target": {"path": "bff->catalog"}}
            ],
            "expect": list(expect) or [{"score": "availability", "phase": "baseline", "min": 0.5}],
        }
    )


def findings(evidence: RunEvidence, *expect: dict[str, Any]) -> list[Finding]:
    return find(evidence, score_run(scenario(*expect), evidence))


def rules(found: list[Finding]) -> list[str]:
    return [f.rule for f in found]


def retried(traces: Traces, gaps: list[float], statuses: list[int | None], at: float) -> None:
    """A call at ``at`` whose attempts take 0.1 s each, separated by ``gaps``."""
    attempts, start = [], at
    for n, status in enumerate(statuses):
        attempts.append((start, start + 0.1, status))
        start += 0.1 + (gaps[n] if n < len(gaps) else 0.0)
    traces.call("catalog", attempts)


# --- retries ------------------------------------------------------------------------------------


def test_retries_in_step_without_backoff_or_jitter_are_a_finding_with_their_gaps() -> None:
    traces = Traces()
    for i in range(10):
        retried(traces, [0.3, 0.3], [503, 503, 200], FAULT_AT + 1 + i)
    [finding] = findings(run_with(traces.documents))
    assert finding.rule == "retries-without-backoff"
    assert finding.title == "retries to catalog without backoff and jitter: callers retry in step"
    assert "averaged 0.30 s, 0.30 s" in finding.effect and "growth 1.00x" in finding.effect
    assert len(finding.traces) == 3 and finding.traces[0].url is None
    assert finding.score is None


def test_growing_jittered_gaps_are_not_a_finding() -> None:
    traces = Traces()
    for i in range(10):
        jitter = 0.05 * (i % 5)
        retried(traces, [0.1 + jitter, 0.3 + 2 * jitter], [503, 503, 200], FAULT_AT + 1 + i)
    assert findings(run_with(traces.documents)) == []


def test_trace_links_use_the_targets_console_when_it_has_one() -> None:
    traces = Traces()
    for i in range(10):
        retried(traces, [0.3, 0.3], [503, 503, 200], FAULT_AT + 1 + i)
    link = "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/{trace_id}"
    [finding] = findings(replace(run_with(traces.documents), trace_link=link))
    first = finding.traces[0]
    assert first.url == link.format(trace_id=first.trace_id)


def test_ten_attempts_per_failing_call_amplify_beyond_the_faults_error_rate() -> None:
    traces = Traces()
    for i in range(8):
        retried(traces, [0.0] * 9, [TIMEOUT] * 10, FAULT_AT + 1 + i)
    found = findings(run_with(traces.documents))
    amplified = next(f for f in found if f.rule == "retry-amplification")
    assert "10.00 per call while the fault failed 100.0% of first attempts" in amplified.effect
    assert "(2 retries per failed call would make 3.00)" in amplified.effect


def test_three_attempts_per_failing_call_are_within_the_default() -> None:
    traces = Traces()
    for i in range(8):
        retried(traces, [0.2, 0.5 + 0.1 * (i % 4)], [TIMEOUT] * 3, FAULT_AT + 1 + i)
    assert "retry-amplification" not in rules(findings(run_with(traces.documents)))


def test_a_graded_score_decides_over_the_rules_default() -> None:
    traces = Traces()
    for i in range(8):
        retried(traces, [0.0] * 9, [TIMEOUT] * 10, FAULT_AT + 1 + i)
    evidence = run_with(traces.documents)
    generous = {"score": "retry_amplification", "dependency": "catalog", "max": 12}
    assert "retry-amplification" not in rules(findings(evidence, generous))  # the PASS stands
    strict = {"score": "retry_amplification", "dependency": "catalog", "max": 2}
    [amplified] = [f for f in findings(evidence, strict) if f.rule == "retry-amplification"]
    assert amplified.score == "retry_amplification[dependency:catalog]"
    assert amplified.effect.startswith("80 attempts for 8 calls to catalog during fault")  # the score's why


# --- breakers -----------------------------------------------------------------------------------


def failing(traces: Traces, start: float, end: float, every: float = 1.0) -> None:
    at = start
    while at < end:
        traces.call("catalog", [(at, at + 0.5, TIMEOUT)])
        at += every


def opens(opens_after: float, sheds_until: float = FAULT_END, closes: bool = True) -> Traces:
    """catalog fails from the fault's start until its breaker opens ``opens_after`` seconds in,
    every call is then refused until ``sheds_until``, and (when it ``closes``) ten succeed after."""
    traces = Traces()
    failing(traces, FAULT_AT + 0.5, FAULT_AT + opens_after)
    for at in range(int(FAULT_AT + opens_after), int(sheds_until)):
        traces.short_circuit("catalog", at)
    if closes:
        traces.successes("catalog", FAULT_END + 1, n=10)
    return traces


def test_a_breaker_that_never_opened_on_a_dead_dependency_is_a_finding() -> None:
    traces = Traces()
    failing(traces, FAULT_AT + 0.5, FAULT_END)
    found = findings(run_with(traces.documents))
    assert rules(found)[0] == "breaker-never-opened"
    assert "20 of 20 calls to catalog failed during the outage (100.0%)" in found[0].effect


def test_a_breaker_that_opened_in_time_and_closed_after_is_not_a_finding() -> None:
    assert findings(run_with(opens(5.5).documents)) == []


def test_a_breaker_that_opened_17_seconds_in_opened_late() -> None:
    [late] = findings(run_with(opens(17).documents))
    assert late.rule == "breaker-opened-late"
    assert "opened 17.0 s after the fault began, after 17 failed calls" in late.effect


def test_a_breaker_still_refusing_calls_long_after_the_outage_is_stuck_open() -> None:
    [stuck] = findings(run_with(opens(5.5, sheds_until=60, closes=False).documents))
    assert stuck.rule == "breaker-stuck-open"
    assert "bff (bff-1)" in stuck.effect


def test_a_breaker_that_keeps_closing_on_lucky_calls_flaps() -> None:
    traces = Traces()
    failing(traces, FAULT_AT + 0.5, FAULT_AT + 3)
    for k in range(6):  # refused, then a lucky success closes it, then refused again …
        at = FAULT_AT + 4 + 2 * k
        traces.short_circuit("catalog", at)
        traces.call("catalog", [(at + 1, at + 1.1, 200)])
    traces.successes("catalog", FAULT_END + 1, n=10)
    found = findings(run_with(traces.documents))
    assert "breaker-flapped" in rules(found)
    assert (
        "opened or closed 12 times during the outage" in found[rules(found).index("breaker-flapped")].effect
    )


# --- scaling ------------------------------------------------------------------------------------


def counts(
    service: str, desired: list[tuple[float, int]], running: list[tuple[float, int]]
) -> list[MetricPoint]:
    dimensions = {"ClusterName": "c", "ServiceName": service}
    return [
        MetricPoint(t=T0 + t, namespace=NAMESPACE, name=name, dimensions=dimensions, value=v)
        for name, series in ((DESIRED, desired), (RUNNING, running))
        for t, v in series
    ]


def test_a_scale_out_that_hit_its_maximum_capacity_is_missing() -> None:
    capped = ScalingActivity(
        t=T0 + 25,
        service="bff",
        status="Failed",
        description="Setting desired count to 4.",
        cause="monitor alarm TargetTracking-bff-AlarmHigh in state ALARM",
        not_scaled=["AlreadyAtMaxCapacity"],
    )
    [missing] = findings(replace(run_with([]), scaling=[capped]))
    assert missing.rule == "scale-out-missing" and missing.subject == "service:bff"
    assert "AlreadyAtMaxCapacity" in missing.effect


def test_running_tasks_70_seconds_behind_the_desired_count_is_a_slow_scale_out() -> None:
    metrics = counts("bff", [(0, 2), (22, 4)], [(0, 2), (22, 2), (92, 4)])
    evidence = replace(run_with([]), metrics=metrics, ended_at=T0 + 100)
    [slow] = findings(evidence)
    assert slow.rule == "scale-out-slow"
    assert "rose to 4 at +22.0 s; running tasks took 70.0 s to follow" in slow.effect


def test_a_scale_out_followed_in_ten_seconds_is_not_a_finding() -> None:
    metrics = counts("bff", [(0, 2), (22, 4)], [(0, 2), (22, 2), (32, 4)])
    assert findings(replace(run_with([]), metrics=metrics)) == []


# --- recovery, replacement, fallback ------------------------------------------------------------


def requests(failing_until: float, end: float) -> list[RequestRecord]:
    """Ten requests a second; all fail from the fault's start until ``failing_until``."""
    made = []
    for tenth in range(int(end * 10)):
        t = tenth / 10
        bad = FAULT_AT <= t < failing_until
        made.append(
            RequestRecord(
                t=T0 + t,
                name="GET /catalog",
                method="GET",
                latency_ms=20,
                status=502 if bad else 200,
                ok=not bad,
            )
        )
    return made


def test_users_failing_25_seconds_after_a_20_second_fault_recovered_longer_than_the_fault() -> None:
    evidence = replace(run_with([], requests=requests(FAULT_END + 25, 90)), ended_at=T0 + 90)
    [slow] = findings(evidence)
    assert slow.rule == "recovery-longer-than-fault"
    assert "back to 99.0% 25.0 s after a 20.0 s fault" in slow.effect


def test_users_served_again_two_seconds_after_the_fault_is_not_a_finding() -> None:
    evidence = replace(run_with([], requests=requests(FAULT_END + 2, 90)), ended_at=T0 + 90)
    assert findings(evidence) == []


def test_stopped_tasks_never_replaced_explain_the_failed_task_recovery_score() -> None:
    evidence = synthetic_evidence(recovers_after=None)
    [finding] = find(evidence, score_run(synthetic_scenario(), evidence))
    assert (
        finding.rule == "task-replacement-slow" and finding.title == "stopped orders tasks were not replaced"
    )
    assert finding.score == "task_recovery_s[service:orders]"


def test_stopped_tasks_replaced_within_the_fault_are_not_a_finding() -> None:
    evidence = synthetic_evidence(recovers_after=7.0)
    assert find(evidence, score_run(synthetic_scenario(), evidence)) == []


def answered(documents: list[dict[str, Any]], status: int) -> list[dict[str, Any]]:
    """The caller's segments answering ``status`` to their own callers."""
    return [{**d, "http": {**d["http"], "response": {"status": status}}} for d in documents]


def test_requests_failing_whenever_their_call_failed_had_no_fallback() -> None:
    documents = opens(5.5).documents
    failed_calls = [d for d in documents if T0 + FAULT_AT <= d["start_time"] < T0 + FAULT_END]
    others = [d for d in documents if d not in failed_calls]
    [finding] = findings(run_with(answered(failed_calls, 503) + others))
    assert finding.rule == "no-fallback" and finding.mechanism == "fallback"
    assert "15 of 15 requests of bff whose call to catalog its breaker refused" in finding.effect
    assert "answered 503 (GET /catalog)" in finding.effect


def test_requests_answered_from_a_fallback_are_not_a_finding() -> None:
    assert findings(run_with(opens(5.5).documents)) == []


def test_a_run_whose_fault_did_not_land_has_no_findings() -> None:
    traces = Traces()
    failing(traces, FAULT_AT + 0.5, FAULT_END)
    evidence = run_with(traces.documents, landed=False)
    assert find(evidence, score_run(scenario(), evidence)) == []


def test_a_failed_mechanism_score_without_a_rule_of_its_own_is_named_with_its_why() -> None:
    traces = Traces()
    for i in range(8):
        traces.call("catalog", [(FAULT_AT + 1 + i, FAULT_AT + 1.5 + i, 503)])  # failed once, never retried
    evidence = run_with(traces.documents)
    found = findings(evidence, {"score": "retry_masking", "dependency": "catalog", "min": 0.5})
    masking = next(f for f in found if f.rule == "retries-not-masking")
    assert masking.title == "retries did not hide catalog's failures from callers"
    assert masking.score == "retry_masking[dependency:catalog]" and masking.mechanism == "retries"
    assert masking.effect.startswith("0.0% of 8 calls to catalog with a failed first attempt succeeded")
