"""The timeline and the user impact, read from synthetic evidence with answers known by hand."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from test_findings import scenario
from xray_calls import FAULT_AT, FAULT_END, T0, TIMEOUT, Traces, run_with

from gameday.evidence.records import AlarmChange, LoadSecond, ScalingActivity
from gameday.insights.findings import find
from gameday.insights.impact import ALL_ROUTES, FAULT_WINDOW, user_impact, worst_seconds
from gameday.insights.timeline import Abort, build_timeline
from gameday.scenario import Guardrails
from gameday.scoring import score_run
from gameday.scoring.testing import synthetic_evidence


def test_the_synthetic_run_tells_its_story_in_time_order_with_sources() -> None:
    evidence = synthetic_evidence(recovers_after=7.0)
    events = build_timeline(evidence, None)
    told = [(round(e.t - T0, 1), e.kind, e.what, e.source) for e in events]
    assert told[:4] == [
        (0.0, "phase", "baseline began", "phases.json"),
        (20.0, "phase", "fault began", "phases.json"),
        (
            20.0,
            "fault",
            "f1-kill-tasks (kill-tasks) injected on service:orders: stopped 2 of 4 orders tasks",
            "faults.json",
        ),
        (20.0, "requests", "first failed request: GET /catalog answered 502 after 300 ms", "requests.jsonl"),
    ]
    assert (20.5, "task", "orders task orders-1a stopped (UserInitiated)", "events.jsonl") in told
    assert (23.5, "task", "orders task orders-3c started", "events.jsonl") in told
    assert (
        29.0,
        "requests",
        "last failed request: GET /catalog answered 502 after 300 ms (10 failed in all)",
        "requests.jsonl",
    ) in told
    assert [t for t, *_ in told] == sorted(t for t, *_ in told)
    marked = [(e.mark, e.what.split(":")[0]) for e in events if e.mark is not None]
    assert marked == [
        (1, "first failed request"),
        (2, "orders task orders-1a stopped (UserInitiated)"),
        (3, "last failed request"),
    ]


def test_breakers_open_and_close_per_caller_with_the_trace_that_shows_it() -> None:
    one, two = Traces(instance="bff-1"), Traces(instance="bff-2")
    for traces in (one, two):
        traces.successes("catalog", 5.0)
        traces.call("catalog", [(FAULT_AT + 0.5, FAULT_AT + 1.0, TIMEOUT)])
    one.short_circuit("catalog", FAULT_AT + 2)
    two.short_circuit("catalog", FAULT_AT + 3)
    one.call("catalog", [(FAULT_END + 1, FAULT_END + 1.1, 200)])
    two.call("catalog", [(FAULT_END + 4, FAULT_END + 4.1, 200)])
    events = [e for e in build_timeline(run_with(one.documents + two.documents), None) if e.kind == "breaker"]
    assert [(round(e.t - T0, 1), e.what, e.mark is not None) for e in events] == [
        (22.0, "the breaker of bff (bff-1) in front of catalog opened (first short-circuited call)", True),
        (23.0, "the breaker of bff (bff-2) in front of catalog opened (first short-circuited call)", False),
        (41.1, "the breaker of bff (bff-1) in front of catalog closed (first call answered again)", False),
        (44.1, "the breaker of bff (bff-2) in front of catalog closed (first call answered again)", True),
    ]
    assert all(e.trace_id and e.trace_id.startswith("1-") and e.source == "traces.jsonl" for e in events)


def test_a_flapping_breaker_is_summed_up_after_four_changes() -> None:
    traces = Traces()
    traces.call("catalog", [(FAULT_AT + 0.5, FAULT_AT + 1.0, TIMEOUT)])
    for k in range(5):
        traces.short_circuit("catalog", FAULT_AT + 2 + 2 * k)
        traces.call("catalog", [(FAULT_AT + 3 + 2 * k, FAULT_AT + 3.1 + 2 * k, 200)])
    events = [e.what for e in build_timeline(run_with(traces.documents), None) if e.kind == "breaker"]
    assert len(events) == 5
    assert events[-1] == "the breaker of bff (bff-1) in front of catalog changed 6 more times"


def test_guardrails_say_how_close_they_came_and_an_abort_is_marked() -> None:
    seconds = [
        LoadSecond(
            t=T0 + s, users=2, requests=10, failures=5 if 20 <= s < 24 else 0, p50_ms=10, p95_ms=20, p99_ms=30
        )
        for s in range(40)
    ]
    evidence = replace(synthetic_evidence(), load_seconds=seconds)
    rails = Guardrails(max_error_rate=0.5, max_p95_ms=100, window=10)
    abort = Abort(reason="guardrail: error rate above 0.1", breached_at=T0 + 33, reverted_at=T0 + 34)
    events = [e for e in build_timeline(evidence, rails, abort) if e.kind in ("guardrail", "abort")]
    assert [(round(e.t - T0), e.what, e.mark is not None) for e in events] == [
        (0, "guardrail max_p95_ms 100 ms: p95 latency over 10 s peaked at 20 ms", False),  # first reached
        (23, "guardrail max_error_rate 50.0%: the error rate over 10 s peaked at 20.0%", False),
        (33, "run aborted: guardrail: error rate above 0.1", True),
    ]


def test_scaling_activities_are_marked_with_what_stopped_them() -> None:
    activity = ScalingActivity(
        t=T0 + 25,
        service="bff",
        status="Failed",
        description="Setting desired count to 4.",
        cause="alarm",
        not_scaled=["AlreadyAtMaxCapacity"],
    )
    [event] = [
        e for e in build_timeline(replace(run_with([]), scaling=[activity]), None) if e.kind == "scaling"
    ]
    assert (
        event.what
        == "bff scaling activity Failed: Setting desired count to 4.; not scaled: AlreadyAtMaxCapacity"
    )
    assert event.mark == 1 and event.subject == "service:bff"


def test_impact_per_route_and_window_matches_the_synthetic_numbers() -> None:
    impact = user_impact(synthetic_evidence())
    rows = {(r.window, r.route): r for r in impact.routes}
    fault_all = rows[("fault", ALL_ROUTES)]
    assert (fault_all.requests, fault_all.failed, fault_all.availability) == (200, 10, 0.95)
    assert (fault_all.p50_ms, fault_all.p95_ms, fault_all.p99_ms) == (300, 900, 900)
    catalog = rows[("fault", "GET /catalog")]
    assert (catalog.requests, catalog.failed, catalog.availability) == (100, 10, 0.9)
    assert rows[("baseline", "POST /checkout")].p95_ms == 200
    window = rows[(FAULT_WINDOW, ALL_ROUTES)]
    assert (window.start - T0, window.end - T0, window.requests) == (20, 60, 400)  # injection to revert
    assert [r.window for r in impact.routes if r.route == ALL_ROUTES] == [
        "baseline",
        "fault",
        "recovery",
        FAULT_WINDOW,
    ]


def test_worst_seconds_rank_failures_first_then_latency() -> None:
    worst = worst_seconds(synthetic_evidence().requests)
    assert [round(s.t - T0) for s in worst] == [20, 21, 22, 23, 24]
    assert (worst[0].requests, worst[0].failed, worst[0].p95_ms) == (10, 1, 900)
    assert worst_seconds([]) == []


def test_a_stop_alarm_going_into_alarm_is_a_turning_point_and_its_return_is_listed() -> None:
    changes = [
        AlarmChange(
            t=T0 + 31, alarm="shop-5xx", old_state="OK", new_state="ALARM", reason="Threshold Crossed"
        ),
        AlarmChange(t=T0 + 47, alarm="shop-5xx", old_state="ALARM", new_state="OK", reason="back under"),
    ]
    events = [e for e in build_timeline(replace(run_with([]), alarms=changes), None) if e.kind == "alarm"]
    assert [(e.what, e.mark, e.source) for e in events] == [
        ("alarm shop-5xx OK → ALARM: Threshold Crossed", 1, "alarms.jsonl"),
        ("alarm shop-5xx ALARM → OK: back under", None, "alarms.jsonl"),
    ]


def test_every_recorded_sdk_case_reads_into_a_timeline_and_findings_that_claim_nothing_unseen() -> None:
    """Documents the real X-Ray SDKs and ADOT wrote (tests/data/xray), each as a run with a fault
    over them: nothing raises, the few calls give no finding, and the one case where a breaker
    refused a call shows that breaker opening, named as the SDK's segment names its caller."""
    corpus = Path(__file__).parent / "data" / "xray"
    cases = sorted(p for p in corpus.glob("*/*.json") if json.loads(p.read_text()).get("documents"))
    assert len(cases) > 40
    opened = {}
    for path in cases:
        documents = json.loads(path.read_text())["documents"]
        start = min(d["start_time"] for d in documents if "start_time" in d) - 5
        evidence = replace(run_with(documents), started_at=start, ended_at=start + 60)
        evidence = replace(
            evidence, faults=[evidence.faults[0].model_copy(update={"injected_at": start + 1})]
        )
        card = score_run(scenario(), evidence)
        assert find(evidence, card) == [], path.name
        user_impact(evidence)
        breakers = [e.what for e in build_timeline(evidence, None) if e.kind == "breaker"]
        if breakers:
            opened[f"{path.parent.name}/{path.stem}"] = breakers
    assert opened == {
        "python/botocore-dynamodb-breaker-wrapper": [
            "the breaker of web in front of orders-table opened (first short-circuited call)"
        ]
    }
