"""The run's own X-Ray sampling rule: in the ledger before it exists, deleted however the run ends,
and deleted by ``gameday rollback`` from a dead run's ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.stub import ANY, Stubber

from faults.revert import REVERTERS
from gameday.evidence.aws.sampling import (
    ACCOUNT_RULES,
    PICKUP_S,
    REVERT_ACTION,
    delete_rules_from_plan,
    rule_names,
    run_sampling,
)
from gameday.ledger import Ledger
from gameday.targets import AwsTarget


def _xray() -> BaseClient:
    return boto3.client(
        "xray", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def _events(ledger: Ledger) -> list[str]:
    return [entry.event for entry in Ledger.read(ledger.path)]


def test_the_rules_keep_every_request_and_are_deleted_at_the_end(tmp_path: Path) -> None:
    xray, ledger = _xray(), Ledger(tmp_path / "ledger.jsonl")
    said: list[str] = []
    slept: list[float] = []
    names = rule_names("20261204T010203Z-run", ["bff", "orders"])
    seen_in_ledger: list[list[str]] = []
    xray.meta.events.register(
        "before-parameter-build.xray.CreateSamplingRule", lambda **_: seen_in_ledger.append(_events(ledger))
    )
    with Stubber(xray) as stub:
        for name, service in zip(names, ["bff", "orders"], strict=True):
            rule = {"RuleName": name, "ServiceName": service, "FixedRate": 1.0, "Priority": 1}
            expected = {
                "SamplingRule": {**_any_rule(), **rule},
                "Tags": [{"Key": "gameday:run", "Value": ANY}],
            }
            stub.add_response("create_sampling_rule", {}, expected)
        for name in names:
            stub.add_response("delete_sampling_rule", {}, {"RuleName": name})
        with run_sampling(
            xray, "20261204T010203Z-run", ["bff", "orders"], ledger, said.append, slept.append
        ) as sampling:
            assert _events(ledger) == ["intent", "injected"]
            assert sampling.startswith("every request of bff, orders")
        stub.assert_no_pending_responses()
    assert seen_in_ledger == [["intent"], ["intent"]]  # the revert plan is written before any rule exists
    assert slept == [PICKUP_S]
    assert _events(ledger) == ["intent", "injected", "reverted"]
    (intent,) = [e for e in Ledger.read(ledger.path) if e.event == "intent"]
    assert intent.revert_plan == {"action": REVERT_ACTION, "region": "eu-west-1", "rule_names": names}
    assert all(len(name) <= 32 for name in names)


def _any_rule() -> dict[str, Any]:
    return {
        "ResourceARN": "*",
        "ReservoirSize": ANY,
        "ServiceType": "*",
        "Host": "*",
        "HTTPMethod": "*",
        "URLPath": "*",
        "Version": 1,
    }


def test_a_rule_that_cannot_be_created_leaves_the_accounts_rules_and_says_so(tmp_path: Path) -> None:
    xray, ledger = _xray(), Ledger(tmp_path / "ledger.jsonl")
    said: list[str] = []
    with Stubber(xray) as stub:
        stub.add_client_error("create_sampling_rule", "AccessDeniedException", "not authorized", 403)
        with run_sampling(xray, "r", ["bff"], ledger, said.append, lambda _: None) as sampling:
            assert sampling.startswith(ACCOUNT_RULES) and "AccessDeniedException" in sampling
    assert _events(ledger) == ["intent", "reverted"]
    assert any("not created" in line for line in said)


def test_a_rule_already_gone_counts_as_deleted(tmp_path: Path) -> None:
    xray = _xray()
    with Stubber(xray) as stub:
        stub.add_client_error(
            "delete_sampling_rule", "InvalidRequestException", "Sampling rule does not exist"
        )
        stub.add_response("get_sampling_rules", {"SamplingRuleRecords": []})
        said = delete_rules_from_plan(
            {"action": REVERT_ACTION, "rule_names": ["gameday-x-0"]}, lambda _: xray
        )
    assert said == "deleted X-Ray sampling rules gameday-x-0"


def test_a_failed_delete_stays_open_for_rollback_which_deletes_it(tmp_path: Path) -> None:
    xray, ledger = _xray(), Ledger(tmp_path / "ledger.jsonl")
    said: list[str] = []
    with Stubber(xray) as stub:
        stub.add_response("create_sampling_rule", {})
        stub.add_client_error("delete_sampling_rule", "ThrottledException", "slow down", 429)
        with run_sampling(xray, "r", ["bff"], ledger, said.append, lambda _: None):
            pass
    assert _events(ledger) == ["intent", "injected", "failed_revert"]
    (open_fault,) = ledger.unreverted()
    assert open_fault.revert_plan["action"] in REVERTERS
    with Stubber(xray) as stub:
        stub.add_response("delete_sampling_rule", {}, {"RuleName": open_fault.revert_plan["rule_names"][0]})
        assert delete_rules_from_plan(open_fault.revert_plan, lambda _: xray).startswith("deleted")


def test_an_aws_target_keeps_every_trace_unless_it_says_keep() -> None:
    fields = {
        "kind": "aws",
        "region": "eu-west-1",
        "account_allowlist": ["111122223333"],
        "entry_url": "https://x",
    }
    assert AwsTarget.model_validate(fields).xray_sampling == "run-rule"
    assert AwsTarget.model_validate({**fields, "xray_sampling": "keep"}).xray_sampling == "keep"
    with pytest.raises(ValueError):
        AwsTarget.model_validate({**fields, "xray_sampling": "all"})


def test_an_aws_session_holds_the_rule_for_its_whole_life(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gameday.run import sessions
    from gameday.run.plan import build_plan
    from gameday.scoring.testing import synthetic_scenario

    xray = _xray()
    monkeypatch.setattr(sessions, "preflight_plan", lambda target, plan: "111122223333")
    monkeypatch.setattr(sessions, "aws_client", lambda target, service: xray)
    monkeypatch.setattr("gameday.evidence.aws.sampling.PICKUP_S", 0.0)
    fields = {
        "kind": "aws",
        "region": "eu-west-1",
        "account_allowlist": ["111122223333"],
        "entry_url": "https://x",
    }
    target = AwsTarget.model_validate({**fields, "xray_services": ["bff"]})
    plan = build_plan(synthetic_scenario(), "staging", run_id="r1")
    with Stubber(xray) as stub:
        stub.add_response("create_sampling_rule", {})
        stub.add_response("delete_sampling_rule", {})
        with sessions.open_session(target, plan, tmp_path, lambda _: None) as session:
            assert session.trace_sampling.startswith("every request of bff")
        stub.assert_no_pending_responses()
    kept = AwsTarget.model_validate({**fields, "xray_sampling": "keep"})
    with Stubber(xray), sessions.open_session(kept, plan, tmp_path, lambda _: None) as session:
        assert session.trace_sampling == ACCOUNT_RULES  # and no X-Ray call was made (the stub holds none)
