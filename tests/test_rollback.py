"""``gameday rollback`` and the refusal to start: a killed run's ledger is enough to undo its faults."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_fault_run import TARGET, aws_target, killed_run, mocked_account
from aws_fault_run import client as aws_client

from faults.base import InjectOutcome
from faults.kind import RevertContext
from faults.plans import InvalidRevertPlan
from faults.queue.aws import throttle_queue_aws
from faults.queue.spec import ThrottleQueue
from faults.revert import REVERTERS, execute_revert_plan
from gameday.cli import main
from gameday.errors import EnvironmentProblem
from gameday.ledger import FailedRevert, Intent, Ledger, Reverted
from gameday.run.open_faults import refuse_if_unreverted

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "scenarios" / "ci-orders-kill-one.yaml"
KILL_PLAN = {
    "action": "none",
    "why": "stopped tasks are replaced by the service scheduler; there is nothing to undo",
    "service": "orders",
    "platform": "localcloud service orders",
}


def _killed_run(reports: Path, name: str, target: str = "local", plan: dict[str, Any] | None = None) -> Path:
    """A run folder as SIGKILL leaves it: plan.json, and a ledger with an intent but no ``reverted``."""
    run_dir = reports / "runs" / name
    run_dir.mkdir(parents=True)
    (run_dir / "plan.json").write_text(json.dumps({"run_id": name, "target": target, "faults": []}))
    ledger = Ledger(run_dir / "ledger.jsonl")
    # written as the line itself: a ledger from another gameday version may hold any plan
    intent = Intent(
        t=1.0,
        fault_id="f1-kill-tasks",
        kind="kill-tasks",
        target="service:orders",
        revert_plan=plan or KILL_PLAN,
    )
    (run_dir / "ledger.jsonl").write_text(intent.model_dump_json() + "\n")
    ledger.injected("f1-kill-tasks", InjectOutcome(landed=True, detail="stopped 1 of 2", affected=["t1"]))
    return run_dir


def _finished_run(reports: Path, name: str, target: str = "local") -> Path:
    run_dir = _killed_run(reports, name, target)
    Ledger(run_dir / "ledger.jsonl").reverted("f1-kill-tasks")
    return run_dir


def test_rollback_marks_a_killed_runs_fault_reverted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _killed_run(tmp_path, "20260101T000000Z-demo")
    assert main(["rollback", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "reverted 20260101T000000Z-demo f1-kill-tasks (kill-tasks on service:orders)" in out
    assert "nothing to undo: stopped tasks are replaced by the service scheduler" in out
    assert Ledger(run_dir / "ledger.jsonl").unreverted() == []
    assert isinstance(Ledger.read(run_dir / "ledger.jsonl")[-1], Reverted)


def test_a_second_rollback_does_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = _killed_run(tmp_path, "20260101T000000Z-demo")
    assert main(["rollback", str(run_dir)]) == 0
    lines_after_first = (run_dir / "ledger.jsonl").read_text()
    capsys.readouterr()
    assert main(["rollback", str(run_dir)]) == 0
    assert "nothing to roll back" in capsys.readouterr().out
    assert (run_dir / "ledger.jsonl").read_text() == lines_after_first


def test_an_unknown_action_is_a_clear_error_and_the_fault_stays_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _killed_run(tmp_path, "20260101T000000Z-demo", plan={"action": "restore-teleporter"})
    assert main(["rollback", str(run_dir)]) == 3
    err = capsys.readouterr().err
    assert err.strip().startswith(
        "gameday: rollback failed: run 20260101T000000Z-demo, fault f1-kill-tasks: "
        "unknown revert action 'restore-teleporter' (known: "
    )
    assert [f.fault_id for f in Ledger(run_dir / "ledger.jsonl").unreverted()] == ["f1-kill-tasks"]
    last = Ledger.read(run_dir / "ledger.jsonl")[-1]
    assert isinstance(last, FailedRevert) and "restore-teleporter" in last.error


def test_a_plan_with_a_missing_field_is_refused_before_anything_is_tried(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _killed_run(
        tmp_path, "20260101T000000Z-demo", plan={"action": "aws-sg-ingress", "group_id": "sg-1"}
    )
    assert main(["rollback", str(run_dir)]) == 3
    assert "invalid revert plan (aws-sg-ingress.rules: Field required)" in capsys.readouterr().err
    assert len(Ledger(run_dir / "ledger.jsonl").unreverted()) == 1


def test_a_plan_rollback_could_not_carry_out_is_never_written_to_the_ledger(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    with pytest.raises(InvalidRevertPlan, match=r"invalid revert plan \(plan: Input tag 'restore-tel"):
        ledger.intent("f1", "kill-tasks", "service:orders", {"action": "restore-teleporter"})
    assert Ledger.read(ledger.path) == []


def test_a_reverter_that_raises_is_recorded_as_failed_revert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_plan: dict[str, Any], _context: RevertContext) -> str:
        raise ConnectionError("control API refused")

    monkeypatch.setitem(REVERTERS, "none", broken)
    run_dir = _killed_run(tmp_path, "20260101T000000Z-demo", plan={"action": "none"})
    assert main(["rollback", str(run_dir)]) == 3
    assert "revert action 'none' failed: ConnectionError: control API refused" in capsys.readouterr().err
    assert len(Ledger(run_dir / "ledger.jsonl").unreverted()) == 1


def test_without_a_run_every_run_with_open_faults_is_rolled_back_newest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    older = _killed_run(tmp_path, "20260101T000000Z-demo")
    _finished_run(tmp_path, "20260102T000000Z-demo")
    newer = _killed_run(tmp_path, "20260103T000000Z-demo", target="staging")
    assert main(["rollback", "--reports", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in out] == [newer.name, older.name]
    assert Ledger(older / "ledger.jsonl").unreverted() == []
    assert Ledger(newer / "ledger.jsonl").unreverted() == []


def test_rollback_of_something_that_is_not_a_run_folder_exits_2(tmp_path: Path) -> None:
    assert main(["rollback", str(tmp_path)]) == 2


def test_a_plan_without_an_action_names_the_run_and_fault() -> None:
    context = RevertContext(run_id="r1", fault_id="f9-x", target_name="local")
    with pytest.raises(Exception, match="run r1, fault f9-x: the revert plan has no 'action'"):
        execute_revert_plan({"why": "?"}, context)


def test_refusal_matches_on_the_plans_target_only(tmp_path: Path) -> None:
    _killed_run(tmp_path, "20260101T000000Z-demo", target="staging")
    _finished_run(tmp_path, "20260102T000000Z-demo")
    refuse_if_unreverted(tmp_path, "local")  # staging's open fault does not block local
    run_dir = _killed_run(tmp_path, "20260103T000000Z-demo")
    with pytest.raises(EnvironmentProblem) as refused:
        refuse_if_unreverted(tmp_path, "local")
    assert str(refused.value) == (
        "target 'local' has 1 unreverted fault from run 20260103T000000Z-demo (f1-kill-tasks); "
        f"run `gameday rollback {run_dir}` first"
    )


def _gameday(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gameday.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_run_refuses_to_start_while_the_target_has_unreverted_faults(tmp_path: Path) -> None:
    """Through the CLI: exit 2, the message says which run and how to roll it back; nothing starts."""
    reports = tmp_path / "reports"
    run_dir = _killed_run(reports, "20260101T000000Z-ci-orders-kill-one")
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        f"targets:\n  local:\n    kind: localcloud\n    stack: {ROOT / 'gameday' / 'shop' / 'stack.yaml'}\n"
        f"    control_url: http://127.0.0.1:{_free_port()}\n"
    )
    result = _gameday("run", str(GOOD), "--targets", str(targets), "--reports", str(reports))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "gameday: target 'local' has 1 unreverted fault from run 20260101T000000Z-ci-orders-kill-one "
        f"(f1-kill-tasks); run `gameday rollback {run_dir}` first"
    )
    assert "Traceback" not in result.stderr
    assert [p.name for p in (reports / "runs").iterdir()] == [run_dir.name]  # no new run folder
    assert not (reports / "latest").exists()
    assert "starting localcloud" not in result.stdout + result.stderr

    rolled = _gameday("rollback", "--reports", str(reports))
    assert rolled.returncode == 0, rolled.stderr
    assert f"reverted {run_dir.name} f1-kill-tasks" in rolled.stdout


def test_rollback_refuses_an_account_outside_the_targets_allowlist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Credentials for another account (moto's is 123456789012) must not revert anything there."""
    with mocked_account(monkeypatch):
        sqs = aws_client("sqs")
        url = sqs.create_queue(QueueName="orders", Attributes={"DelaySeconds": "5"})["QueueUrl"]
        fault = ThrottleQueue.model_validate(
            {"kind": "throttle-queue", "at": 0, "for": 30, "target": {"queue": "orders"}}
            | {"mode": "delay", "delay": 60}
        )
        target = aws_target(queues={"orders": {"url": url}})
        injector = throttle_queue_aws(fault, target, aws_client, fault_id="f1")
        run_dir = killed_run(tmp_path, target, injector, "throttle-queue", "queue:orders")
        targets = yaml.safe_load((tmp_path / "targets.yaml").read_text())
        targets["targets"][TARGET]["account_allowlist"] = ["210987654321"]
        (tmp_path / "targets.yaml").write_text(yaml.safe_dump(targets))

        assert main(["rollback", str(run_dir), "--targets", str(tmp_path / "targets.yaml")]) == 3

        assert "account 123456789012 is not in the allowlist" in capsys.readouterr().err
        delay = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"]
        assert delay["DelaySeconds"] == "60"  # untouched: still the fault's value
        assert [i.fault_id for i in Ledger(run_dir / "ledger.jsonl").unreverted()] == ["f1"]


def test_every_revert_action_has_a_plan_model_and_a_reverter() -> None:
    from faults.plans import ACTIONS

    assert set(REVERTERS) == ACTIONS
