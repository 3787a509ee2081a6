"""An AWS run's evidence: collected once X-Ray has settled, sampled around the faults that landed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_evidence_helpers import REGION, dummy_credentials
from botocore.client import BaseClient
from test_evidence_aws_xray import SINCE, UNTIL, FakeXRay, _id, _summary

from gameday.aws_session import client_hook
from gameday.evidence.records import FaultRecord
from gameday.evidence.target import TargetEvidence
from gameday.run.sessions import AwsSession, landed_windows
from gameday.targets import AwsTarget, load_target

FAULT = (SINCE + 100, SINCE + 200)


@pytest.fixture(autouse=True)
def _credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dummy_credentials(tmp_path, monkeypatch)


class FakeClock:
    """Time that passes only when slept, so a 30 s wait takes no time in a test."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _target(**fields: object) -> AwsTarget:
    """A target mapping nothing but X-Ray: the session's only AWS calls are the trace calls."""
    return AwsTarget.model_validate(
        {
            "kind": "aws",
            "region": REGION,
            "account_allowlist": ["111122223333"],
            "entry_url": "https://shop.example.com",
            **fields,
        }
    )


class _Recorder:
    """Answers every X-Ray client the session makes, noting the clock when X-Ray was first asked."""

    def __init__(self, summaries: list[dict[str, Any]], clock: FakeClock) -> None:
        self._summaries = summaries
        self._clock = clock
        self.asked_at: float | None = None

    def __call__(self, client: BaseClient) -> None:
        if client.meta.service_model.service_name == "xray":
            client.meta.events.register("before-call.xray.GetTraceSummaries", self._note)  # before the answer
            FakeXRay(client, list(self._summaries))

    def _note(self, **_: object) -> None:
        self.asked_at = self.asked_at or self._clock()


def _collect(
    target: AwsTarget, clock: FakeClock, summaries: list[dict[str, Any]]
) -> tuple[TargetEvidence, list[str], float | None]:
    said: list[str] = []
    recorder = _Recorder(summaries, clock)
    session = AwsSession(target, target.entry_url, say=said.append, clock=clock, sleep=clock.sleep)
    with client_hook(recorder):
        evidence = session.collect(SINCE, UNTIL, [FAULT])
    return evidence, said, recorder.asked_at


def test_traces_are_collected_only_after_xray_settled_with_a_progress_line() -> None:
    clock = FakeClock(UNTIL + 2)
    evidence, said, asked_at = _collect(_target(xray_settle="30s"), clock, [_summary(n) for n in range(3)])
    assert clock.slept == [10, 10, 8]
    assert asked_at == UNTIL + 30
    assert said == [
        "waiting 28 s for X-Ray to make the last traces queryable (xray_settle)",
        "X-Ray settling: 18 s left",
        "X-Ray settling: 8 s left",
    ]
    assert len(evidence.traces) == 3 and evidence.gaps == []


def test_no_wait_when_the_settle_time_has_already_passed_or_is_zero() -> None:
    for settle, now in (("30s", UNTIL + 31), (0, UNTIL)):
        clock = FakeClock(now)
        _, said, _ = _collect(_target(xray_settle=settle), clock, [_summary(1)])
        assert clock.slept == [] and said == []


def test_above_the_target_cap_every_trace_in_a_landed_fault_window_is_kept() -> None:
    in_fault = [_summary(n, at=FAULT[0] + n) for n in range(8)]
    outside = [_summary(n) for n in range(100, 200)]
    clock = FakeClock(UNTIL + 60)
    evidence, _, _ = _collect(_target(xray_trace_cap=20), clock, in_fault + outside)
    fetched = {d["trace_id"] for d in evidence.traces}
    assert {_id(n) for n in range(8)} <= fetched
    assert len(fetched) < 60
    assert any("inside a fault window" in g.reason for g in evidence.gaps)


def _record(fault_id: str, landed: bool, injected: float | None, reverted: float | None) -> FaultRecord:
    return FaultRecord(
        id=fault_id,
        kind="kill-tasks",
        target="service:orders",
        planned_at=SINCE + 10,
        injected_at=injected,
        window_end=SINCE + 40,
        reverted_at=reverted,
        landed=landed,
        detail="",
    )


def test_landed_windows_run_from_injection_to_revert_or_planned_end() -> None:
    records = [
        _record("reverted", True, SINCE + 11, SINCE + 42),
        _record("never-reverted", True, SINCE + 12, None),
        _record("not-landed", False, SINCE + 13, SINCE + 40),
        _record("never-injected", False, None, None),
    ]
    assert landed_windows(records) == [(SINCE + 11, SINCE + 42), (SINCE + 12, SINCE + 40)]


def test_the_settle_time_and_cap_are_read_from_targets_yaml(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(
        "targets:\n  prod:\n    kind: aws\n    region: eu-west-1\n    account_allowlist: ['111122223333']\n"
        "    entry_url: https://shop.example.com\n    xray_settle: 45s\n    xray_trace_cap: 5000\n"
    )
    target = load_target(path, "prod")
    assert isinstance(target, AwsTarget)
    assert (target.xray_settle, target.xray_trace_cap) == (45, 5000)
    assert (_target().xray_settle, _target().xray_trace_cap) == (30, 20_000)
