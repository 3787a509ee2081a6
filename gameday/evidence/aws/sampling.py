"""A sampling rule of the run's own, so X-Ray keeps every trace of the stack while it runs.

X-Ray keeps a sample by default: one request a second and 5 % of the rest. Retry and breaker
scores judge calls, and too few calls are INCONCLUSIVE; so for the run an AWS target creates,
per service, a rule that keeps every request (priority 1, fixed rate 100 %), and deletes it when
the session ends. ``xray_services`` names the services as their segments do; by default they are
the target's service keys, and a target that maps no service gets one rule for every service
(``*``) rather than none, since its traces are graded all the same.

The rules change the account, so they are a fault-shaped pair (:class:`SamplingRules` is an
:class:`faults.base.Injector`): the revert plan is in the ledger before the first rule exists,
the rules are deleted and marked reverted however the run ends, the dry run lists the calls, and
a run that died leaves a ledger from which ``gameday rollback`` deletes them
(:func:`delete_rules_from_plan`); until then the next run on the target refuses to start.

A target with ``xray_sampling: keep`` keeps the account's own rules. A rule that cannot be made
(no ``xray:CreateSamplingRule``, the account's rule limit) leaves them too: the run goes on, says
so, and records a gap in its trace evidence, so trace scores are INCONCLUSIVE rather than judged
on a sample the run did not ask for.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from faults.api_change import AwsClients, call
from faults.base import InjectOutcome
from faults.fis.parts import RUN_TAG
from gameday.aws_session import aws_client, describe_error
from gameday.evidence.records import Gap
from gameday.ledger import Ledger
from gameday.targets import AwsTarget

SAMPLING_ID = "xray-sampling"  # the ledger's fault id for the run's rules
REVERT_ACTION = "aws-xray-sampling-rules"
EVERY_SERVICE = "*"
PRIORITY = 1  # X-Ray's highest (1 to 9999): matched before any rule of the account's own
# Requests kept each second before the fixed rate applies; at a fixed rate of 100 % the rest are
# kept as well, so its size changes nothing.
RESERVOIR = 1
# The SDKs fetch rules only every 5 minutes, but report to GetSamplingTargets every 10 s (plus
# jitter) while a rule matches requests, and fetch the rules at once when its answer says they
# changed (LastRuleModification). 10 s, the jitter, that fetch and a margin:
PICKUP_S = 15.0
ACCOUNT_RULES = (
    "the account's own sampling rules (X-Ray's default keeps 1 request a second and 5 % of the rest)"
)
GONE_CODES = frozenset({"InvalidRequestException", "ResourceNotFoundException"})


@dataclass(frozen=True)
class TraceSampling:
    """Which share of requests the traces keep, in words for the report, and the gap in the trace
    evidence when it is not the share the run asked for."""

    said: str
    gap: Gap | None = None


KEPT = TraceSampling(ACCOUNT_RULES)  # ``xray_sampling: keep``


def sampled_services(target: AwsTarget) -> list[str]:
    """The services the run's rules keep, as their segments name them."""
    return list(target.xray_services or target.services or [EVERY_SERVICE])


def rule_names(run_id: str, services: Sequence[str]) -> list[str]:
    """One rule name per service, within X-Ray's 32 characters and unique to the run."""
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:8]
    return [f"gameday-{digest}-{index}" for index, _ in enumerate(services)]


def _sampling_rule(name: str, service: str) -> dict[str, Any]:
    """Keep every request of ``service`` (its segments' name), whatever its host, path or method."""
    return {
        "RuleName": name,
        "ResourceARN": "*",
        "Priority": PRIORITY,
        "FixedRate": 1.0,
        "ReservoirSize": RESERVOIR,
        "ServiceName": service,
        "ServiceType": "*",
        "Host": "*",
        "HTTPMethod": "*",
        "URLPath": "*",
        "Version": 1,
    }


def _shown(services: Sequence[str]) -> str:
    return "every service" if list(services) == [EVERY_SERVICE] else ", ".join(services)


class SamplingRules:
    """The run's rules as an inject/revert pair: created by :meth:`inject`, deleted by :meth:`revert`."""

    fault_id = SAMPLING_ID

    def __init__(self, xray: BaseClient, run_id: str, services: Sequence[str]) -> None:
        self._xray = xray
        self._run_id = run_id
        self.services = list(services)
        self.names = rule_names(run_id, services)
        self.held: list[str] = []  # rules AWS may hold: from the create request on, until deleted

    def describe(self) -> str:
        return (
            f"X-Ray keeps every request of {_shown(self.services)} "
            f"(sampling rules {', '.join(self.names)}, priority {PRIORITY}, fixed rate 100 %)"
        )

    def revert_plan(self) -> dict[str, Any]:
        return {"action": REVERT_ACTION, "region": self._xray.meta.region_name, "rule_names": self.names}

    def inject(self) -> InjectOutcome:
        """Create the rules; AWS refusing one is an outcome that did not land, never an exception."""
        for name, service in zip(self.names, self.services, strict=True):
            self.held.append(name)  # an interrupt or a timeout may leave it created
            rule = _sampling_rule(name, service)
            try:
                call(
                    self._xray.create_sampling_rule,
                    SamplingRule=rule,
                    Tags=[{"Key": RUN_TAG, "Value": self._run_id}],
                )
            except (ClientError, BotoCoreError) as error:
                if _refused(error):
                    self.held.remove(name)
                return InjectOutcome(
                    landed=False, detail=f"rule {name} for {service}: {describe_error(error)}"
                )
        return InjectOutcome(landed=True, detail=self.describe(), affected=list(self.names))

    def revert(self) -> None:
        """Delete the rules AWS may hold; safe to repeat, and a rule already gone counts as deleted."""
        delete_rules(self._xray, self.held)
        self.held = []


