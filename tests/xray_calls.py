"""Synthetic X-Ray documents, and a run around them, for scorer and trace reader tests.

:class:`Traces` writes them shaped as shop's bff sends them: a call is a ``<dependency>-call``
subsegment with one remote subsegment per attempt (see gameday/shop/downstream.py). Documents can be whole
or streamed: the segment first in progress and then complete, each call and each attempt as its
own document. :func:`remote_attempt`, :func:`aws_attempt` and :func:`sdk_segment` write them as
the standard SDKs do, with no wrapper and no annotation. Times are seconds after ``T0``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import FaultRecord, Gap, Phase, RequestRecord

T0 = 1_700_000_000.0
FAULT_AT, FAULT_END, RUN_END = 20.0, 40.0, 60.0
TIMEOUT = None  # an attempt that got no answer

_ids = itertools.count(1)


def _id() -> str:
    return f"{next(_ids):016x}"


def trace_id() -> str:
    """A new X-Ray trace id."""
    return f"1-{int(T0):08x}-{_id():0>24}"


def subsegment(name: str, start: float, end: float, *, fault: bool = False) -> dict[str, Any]:
    """A subsegment named ``name`` from ``start`` to ``end`` (seconds after ``T0``)."""
    entity: dict[str, Any] = {"name": name, "id": _id(), "start_time": T0 + start, "end_time": T0 + end}
    if fault:
        entity["fault"] = True
    return entity


def remote_attempt(
    start: float,
    end: float,
    status: int | None,
    *,
    host: str = "catalog:8080",
    path: str = "/items",
    method: str = "GET",
    fault: bool | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One request as an X-Ray SDK's HTTP client records it: named by host, ``namespace: remote``,
    the answer's status, or TIMEOUT for none; a fault when it failed unless ``fault`` says otherwise.
    ``fields`` are set on the subsegment as they are."""
    failed = status is None or status >= 500
    attempt = subsegment(host.split(":")[0], start, end, fault=failed if fault is None else fault)
    attempt["namespace"] = "remote"
    attempt["http"] = {"request": {"method": method, "url": f"http://{host}{path}"}}
    if status is not None:
        attempt["http"]["response"] = {"status": status}
    return {**attempt, **fields}


def aws_attempt(
    retries: int | None,
    *,
    status: int = 200,
    exception: dict[str, str] | None = None,
    service: str = "DynamoDB",
    **aws: Any,
) -> dict[str, Any]:
    """One AWS SDK call (``namespace: aws``) from 1 s to 1.5 s: a DynamoDB GetItem of table
    ``orders`` unless ``aws`` says otherwise; ``aws.retries`` when not None; an ``exception``
    (its type and message) makes it an error and a fault, as the Python SDK flags every error answer."""
    call = subsegment(service, 1.0, 1.5, fault=exception is not None)
    fields: dict[str, Any] = {"operation": "GetItem", "table_name": "orders", **aws}
    if retries is not None:
        fields["retries"] = retries
    call.update(namespace="aws", aws=fields, http={"response": {"status": status}})
    if exception is not None:
        call.update(error=True, cause={"exceptions": [exception]})
    return call


def sdk_segment(
    *subsegments: dict[str, Any],
    name: str = "web",
    aws: dict[str, Any] | None = None,
    request: str | None = None,
    start: float = 0.0,
    end: float = 100.0,
) -> dict[str, Any]:
    """A whole segment of service ``name`` from ``start`` to ``end`` holding ``subsegments``; the
    request it served when ``request`` (``GET http://web/items/1``) says, and its ``aws`` block
    (SDK, instance) when given."""
    segment: dict[str, Any] = {
        "trace_id": trace_id(),
        "id": _id(),
        "name": name,
        "start_time": T0 + start,
        "end_time": T0 + end,
        "subsegments": list(subsegments),
    }
    if request is not None:
        method, url = request.split(" ", 1)
        segment["http"] = {"request": {"method": method, "url": url}, "response": {"status": 200}}
    if aws is not None:
        segment["aws"] = aws
    return segment


