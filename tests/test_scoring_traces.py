"""Raw X-Ray documents become one record per downstream call, however the daemon received them."""

from __future__ import annotations

from typing import Any

import pytest
from xray_calls import T0, TIMEOUT, Traces

from gameday.traces import UNKNOWN_CALLER, read_traces


def parse_calls(documents):  # type: ignore[no-untyped-def]
    return read_traces(documents).calls


def _three_calls(streamed: bool) -> list[dict[str, Any]]:
    traces = Traces()
    traces.call("catalog", [(1.0, 1.2, 503), (1.25, 1.3, 200)], streamed=streamed)
    traces.call("catalog", [(2.0, 3.0, TIMEOUT), (3.1, 4.1, TIMEOUT)], streamed=streamed)
    traces.short_circuit("catalog", 5.0)
    return traces.documents


@pytest.mark.parametrize("streamed", [False, True], ids=["nested", "streamed"])
def test_calls_attempts_and_outcomes_are_read_from_nested_or_streamed_documents(streamed: bool) -> None:
    masked, failed, shed = parse_calls(_three_calls(streamed))

    assert (masked.caller, masked.dependency, masked.outcome) == ("bff", "catalog", "ok")
    assert masked.start == T0 + 1.0 and masked.end == T0 + 1.3
    assert [(a.status, a.failed) for a in masked.attempts] == [(503, True), (200, False)]
    assert failed.outcome == "failed"
    assert [(a.status, a.fault, a.failed) for a in failed.attempts] == [(None, True, True)] * 2
    assert (shed.outcome, shed.short_circuited, shed.attempts) == ("short_circuit", True, ())
    assert masked.trace_id != failed.trace_id


def test_documents_arriving_in_any_order_give_the_same_calls() -> None:
    documents = _three_calls(streamed=True)
    assert parse_calls(reversed(documents)) == parse_calls(documents)


def test_an_in_progress_document_is_replaced_by_its_complete_version_in_either_order() -> None:
    traces = Traces()
    traces.call("orders", [(1.0, 1.5, 200)])
    (segment,) = traces.documents
    call = segment["subsegments"][0]
    in_progress = {**segment, "subsegments": [{**call, "in_progress": True, "end_time": None}]}
    in_progress.pop("end_time")

    for documents in ([in_progress, segment], [segment, in_progress]):
        (parsed,) = parse_calls(documents)
        assert (parsed.outcome, parsed.end) == ("ok", T0 + 1.5)
    (unfinished,) = parse_calls([in_progress])
    assert (unfinished.outcome, unfinished.finished) == ("in_progress", False)


def test_calls_are_found_by_behaviour_without_shop_names_or_annotations() -> None:
    """Any X-Ray-instrumented caller: a bare remote subsegment under a segment is a one-attempt call."""
    traces = Traces(caller="checkout")
    traces.call("payments", [(1.0, 1.1, 502), (1.2, 1.3, 201)], annotated=False)
    bare = {
        "name": "web",
        "id": "aaaaaaaaaaaaaaaa",
        "trace_id": "1-6553f100-000000000000000000000001",
        "start_time": T0 + 2,
        "end_time": T0 + 3,
        "subsegments": [
            {"name": "inventory", "id": "bbbbbbbbbbbbbbbb", "namespace": "remote", "start_time": T0 + 2.1,
             "end_time": T0 + 2.2, "http": {"response": {"status": 404}}, "error": True},
            {"name": "render", "id": "cccccccccccccccc", "start_time": T0 + 2.3, "end_time": T0 + 2.4},
        ],
    }  # fmt: skip

    payments, inventory = parse_calls([*traces.documents, bare])

    assert (payments.caller, payments.dependency, payments.outcome, len(payments.attempts)) == (
        "checkout",
        "payments",
        "ok",
        2,
    )
    assert (inventory.caller, inventory.dependency, inventory.outcome) == ("web", "inventory", "ok")
    assert inventory.attempts[0].error and not inventory.attempts[0].failed  # a 4xx is an answer


def test_the_callee_segment_under_an_attempt_is_not_a_call_and_orphans_have_an_unknown_caller() -> None:
    traces = Traces()
    traces.call("catalog", [(1.0, 1.2, 200)])
    attempt_id = traces.documents[0]["subsegments"][0]["subsegments"][0]["id"]
    callee = {"name": "catalog", "id": "dddddddddddddddd", "trace_id": "1-x-y", "parent_id": attempt_id,
              "start_time": T0 + 1.01, "end_time": T0 + 1.19}  # fmt: skip
    orphan_call = {"type": "subsegment", "name": "orders-call", "id": "eeeeeeeeeeeeeeee", "trace_id": "1-x-z",
                   "parent_id": "ffffffffffffffff", "start_time": T0 + 3, "end_time": T0 + 3.001,
                   "annotations": {"dependency": "orders", "circuit_open": True}}  # fmt: skip

    catalog, orders = parse_calls([*traces.documents, callee, orphan_call])

    assert catalog.dependency == "catalog"
    assert (orders.caller, orders.outcome) == (UNKNOWN_CALLER, "short_circuit")


def test_the_same_ids_in_two_traces_are_two_calls() -> None:
    """X-Ray ids are unique within a trace only."""
    traces = Traces()
    traces.call("catalog", [(1.0, 1.2, 503), (1.3, 1.4, 200)], streamed=True)
    again = [{**doc, "trace_id": "1-6553f100-0000000000000000000000ff"} for doc in traces.documents]

    first, second = parse_calls([*traces.documents, *again])

    assert first.trace_id != second.trace_id
    assert [len(first.attempts), len(second.attempts)] == [2, 2]


@pytest.mark.parametrize(
    ("aws", "instance"),
    [
        ({"ecs": {"container": "ip-10-0-1-5"}}, "ip-10-0-1-5"),
        ({"eks": {"pod": "bff-7d9f-x2"}, "xray": {"sdk": "X-Ray for Python"}}, "bff-7d9f-x2"),
        ({"ec2": {"instance_id": "i-0abc"}}, "i-0abc"),
        ({"xray": {"sdk": "X-Ray for Python"}}, None),
        (None, None),
    ],
)
def test_a_call_knows_the_caller_instance_its_segment_names(
    aws: dict[str, Any] | None, instance: str | None
) -> None:
    traces = Traces(instance=None)
    traces.call("catalog", [(1.0, 1.2, 200)])
    (document,) = traces.documents
    if aws is not None:
        document["aws"] = aws
    (call,) = parse_calls([document])
    assert (call.caller, call.caller_instance) == ("bff", instance)
