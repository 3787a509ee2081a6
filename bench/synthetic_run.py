"""A synthetic run folder as big as a long game day: the input of the scoring-at-scale benchmark.

Shaped like shop on X-Ray: each shopper request is a bff root segment whose call subsegments hold
one remote subsegment per attempt (retries with jittered exponential backoff), the catalog and
orders segments answering those attempts, and catalog's own call to inventory. Most traces
also arrive first as in-progress segments and a third are streamed (calls and attempts as
documents of their own), as the daemon receives them. Faults: catalog answers 30 % of attempts
with 503 and the path to orders is blackholed in the fault window, so bff's orders breaker opens,
sheds, probes and closes again. One bff task serves every request, so its breaker is the one
breaker the scores judge. requests.jsonl holds the shopper's view of the same requests.

Everything is drawn from a seeded generator and ids are counters, so the same size and seed give
byte-identical folders: a test can compare the scores of a small one with a saved copy.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gameday.evidence.bundle import TRACES_FILE, RunEvidence
from gameday.evidence.records import FaultRecord, Phase, RequestRecord

T0 = 1_800_000_000.0
RUN_S, FAULT_AT, FAULT_END = 600.0, 200.0, 400.0
ATTEMPTS = 3
BFF_TASK = {"ecs": {"container": "bff-1"}}  # one bff task, named as the ECS plugin names it
ORDERS_TIMEOUT_S = 1.0
BREAKER_FAILURES, BREAKER_OPEN_S = 5, 5.0

SCENARIO = f"""\
name: scoring-scale
description: Synthetic run for the scoring benchmark; catalog errors and a blackholed orders path.
duration: {RUN_S:g}s
load: {{shape: step, flow: shop, users: 4, step_users: 2, step_every: 60s, max_users: 16, spawn_rate: 4}}
faults:
  - {{kind: fail-requests, at: {FAULT_AT:g}s, for: {FAULT_END - FAULT_AT:g}s, target: {{path: bff->catalog}},
     share: 0.3, status: 503}}
  - {{kind: break-network, at: {FAULT_AT:g}s, for: {FAULT_END - FAULT_AT:g}s, target: {{path: bff->orders}},
     mode: blackhole}}
expect:
  - {{score: availability, phase: baseline, min: 0.99}}
  - {{score: availability, phase: fault, min: 0.5}}
  - {{score: p95_latency_ms, phase: baseline, max: 500}}
  - {{score: p99_latency_ms, phase: fault, max: 3500}}
  - {{score: time_to_recover_s, max: 20s}}
  - {{score: retry_masking, dependency: catalog, min: 0.9}}
  - {{score: retry_amplification, dependency: catalog, max: 1.6}}
  - {{score: retry_backoff, dependency: catalog, min_growth: 1.5}}
  - {{score: retry_amplification, dependency: inventory, phase: all, max: 1.1}}
  - {{score: breaker_time_to_open_s, dependency: orders, max: 10s}}
  - {{score: breaker_shed, dependency: orders, min: 0.8}}
  - {{score: breaker_fast_fail_ms, dependency: orders, max: 50}}
  - {{score: breaker_time_to_close_s, dependency: orders, max: 10s}}
  - {{score: breaker_flapping, dependency: orders, max: 2}}
"""


@dataclass(frozen=True)
class SyntheticRun:
    traces: int
    documents: int
    requests: int


@dataclass
class _Breaker:
    """bff's breaker in front of orders: opens after consecutive failed calls, probes when due."""

    failures: int = 0
    open_until: float | None = None

    def admits(self, t: float) -> bool:
        return self.open_until is None or t >= self.open_until

    def record(self, t: float, ok: bool) -> None:
        if ok:
            self.failures, self.open_until = 0, None
            return
        self.failures += 1
        if self.open_until is not None or self.failures >= BREAKER_FAILURES:
            self.open_until = t + BREAKER_OPEN_S