@dataclass
class Traces:
    """Documents of calls from one caller, built call by call."""

    caller: str = "bff"
    instance: str | None = "bff-1"  # the caller's task, as the ECS plugin records it (None: not said)
    documents: list[dict[str, Any]] = field(default_factory=list)

    def call(
        self,
        dependency: str,
        attempts: list[tuple[float, float, int | None]],
        *,
        streamed: bool = False,
        annotated: bool = True,
    ) -> None:
        """One call with attempts (start, end, status or TIMEOUT); 5xx and timeouts fail."""
        start, end = attempts[0][0], attempts[-1][1]
        failed = attempts[-1][2] is None or (attempts[-1][2] or 0) >= 500
        call = subsegment(f"{dependency}-call", start, end, fault=failed)
        if annotated:
            outcome = "failed" if failed else "ok"
            call["annotations"] = {"dependency": dependency, "circuit_open": False, "outcome": outcome}
        attempt_docs = [self._attempt(dependency, n, *a) for n, a in enumerate(attempts, start=1)]
        self._emit(call, attempt_docs, streamed)

    def successes(self, dependency: str, start: float, n: int = 5, every: float = 0.5) -> None:
        """``n`` calls answered 200 at once, ``every`` seconds from ``start``: enough calls in a
        window for a score to judge (fewer than five are too few), changing nothing else."""
        for i in range(n):
            at = start + i * every
            self.call(dependency, [(at, at + 0.01, 200)])

    def short_circuit(self, dependency: str, at: float) -> None:
        """A call the breaker refused: 1 ms, no attempt."""
        call = subsegment(f"{dependency}-call", at, at + 0.001, fault=False)
        call["annotations"] = {
            "dependency": dependency,
            "circuit_open": True,
            "attempts": 0,
            "outcome": "short_circuit",
        }
        self._emit(call, [], streamed=False)

    def _emit(self, call: dict[str, Any], attempts: list[dict[str, Any]], streamed: bool) -> None:
        trace = trace_id()
        segment = {
            "name": self.caller,
            "id": _id(),
            "trace_id": trace,
            "start_time": call["start_time"] - 0.001,
            "end_time": call["end_time"] + 0.001,
            "http": {"request": {"method": "GET", "url": "http://bff/catalog"}, "response": {"status": 200}},
        }
        if self.instance is not None:
            segment["aws"] = {"ecs": {"container": self.instance}}
        if not streamed:
            self.documents.append({**segment, "subsegments": [{**call, "subsegments": attempts}]})
            return
        in_progress = {k: v for k, v in segment.items() if k != "end_time"}
        self.documents.append({**in_progress, "in_progress": True})
        self.documents.append(segment)
        self.documents.append({**call, "type": "subsegment", "trace_id": trace, "parent_id": segment["id"]})
        for attempt in attempts:
            self.documents.append(
                {**attempt, "type": "subsegment", "trace_id": trace, "parent_id": call["id"]}
            )

    def _attempt(
        self, dependency: str, number: int, start: float, end: float, status: int | None
    ) -> dict[str, Any]:
        failed = status is None or status >= 500
        attempt = subsegment(dependency, start, end, fault=failed)
        attempt["namespace"] = "remote"
        attempt["annotations"] = {"attempt": number, "dependency": dependency}
        attempt["http"] = {"request": {"method": "GET", "url": f"http://{dependency}/", "traced": True}}
        if status is not None:
            attempt["http"]["response"] = {"status": status, "content_length": 2}
        return attempt


def run_with(
    traces: Sequence[dict[str, Any]],
    *,
    requests: list[RequestRecord] | None = None,
    gaps: list[Gap] | None = None,
    landed: bool = True,
) -> RunEvidence:
    """A 60 s run: baseline [0, 20), fault [20, 40), recovery [40, 60); the fault landed for [20, 40)."""
    fault = FaultRecord(
        id="f1",
        kind="break-network",
        target="path:bff->catalog",
        planned_at=T0 + FAULT_AT,
        injected_at=T0 + FAULT_AT if landed else None,
        window_end=T0 + FAULT_END,
        reverted_at=T0 + FAULT_END if landed else None,
        landed=landed,
        detail="blackholed" if landed else "did not land",
    )
    return RunEvidence(
        run_id="synthetic",
        scenario_name="synthetic",
        target_name="local",
        started_at=T0,
        ended_at=T0 + RUN_END,
        phases=[
            Phase(name="baseline", start=T0, end=T0 + FAULT_AT),
            Phase(name="fault", start=T0 + FAULT_AT, end=T0 + FAULT_END),
            Phase(name="recovery", start=T0 + FAULT_END, end=T0 + RUN_END),
        ],
        requests=requests or [],
        traces=traces,
        faults=[fault],
        gaps=gaps or [],
    )
