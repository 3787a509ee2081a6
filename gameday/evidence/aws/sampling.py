"""A sampling rule of the run's own, so X-Ray keeps every trace of the stack while it runs.

X-Ray keeps a sample by default: one request a second and 5 % of the rest. Retry and breaker
scores judge calls, and too few calls are INCONCLUSIVE; so for the run's window an AWS run
creates, per service of the target, a rule that keeps every request (priority 1, fixed rate 1.0),
and deletes it when the session ends. The SDKs and the daemon poll rules every 10 s, so the run
waits :data:`PICKUP_S` before the load starts.

The rule changes the account, so it is handled like a fault: its revert plan is in the ledger
before it is created, and it is marked reverted once deleted. A run that dies leaves a ledger
from which ``gameday rollback`` deletes it (:func:`delete_rules_from_plan`), and until then the
next run on the target refuses to start. A target with ``xray_sampling: keep`` keeps the
account's own rules; a rule that cannot be created (no permission) leaves them too, said on the
console and in the report, and scores still judge what was sampled.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from faults.api_change import AwsClients
from faults.base import InjectOutcome
from gameday.aws_session import describe_error
from gameday.ledger import Ledger

SAMPLING_ID = "xray-sampling"  # the ledger's fault id for the run's rules
REVERT_ACTION = "aws-xray-sampling-rules"
PRIORITY = 1  # the highest: evaluated before the account's own rules
PICKUP_S = 12.0  # SDKs and the daemon fetch sampling rules every 10 s
ACCOUNT_RULES = (
    "the account's own sampling rules (X-Ray's default keeps 1 request a second and 5 % of the rest)"
)


def rule_names(run_id: str, services: list[str]) -> list[str]:
    """One rule name per service, within X-Ray's 32 characters and unique to the run."""
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:8]
    return [f"gameday-{digest}-{index}" for index, _ in enumerate(services)]


def sampling_rule(name: str, service: str) -> dict[str, Any]:
    """Keep every request of ``service`` (its segments' name), whatever its host, path or method."""
    return {
        "RuleName": name,
        "ResourceARN": "*",
        "Priority": PRIORITY,
        "FixedRate": 1.0,
        "ReservoirSize": 1,
        "ServiceName": service,
        "ServiceType": "*",
        "Host": "*",
        "HTTPMethod": "*",
        "URLPath": "*",
        "Version": 1,
    }


@contextmanager
def run_sampling(
    xray: BaseClient,
    run_id: str,
    services: list[str],
    ledger: Ledger,
    say: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """Keep every trace of ``services`` while the block runs; yield the sampling in effect."""
    names = rule_names(run_id, services)
    plan = {"action": REVERT_ACTION, "region": xray.meta.region_name, "rule_names": names}
    ledger.intent(SAMPLING_ID, "xray-sampling-rule", "xray", plan)
    created: list[str] = []
    try:
        for name, service in zip(names, services, strict=True):
            xray.create_sampling_rule(
                SamplingRule=sampling_rule(name, service), Tags=[{"Key": "gameday:run", "Value": run_id}]
            )
            created.append(name)
    except (ClientError, BotoCoreError) as error:
        why = describe_error(error)
        _delete_and_record(xray, created, ledger, say)
        say(f"X-Ray sampling rule not created ({why}): traces are sampled by {ACCOUNT_RULES}")
        yield f"{ACCOUNT_RULES}; the run's rule could not be created: {why}"
        return
    shown = ", ".join(f"{name} ({service})" for name, service in zip(names, services, strict=True))
    ledger.injected(SAMPLING_ID, InjectOutcome(landed=True, detail=f"sampling rules {shown}", affected=names))
    say(
        f"X-Ray keeps every trace of {', '.join(services)} (rules {', '.join(names)}); "
        f"waiting {PICKUP_S:g} s for the SDKs to fetch the rules"
    )
    sleep(PICKUP_S)
    try:
        yield f"every request of {', '.join(services)} (the run's rules {', '.join(names)}, fixed rate 100 %)"
    finally:
        _delete_and_record(xray, names, ledger, say)


def _delete_and_record(
    xray: BaseClient, names: list[str], ledger: Ledger, say: Callable[[str], None]
) -> None:
    """Delete the rules and mark them reverted; a failure stays open in the ledger for
    ``gameday rollback`` (the next run refuses to start until then), and the run goes on to its report."""
    if not names:
        ledger.reverted(SAMPLING_ID)
        return
    try:
        say(delete_rules(xray, names))
    except (ClientError, BotoCoreError) as error:
        ledger.failed_revert(SAMPLING_ID, describe_error(error))
        why = describe_error(error)
        say(f"X-Ray sampling rules {', '.join(names)} NOT deleted ({why}): run `gameday rollback`")
        return
    ledger.reverted(SAMPLING_ID)


def delete_rules(xray: BaseClient, names: list[str]) -> str:
    """Delete the rules; one already gone counts as deleted (a rollback may run twice)."""
    for name in names:
        try:
            xray.delete_sampling_rule(RuleName=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "InvalidRequestException" or _exists(
                xray, name
            ):
                raise
    return f"deleted X-Ray sampling rules {', '.join(names)}"


def _exists(xray: BaseClient, name: str) -> bool:
    """Whether the account still has the rule (DeleteSamplingRule answers a missing one with
    InvalidRequestException, as it does a malformed request)."""
    for page in xray.get_paginator("get_sampling_rules").paginate():
        if any(
            r.get("SamplingRule", {}).get("RuleName") == name for r in page.get("SamplingRuleRecords", [])
        ):
            return True
    return False


def delete_rules_from_plan(plan: dict[str, Any], clients: AwsClients) -> str:
    """``gameday rollback``'s reverter: delete the rules a dead run's ledger names."""
    return delete_rules(clients("xray"), [str(name) for name in plan["rule_names"]])