@dataclass
class _Trace:
    """The documents of one shopper request, built call by call."""

    rng: random.Random
    trace_id: str
    ids: Iterator[int]
    root: dict[str, Any]
    calls: list[dict[str, Any]] = field(default_factory=list)
    downstream: list[dict[str, Any]] = field(default_factory=list)

    def new_id(self) -> str:
        return f"{next(self.ids):016x}"

    def entity(self, name: str, start: float, end: float, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "id": self.new_id(),
            "start_time": round(start, 6),
            "end_time": round(end, 6),
            **extra,
        }

    def attempt(
        self, dependency: str, number: int, start: float, end: float, status: int | None
    ) -> dict[str, Any]:
        attempt = self.entity(dependency, start, end, namespace="remote")
        attempt["annotations"] = {"attempt": number, "dependency": dependency}
        attempt["http"] = {"request": {"method": "GET", "url": f"http://{dependency}/", "traced": True}}
        if status is not None:
            attempt["http"]["response"] = {"status": status, "content_length": 2}
        if status is None or status >= 500:
            attempt["fault"] = True
        return attempt

    def served(self, attempt: dict[str, Any], status: int, *, nested: list[dict[str, Any]]) -> dict[str, Any]:
        """The callee's segment answering an attempt, a document of its own."""
        segment = self.entity(
            str(attempt["name"]),
            attempt["start_time"] + 0.0005,
            attempt["end_time"] - 0.0005,
            trace_id=self.trace_id,
            parent_id=attempt["id"],
            http={"request": {"method": "GET", "url": "/"}, "response": {"status": status}},
            subsegments=nested,
        )
        if status >= 500:
            segment["fault"] = True
        self.downstream.append(segment)
        return segment

    def documents(self, in_progress: bool, streamed: bool) -> list[dict[str, Any]]:
        documents: list[dict[str, Any]] = []
        if in_progress:
            documents.append({k: v for k, v in self.root.items() if k != "end_time"} | {"in_progress": True})
        documents += self.downstream
        if not streamed:
            return [*documents, {**self.root, "subsegments": self.calls}]
        documents.append(self.root)
        for call in self.calls:
            parts = {k: v for k, v in call.items() if k != "subsegments"}
            documents.append(
                {**parts, "type": "subsegment", "trace_id": self.trace_id, "parent_id": self.root["id"]}
            )
            for attempt in call.get("subsegments", []):
                documents.append(
                    {**attempt, "type": "subsegment", "trace_id": self.trace_id, "parent_id": call["id"]}
                )
        return documents


class _Shop:
    """Draws the run: request times, attempt outcomes and the breaker's state, in time order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ids = iter(range(1, 1 << 62))
        self.breaker = _Breaker()

    def trace(self, n: int, t: float) -> tuple[_Trace, RequestRecord]:
        rng = self.rng
        trace_id = f"1-{int(t):08x}-{n:024x}"
        root = {"name": "bff", "id": "", "trace_id": trace_id, "start_time": round(t, 6), "aws": BFF_TASK}
        trace = _Trace(rng, trace_id, self.ids, root)
        root["id"] = trace.new_id()
        in_fault = T0 + FAULT_AT <= t < T0 + FAULT_END
        cursor, ok = self._catalog(trace, t + 0.001, in_fault)
        if rng.random() < 0.4:
            cursor, orders_ok = self._orders(trace, cursor + 0.001, in_fault)
            ok = ok and orders_ok
        end = cursor + 0.002
        status = 200 if ok else 503
        root["end_time"] = round(end, 6)
        root["http"] = {
            "request": {"method": "GET", "url": "http://bff/product"},
            "response": {"status": status},
        }
        if not ok:
            root["fault"] = True
        request = RequestRecord(
            t=t,
            name="GET /product",
            method="GET",
            latency_ms=round((end - t) * 1000 + 0.4, 3),
            status=status,
            ok=ok,
        )
        return trace, request

    def _catalog(self, trace: _Trace, start: float, in_fault: bool) -> tuple[float, bool]:
        rng, attempts, cursor, status = self.rng, [], start, 0
        for number in range(1, ATTEMPTS + 1):
            end = cursor + rng.uniform(0.004, 0.03)
            status = 503 if rng.random() < (0.3 if in_fault else 0.002) else 200
            attempt = trace.attempt("catalog", number, cursor, end, status)
            attempts.append(attempt)
            inventory = self._inventory(trace, cursor + 0.001, end - 0.001) if status == 200 else []
            trace.served(attempt, status, nested=inventory)
            if status == 200:
                break
            cursor = end + 0.05 * 2 ** (number - 1) * rng.uniform(0.5, 1.5)
        self._call(trace, "catalog", attempts, failed=status != 200)
        return attempts[-1]["end_time"], status == 200

    def _inventory(self, trace: _Trace, start: float, end: float) -> list[dict[str, Any]]:
        """catalog's single-attempt call to inventory: a remote subsegment right under its segment."""
        attempt = trace.attempt("inventory", 1, start, end, 200)
        trace.served(attempt, 200, nested=[])
        return [attempt]

    def _orders(self, trace: _Trace, start: float, in_fault: bool) -> tuple[float, bool]:
        if not self.breaker.admits(start):
            call = trace.entity("orders-call", start, start + 0.001)
            call["annotations"] = {
                "dependency": "orders",
                "circuit_open": True,
                "attempts": 0,
                "outcome": "short_circuit",
            }
            trace.calls.append(call)
            return start + 0.001, False
        probing = self.breaker.open_until is not None
        attempts, cursor, ok = [], start, False
        for number in range(1, 2 if probing else ATTEMPTS + 1):
            if in_fault:
                attempts.append(trace.attempt("orders", number, cursor, cursor + ORDERS_TIMEOUT_S, None))
                cursor += ORDERS_TIMEOUT_S + 0.1 * 2 ** (number - 1) * self.rng.uniform(0.5, 1.5)
                continue
            end = cursor + self.rng.uniform(0.02, 0.06)
            attempt = trace.attempt("orders", number, cursor, end, 200)
            sqs = trace.entity(
                "SQS", cursor + 0.005, end - 0.005, namespace="aws", aws={"operation": "SendMessage"}
            )
            trace.served(attempt, 200, nested=[sqs])
            attempts.append(attempt)
            ok = True
            break
        self.breaker.record(start, ok)
        self._call(trace, "orders", attempts, failed=not ok)
        return attempts[-1]["end_time"], ok

    @staticmethod
    def _call(trace: _Trace, dependency: str, attempts: list[dict[str, Any]], *, failed: bool) -> None:
        call = trace.entity(f"{dependency}-call", attempts[0]["start_time"], attempts[-1]["end_time"])
        outcome = "failed" if failed else "ok"
        call["annotations"] = {"dependency": dependency, "circuit_open": False, "outcome": outcome}
        call["subsegments"] = attempts
        if failed:
            call["fault"] = True
        trace.calls.append(call)


