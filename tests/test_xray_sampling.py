"""The run's own X-Ray sampling rules: in the ledger before they exist, deleted however the run ends,
deleted by ``gameday rollback`` from a dead run's ledger, and a refusal that costs the trace
scores their verdict (INCONCLUSIVE), never the run.

moto implements no X-Ray sampling rule API, so X-Ray is botocore's Stubber on dummy credentials.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from aws_fault_run import TARGET, mocked_account
from botocore.client import BaseClient
from botocore.stub import Stubber
from xray_calls import FAULT_AT, Traces, run_with

from faults.revert import REVERTERS
from gameday.aws_session import aws_client
from gameday.cli import main
from gameday.errors import EnvironmentProblem
from gameday.evidence.aws import sampling
from gameday.evidence.aws.sampling import (
    ACCOUNT_RULES,
    KEPT,
    PICKUP_S,
    REVERT_ACTION,
    SAMPLING_ID,
    SamplingRules,
    rule_names,
    run_sampling,
    sampled_services,
)
from gameday.evidence.records import Verdict
from gameday.evidence.target import TargetEvidence
from gameday.ledger import Injected, Intent, Ledger
from gameday.run import sessions
from gameday.run.open_faults import refuse_if_unreverted
from gameday.run.orchestrator import Interrupted
from gameday.run.plan import build_plan
from gameday.scoring.retries import RetryAmplificationExpectation, score_retry_amplification
from gameday.scoring.testing import synthetic_scenario
from gameday.targets import AwsTarget

RUN_ID = "20261204T010203Z-ci-orders-kill-one"
AWS = {
    "kind": "aws",
    "region": "eu-west-1",
    "account_allowlist": ["123456789012"],  # moto's account, for the rollback through the CLI
    "entry_url": "https://shop.example",
}


def _xray() -> BaseClient:
    return boto3.client(
        "xray", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def _events(ledger: Ledger) -> list[str]:
    return [entry.event for entry in Ledger.read(ledger.path)]


def _expected_rule(name: str, service: str) -> dict[str, Any]:
    """What the run asks X-Ray for, spelt out (every field the service model requires)."""
    return {
        "SamplingRule": {
            "RuleName": name,
            "ResourceARN": "*",
            "Priority": 1,
            "FixedRate": 1.0,
            "ReservoirSize": 1,
            "ServiceName": service,
            "ServiceType": "*",
            "Host": "*",
            "HTTPMethod": "*",
            "URLPath": "*",
            "Version": 1,
        },
        "Tags": [{"Key": "gameday:run", "Value": RUN_ID}],
    }


def _refused(stub: Stubber, code: str = "AccessDeniedException", status: int = 400) -> None:
    message = "User is not authorized to perform: xray:CreateSamplingRule"
    stub.add_client_error("create_sampling_rule", code, message, status)


@pytest.fixture
def said() -> list[str]:
    return []


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "ledger.jsonl")


def test_the_rules_keep_every_request_and_are_deleted_at_the_end(ledger: Ledger, said: list[str]) -> None:
    xray, slept = _xray(), list[float]()
    names = rule_names(RUN_ID, ["bff", "orders"])
    in_ledger_at_create: list[list[str]] = []
    xray.meta.events.register(
        "before-parameter-build.xray.CreateSamplingRule",
        lambda **_: in_ledger_at_create.append(_events(ledger)),
    )
    with Stubber(xray) as stub:
        for name, service in zip(names, ["bff", "orders"], strict=True):
            stub.add_response("create_sampling_rule", {}, _expected_rule(name, service))
        for name in names:
            stub.add_response("delete_sampling_rule", {}, {"RuleName": name})
        rules = SamplingRules(xray, RUN_ID, ["bff", "orders"])
        with run_sampling(rules, ledger, said.append, slept.append) as kept:
            assert _events(ledger) == ["intent", "injected"]
            assert kept.gap is None
            assert kept.said.startswith("every request of bff, orders (the run's sampling rules gameday-")
        stub.assert_no_pending_responses()
    assert in_ledger_at_create == [
        ["intent"],
        ["intent"],
    ]  # the revert plan is written before any rule exists
    assert slept == [PICKUP_S]
    assert _events(ledger) == ["intent", "injected", "reverted"]
    intent = Ledger.read(ledger.path)[0]
    assert isinstance(intent, Intent)
    assert intent.revert_plan == {"action": REVERT_ACTION, "region": "eu-west-1", "rule_names": names}
    assert len(set(names)) == 2 and all(len(name) <= 32 for name in names)
    assert any(f"waiting {PICKUP_S:g} s for the SDKs" in line for line in said)
    assert said[-1] == f"deleted X-Ray sampling rules {', '.join(names)}"


def test_the_rules_name_the_services_as_their_segments_do_else_every_service() -> None:
    ecs = {"bff": {"cluster": "shop", "service": "bff"}, "orders": {"cluster": "shop", "service": "orders"}}
    assert sampled_services(AwsTarget.model_validate({**AWS, "services": ecs})) == ["bff", "orders"]
    named = AwsTarget.model_validate({**AWS, "services": ecs, "xray_services": ["shop-bff"]})
    assert sampled_services(named) == ["shop-bff"]
    assert sampled_services(AwsTarget.model_validate(AWS)) == ["*"]  # maps no service: every service
    for wrong in ([], [""], ["x" * 65]):  # a rule's ServiceName is 0 to 64 characters; none means none
        with pytest.raises(ValueError):
            AwsTarget.model_validate({**AWS, "xray_services": wrong})


def test_a_target_that_maps_no_service_keeps_every_service(ledger: Ledger, said: list[str]) -> None:
    xray = _xray()
    (name,) = rule_names(RUN_ID, ["*"])
    with Stubber(xray) as stub:
        stub.add_response("create_sampling_rule", {}, _expected_rule(name, "*"))
        stub.add_response("delete_sampling_rule", {}, {"RuleName": name})
        with run_sampling(SamplingRules(xray, RUN_ID, ["*"]), ledger, said.append, lambda _: None) as kept:
            assert kept.said.startswith("every request of every service")


def test_a_refused_rule_leaves_the_accounts_rules_and_a_gap_not_a_traceback(
    ledger: Ledger, said: list[str]
) -> None:
    xray = _xray()
    with Stubber(xray) as stub:
        _refused(stub)
        with run_sampling(SamplingRules(xray, RUN_ID, ["bff"]), ledger, said.append, lambda _: None) as kept:
            assert _events(ledger) == [
                "intent",
                "injected",
                "reverted",
            ]  # nothing was made, nothing to delete
        stub.assert_no_pending_responses()
    assert kept.said.startswith(ACCOUNT_RULES) and "AccessDeniedException" in kept.said
    assert kept.gap is not None and kept.gap.source == "traces"
    assert "xray:CreateSamplingRule" in kept.gap.reason and "xray_sampling: keep" in kept.gap.reason
    assert any("NOT created" in line and "INCONCLUSIVE" in line for line in said)
    (injected,) = [e for e in Ledger.read(ledger.path) if isinstance(e, Injected)]
    assert not injected.landed


def test_a_rule_refused_after_another_was_made_deletes_the_one_made(ledger: Ledger, said: list[str]) -> None:
    xray = _xray()
    first, _ = rule_names(RUN_ID, ["bff", "orders"])
    with Stubber(xray) as stub:
        stub.add_response("create_sampling_rule", {})
        _refused(stub, "RuleLimitExceededException")
        stub.add_response("delete_sampling_rule", {}, {"RuleName": first})
        with run_sampling(SamplingRules(xray, RUN_ID, ["bff", "orders"]), ledger, said.append) as kept:
            stub.assert_no_pending_responses()  # deleted at once, not at the end of the run
        assert kept.gap is not None and "RuleLimitExceededException" in kept.gap.reason
    assert _events(ledger) == ["intent", "injected", "reverted"]


def test_a_create_that_timed_out_may_have_made_the_rule_so_it_is_deleted(ledger: Ledger) -> None:
    xray = _xray()
    (name,) = rule_names(RUN_ID, ["bff"])
    with Stubber(xray) as stub:
        _refused(stub, "InternalFailure", 500)  # AWS may have made it before failing
        stub.add_response("delete_sampling_rule", {}, {"RuleName": name})
        with run_sampling(SamplingRules(xray, RUN_ID, ["bff"]), ledger, lambda _: None) as kept:
            assert kept.gap is not None
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("when", ["in the pickup wait", "during a create call"])
def test_an_interrupt_deletes_the_rules_and_records_it(ledger: Ledger, said: list[str], when: str) -> None:
    xray = _xray()
    (name,) = rule_names(RUN_ID, ["bff"])

    def interrupt(*_: object, **__: object) -> None:
        raise Interrupted("interrupted by SIGTERM")

    with Stubber(xray) as stub:
        stub.add_response("create_sampling_rule", {})
        if when == "during a create call":  # AWS made the rule, the run never heard: it is deleted
            xray.meta.events.register("after-call.xray.CreateSamplingRule", interrupt)
        stub.add_response("delete_sampling_rule", {}, {"RuleName": name})
        with (
            pytest.raises(Interrupted),
            run_sampling(SamplingRules(xray, RUN_ID, ["bff"]), ledger, said.append, interrupt),
        ):
            pytest.fail("the block must not run")
        stub.assert_no_pending_responses()
    assert _events(ledger)[-1] == "reverted" and ledger.unreverted() == []


def test_a_rule_already_gone_counts_as_deleted_and_one_still_there_does_not() -> None:
    xray = _xray()
    plan = {"action": REVERT_ACTION, "region": "eu-west-1", "rule_names": ["gameday-x-0"]}
    record = {"SamplingRule": _expected_rule("gameday-x-0", "bff")["SamplingRule"]}
    with Stubber(xray) as stub:
        for listed in ([], [record]):
            stub.add_client_error(
                "delete_sampling_rule", "InvalidRequestException", "Sampling rule does not exist"
            )
            stub.add_response("get_sampling_rules", {"SamplingRuleRecords": listed})
        assert (
            sampling.delete_rules_from_plan(plan, lambda _: xray)
            == "deleted X-Ray sampling rules gameday-x-0"
        )
        with pytest.raises(Exception, match="InvalidRequestException"):
            sampling.delete_rules_from_plan(plan, lambda _: xray)  # an invalid request, not a missing rule


def _run_folder(tmp_path: Path) -> Path:
    """A run folder on the AWS target, with ``targets.yaml`` next to ``runs/`` for rollback."""
    run_dir = tmp_path / "runs" / RUN_ID
    run_dir.mkdir(parents=True)
    (run_dir / "plan.json").write_text(json.dumps({"run_id": RUN_ID, "target": TARGET, "faults": []}))
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump({"targets": {TARGET: AWS}}))
    return run_dir


@pytest.fixture
def rollback_xray(monkeypatch: pytest.MonkeyPatch) -> Iterator[BaseClient]:
    """STS from moto (the account check), X-Ray stubbed: the clients ``gameday rollback`` makes."""
    xray = _xray()
    with mocked_account(monkeypatch):
        monkeypatch.setattr(
            "faults.kind.aws_client",
            lambda target, name: xray if name == "xray" else aws_client(target, name),
        )
        yield xray


def test_rollback_deletes_the_rules_of_a_run_that_died(
    tmp_path: Path, rollback_xray: BaseClient, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = _run_folder(tmp_path)
    ledger = Ledger(run_dir / "ledger.jsonl")
    rules = SamplingRules(rollback_xray, RUN_ID, ["bff", "orders"])
    ledger.intent(SAMPLING_ID, "xray-sampling-rule", "xray", rules.revert_plan())  # then SIGKILL
    with pytest.raises(EnvironmentProblem, match="xray-sampling"):
        refuse_if_unreverted(tmp_path, TARGET)  # the next run waits for the rollback
    first, second = rules.names
    with Stubber(rollback_xray) as stub:
        stub.add_response("delete_sampling_rule", {}, {"RuleName": first})
        stub.add_client_error(
            "delete_sampling_rule", "InvalidRequestException", "Sampling rule does not exist"
        )
        stub.add_response("get_sampling_rules", {"SamplingRuleRecords": []})  # never made: counts as deleted
        assert main(["rollback", str(run_dir), "--targets", str(tmp_path / "targets.yaml")]) == 0
        stub.assert_no_pending_responses()
    assert f"deleted X-Ray sampling rules {first}, {second}" in capsys.readouterr().out
    assert ledger.unreverted() == []
    refuse_if_unreverted(tmp_path, TARGET)


def test_a_failed_delete_stays_open_until_rollback_deletes_it(
    tmp_path: Path, rollback_xray: BaseClient
) -> None:
    run_dir = _run_folder(tmp_path)
    ledger, said = Ledger(run_dir / "ledger.jsonl"), list[str]()
    (name,) = rule_names(RUN_ID, ["bff"])
    with Stubber(rollback_xray) as stub:
        stub.add_response("create_sampling_rule", {})
        stub.add_client_error("delete_sampling_rule", "AccessDeniedException", "not authorized")
        with run_sampling(SamplingRules(rollback_xray, RUN_ID, ["bff"]), ledger, said.append, lambda _: None):
            pass
    assert _events(ledger) == ["intent", "injected", "failed_revert"]
    assert any("NOT deleted" in line and "gameday rollback" in line for line in said)
    (still_open,) = ledger.unreverted()
    assert still_open.revert_plan["action"] in REVERTERS
    with Stubber(rollback_xray) as stub:
        stub.add_response("delete_sampling_rule", {}, {"RuleName": name})
        assert main(["rollback", str(run_dir), "--targets", str(tmp_path / "targets.yaml")]) == 0
    assert ledger.unreverted() == []


def test_an_aws_session_holds_the_rules_for_its_whole_life_unless_the_target_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xray = _xray()
    monkeypatch.setattr(sessions, "preflight_plan", lambda target, plan, checked: "123456789012")
    monkeypatch.setattr("gameday.evidence.aws.sampling.aws_client", lambda target, service: xray)
    monkeypatch.setattr("gameday.evidence.aws.sampling.PICKUP_S", 0.0)
    orders = {"services": {"orders": {"cluster": "shop", "service": "orders"}}}
    target = AwsTarget.model_validate({**AWS, **orders, "xray_services": ["bff"]})
    plan = build_plan(synthetic_scenario(), target, "staging", run_id=RUN_ID)
    with Stubber(xray) as stub:
        stub.add_response("create_sampling_rule", {})
        with sessions.open_session(target, plan, tmp_path, lambda _: None) as session:
            assert session.trace_sampling.startswith("every request of bff")
            stub.add_response("delete_sampling_rule", {})  # only once the session ends
        stub.assert_no_pending_responses()
    kept = AwsTarget.model_validate({**AWS, "xray_sampling": "keep"})
    with Stubber(xray), sessions.open_session(kept, plan, tmp_path, lambda _: None) as session:
        assert session.trace_sampling == ACCOUNT_RULES  # and no X-Ray call was made (the stub holds none)


def test_a_refused_rule_makes_trace_scores_inconclusive_never_a_pass(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    traces = Traces()
    for i in range(6):  # six calls rescued by a retry: amplification 2, within the limit of 3
        at = FAULT_AT + i
        traces.call("catalog", [(at, at + 0.1, 503), (at + 0.15, at + 0.2, 200)])
    monkeypatch.setattr(sessions, "collect_aws", lambda *_, **__: TargetEvidence(traces=traces.documents))
    xray = _xray()
    with Stubber(xray) as stub:
        _refused(stub)
        with run_sampling(SamplingRules(xray, RUN_ID, ["bff"]), ledger, lambda _: None) as refused:
            pass
    target = AwsTarget.model_validate({**AWS, "xray_settle": 0})
    expectation = RetryAmplificationExpectation(score="retry_amplification", dependency="catalog", max=3)
    verdicts = []
    for in_effect in (KEPT, refused):
        session = sessions.AwsSession(target=target, entry_url=target.entry_url, sampling=in_effect)
        collected = session.collect(0.0, 0.0)
        (score,) = score_retry_amplification(expectation, run_with(collected.traces, gaps=collected.gaps))
        verdicts.append(score.verdict)
    assert verdicts == [Verdict.PASS, Verdict.INCONCLUSIVE]
