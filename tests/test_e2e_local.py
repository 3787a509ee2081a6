"""A whole game day on localcloud: real shop processes, real load, a real kill, real evidence.

These tests check the verdicts against what really happened: the stopped task's process is gone,
the scheduler replaced it, traces arrived, and the run folder holds every report.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import pytest

from gameday.cli import main
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Verdict
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import pid_alive
from gameday.run.orchestrator import RunOutcome, run_game_day
from gameday.targets import LocalTarget

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e


def _target(shop: RunningLocalcloud) -> LocalTarget:
    return LocalTarget(
        kind="localcloud", stack=ROOT / "gameday" / "shop" / "stack.yaml", control_url=shop.client.base_url
    )


def _task_pids(shop: RunningLocalcloud, service: str) -> dict[str, int]:
    tasks = shop.client.state().services[service].tasks
    return {task.id: task.pid for task in tasks if task.status == "RUNNING"}


# The shipped ci-orders-kill-one game day, at half its length: `make test` runs the file itself as a
# scenario item; this run is the one whose every detail is checked against what happened.
KILL_ONE = """\
name: kill-one
description: Light step load while one orders task is stopped.
duration: 24s
load: {shape: step, flow: shop, users: 3, step_users: 3, step_every: 8s, max_users: 6, spawn_rate: 3}
faults:
  - {kind: kill-tasks, at: 8s, for: 8s, target: {service: orders}, count: 1}
expect:
  - {score: availability, phase: baseline, min: 0.99}
  - {score: availability, phase: fault, min: 0.95}
  - {score: availability, phase: recovery, min: 0.99}
  - {score: task_recovery_s, service: orders, max: 8s}
"""


@dataclass(frozen=True)
class KillOneRun:
    outcome: RunOutcome
    reports: Path
    pids_before: dict[str, int]
    job_page: Path


@pytest.fixture(scope="module")
def kill_one(shop: RunningLocalcloud, tmp_path_factory: pytest.TempPathFactory) -> KillOneRun:
    """One kill-one game day for the module: the truth checks and the re-scoring share it."""
    folder = tmp_path_factory.mktemp("kill-one")
    scenario = folder / "kill-one.yaml"
    scenario.write_text(KILL_ONE)
    pids_before = _task_pids(shop, "orders")
    assert len(pids_before) == 4
    job_page = folder / "step_summary.md"  # as GitHub Actions sets it for a step
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(job_page))
        outcome = run_game_day(scenario, "local", _target(shop), folder / "reports")
    return KillOneRun(outcome, folder / "reports", pids_before, job_page)


def test_orders_task_loss_is_real_and_graded_truthfully(
    shop: RunningLocalcloud, kill_one: KillOneRun
) -> None:
    outcome, pids_before, job_page = kill_one.outcome, kill_one.pids_before, kill_one.job_page

    evidence = RunEvidence.load(outcome.run_dir)
    (fault,) = evidence.faults
    assert fault.landed, fault.detail
    (killed,) = fault.affected
    # The task really died: its process is gone …
    assert killed in pids_before
    assert not pid_alive(pids_before[killed])
    # … localcloud saw it stopped by the user, and started a replacement afterwards.
    stops = [e for e in evidence.events if e.kind == "stopped" and e.task_id == killed]
    assert [e.stop_code for e in stops] == ["UserInitiated"]
    replacements = [
        e for e in evidence.events if e.service == "orders" and e.kind == "healthy" and e.t > stops[0].t
    ]
    assert replacements, "no replacement orders task became healthy"
    assert len(_task_pids(shop, "orders")) == 4

    # Traces arrived from every service on the request path, including the queue consumer.
    segments = [doc for doc in evidence.traces if doc.get("type") != "subsegment"]
    traced = {doc.get("name") for doc in segments}
    assert {"bff", "catalog", "orders", "worker"} <= traced

    # The verdicts match the evidence.
    card = outcome.card
    scores = {(s.name, s.subject): s for s in card.scores}
    fault_phase = next(p for p in evidence.phases if p.name == "fault")
    in_fault = [r for r in evidence.requests if fault_phase.start <= r.t < fault_phase.end]
    assert in_fault
    availability = scores[("availability", "phase:fault")]
    assert availability.value == pytest.approx(sum(r.ok for r in in_fault) / len(in_fault))
    recovery = scores[("task_recovery_s", "service:orders")]
    assert recovery.value is not None
    replacement_delay = replacements[0].t - stops[0].t
    assert 3.0 <= recovery.value <= replacement_delay + 2.0  # start delay 3 s, metrics sampled each second
    assert card.verdict is Verdict.PASS, card.reason
    # The job page got the run's summary, once.
    summary = (outcome.run_dir / "summary.md").read_text(encoding="utf-8")
    assert job_page.read_text(encoding="utf-8") == summary.rstrip("\n") + "\n\n"

    # Every report is there and says the same.
    run_dir = outcome.run_dir
    scores_json = json.loads((run_dir / "scores.json").read_text())
    assert scores_json["verdict"] == "PASS"
    assert "PASS" in (run_dir / "report.html").read_text()
    assert (run_dir / "charts" / "load.png").stat().st_size > 10_000
    suite = ElementTree.parse(run_dir / "junit.xml").getroot()
    assert suite.find(".//failure") is None
    assert (kill_one.reports / "latest").resolve() == run_dir.resolve()
    ledger = [json.loads(line)["event"] for line in (run_dir / "ledger.jsonl").read_text().splitlines()]
    assert ledger == ["intent", "injected", "reverted"]

    # The story: the kill and its replacement on the timeline, and no finding blames the good shop.
    timeline = json.loads((run_dir / "timeline.json").read_text())["events"]
    told = [e["what"] for e in timeline if e["kind"] == "task" and killed in e["what"]]
    assert told and told[0].startswith(f"orders task {killed}") and "stopped (UserInitiated" in told[0]
    assert json.loads((run_dir / "findings.json").read_text())["findings"] == []


def test_a_fault_that_cannot_land_makes_the_run_invalid(shop: RunningLocalcloud, tmp_path: Path) -> None:
    scenario = tmp_path / "worker-half.yaml"
    scenario.write_text(
        """\
name: worker-half
description: Half of one worker task is no task at all, so the fault cannot land.
duration: 8s
load: {shape: step, users: 1, step_users: 0, step_every: 10s, max_users: 1}
faults:
  - {kind: kill-tasks, at: 2s, for: 3s, target: {service: worker}, percent: 50}
expect:
  - {score: availability, min: 0.9}
"""
    )
    workers_before = _task_pids(shop, "worker")

    outcome = run_game_day(scenario, "local", _target(shop), tmp_path / "reports")

    assert outcome.card.verdict is Verdict.INVALID
    (fault,) = RunEvidence.load(outcome.run_dir).faults
    assert not fault.landed
    assert "worker" in fault.detail
    assert _task_pids(shop, "worker") == workers_before  # nothing was harmed


def test_report_command_rescores_from_the_run_folder_alone(
    kill_one: KillOneRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / kill_one.outcome.run_dir.name
    shutil.copytree(kill_one.outcome.run_dir, run_dir)
    first = json.loads((run_dir / "scores.json").read_text())
    (run_dir / "scores.json").unlink()
    (run_dir / "report.html").unlink()

    exit_code = main(["report", str(run_dir)])

    assert exit_code == {"PASS": 0, "FAIL": 1}.get(first["verdict"], 3)
    assert json.loads((run_dir / "scores.json").read_text()) == first
    assert (run_dir / "report.html").exists()
    assert "overall:" in capsys.readouterr().out