def write_synthetic_run(run_dir: Path, traces: int, *, seed: int = 7) -> SyntheticRun:
    """Write a whole run folder (scenario.yaml and the evidence files) of ``traces`` shopper requests.

    Traces are written as they are drawn, never held all at once: the generator must not need
    more memory than the scorer it measures.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    shop = _Shop(seed)
    requests: list[RequestRecord] = []
    documents = 0
    drawn = run_dir / f".{TRACES_FILE}.drawn"
    with drawn.open("w", encoding="utf-8") as handle:
        for n in range(traces):
            t = T0 + RUN_S * (n + shop.rng.random()) / traces
            trace, request = shop.trace(n, t)
            requests.append(request)
            in_progress, streamed = shop.rng.random() < 0.75, shop.rng.random() < 0.35
            for document in trace.documents(in_progress, streamed):
                handle.write(json.dumps(document, separators=(",", ":")))
                handle.write("\n")
                documents += 1
    _evidence(requests).save(run_dir)  # every file, traces.jsonl empty …
    drawn.replace(run_dir / TRACES_FILE)  # … until the drawn documents take its place
    (run_dir / "scenario.yaml").write_text(SCENARIO, encoding="utf-8")
    return SyntheticRun(traces=traces, documents=documents, requests=len(requests))


def _evidence(requests: list[RequestRecord]) -> RunEvidence:
    faults = [
        _fault("f1-fail-requests", "fail-requests", "path:bff->catalog", 0.1, "30% of requests answered 503"),
        _fault("f2-break-network", "break-network", "path:bff->orders", 0.2, "blackholed"),
    ]
    return RunEvidence(
        run_id="synthetic-scoring-scale",
        scenario_name="scoring-scale",
        target_name="local",
        started_at=T0,
        ended_at=T0 + RUN_S,
        phases=[
            Phase(name="baseline", start=T0, end=T0 + FAULT_AT),
            Phase(name="fault", start=T0 + FAULT_AT, end=T0 + FAULT_END),
            Phase(name="recovery", start=T0 + FAULT_END, end=T0 + RUN_S),
        ],
        requests=requests,
        faults=faults,
    )


def _fault(fault_id: str, kind: str, target: str, revert_s: float, detail: str) -> FaultRecord:
    """A fault that landed a moment after its planned time and was reverted a moment after its end."""
    return FaultRecord(
        id=fault_id,
        kind=kind,
        target=target,
        planned_at=T0 + FAULT_AT,
        injected_at=T0 + FAULT_AT + 0.3,
        window_end=T0 + FAULT_END,
        reverted_at=T0 + FAULT_END + revert_s,
        landed=True,
        detail=detail,
    )