def _refused(error: ClientError | BotoCoreError) -> bool:
    """The rule was surely not made: botocore refused the parameters, or AWS answered with a client
    error (a timeout or a server error leaves it unknown)."""
    if isinstance(error, ParamValidationError):
        return True
    if not isinstance(error, ClientError):
        return False
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)) < 500


def run_rules(target: AwsTarget, run_id: str) -> SamplingRules | None:
    """The run's rules for ``target``; None when it keeps the account's own (``xray_sampling: keep``)."""
    if target.xray_sampling == "keep":
        return None
    return SamplingRules(aws_client(target, "xray"), run_id, sampled_services(target))


@contextmanager
def run_sampling(
    rules: SamplingRules,
    ledger: Ledger,
    say: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[TraceSampling]:
    """Hold the rules while the block runs, and yield the sampling in effect. In the ledger like a
    fault: the intent before the first create call, then the outcome, then the revert, on every way
    out (an interrupt during the create calls or the pickup wait included)."""
    ledger.intent(SAMPLING_ID, "xray-sampling-rule", "xray", rules.revert_plan())
    try:
        outcome = rules.inject()
        ledger.injected(SAMPLING_ID, outcome)
        if outcome.landed:
            say(f"{outcome.detail}; waiting {PICKUP_S:g} s for the SDKs to fetch the rules")
            sleep(PICKUP_S)
            kept = f"the run's sampling rules {', '.join(rules.names)}, fixed rate 100 %"
            yield TraceSampling(f"every request of {_shown(rules.services)} ({kept})")
            return
    finally:
        _revert_and_record(rules, ledger, say)
    say(
        f"X-Ray sampling rules NOT created ({outcome.detail}): traces are sampled by {ACCOUNT_RULES}, "
        "so trace scores will be INCONCLUSIVE"
    )
    yield _refused_sampling(outcome.detail)


def _refused_sampling(why: str) -> TraceSampling:
    """The account's rules, when the run's own could not be made: a gap, so no trace score is judged
    on a sample the run did not ask for."""
    return TraceSampling(
        f"{ACCOUNT_RULES}; the run's own rules could not be created ({why})",
        Gap(
            source="traces",
            reason=f"the run's X-Ray sampling rules could not be created ({why}), so the traces are only "
            "the share the account's rules keep; grant xray:CreateSamplingRule, or set "
            "xray_sampling: keep when those rules keep every request",
        ),
    )


def _revert_and_record(rules: SamplingRules, ledger: Ledger, say: Callable[[str], None]) -> None:
    """Delete the rules and mark them reverted; a failure stays open in the ledger for ``gameday
    rollback`` (the next run refuses to start until then), and the run goes on to its report."""
    held = list(rules.held)
    try:
        rules.revert()
    except Exception as error:  # never raised over the run's own ending: recorded, and said
        aws = isinstance(error, ClientError | BotoCoreError)
        why = describe_error(error) if aws else f"{type(error).__name__}: {error}"
        ledger.failed_revert(SAMPLING_ID, why)
        say(f"X-Ray sampling rules {', '.join(held)} NOT deleted ({why}): run `gameday rollback`")
        return
    ledger.reverted(SAMPLING_ID)
    if held:
        say(f"deleted X-Ray sampling rules {', '.join(held)}")


def delete_rules(xray: BaseClient, names: Sequence[str]) -> None:
    """Delete the rules; one already gone counts as deleted (a rollback may run twice)."""
    for name in names:
        try:
            call(xray.delete_sampling_rule, RuleName=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in GONE_CODES or _exists(xray, name):
                raise


def _exists(xray: BaseClient, name: str) -> bool:
    """Whether the account still has the rule (DeleteSamplingRule answers a missing one with
    InvalidRequestException, as it does a malformed request)."""
    for page in xray.get_paginator("get_sampling_rules").paginate():
        records = page.get("SamplingRuleRecords", [])
        if any(r.get("SamplingRule", {}).get("RuleName") == name for r in records):
            return True
    return False


def delete_rules_from_plan(plan: dict[str, Any], clients: AwsClients) -> str:
    """``gameday rollback``'s reverter: delete the rules a dead run's ledger names."""
    names = [str(name) for name in plan["rule_names"]]
    delete_rules(clients("xray"), names)
    return f"deleted X-Ray sampling rules {', '.join(names)}"
