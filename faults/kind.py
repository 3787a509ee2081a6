"""A kind of fault, whole: what a package registers in the ``gameday.faults`` entry-point group.

A kind is its scenario entry (a pydantic model whose ``kind`` field is a one-value Literal), its
providers per backend, the revert plans its injectors write to the ledger together with the code
that carries each one out from the run folder alone, the AWS resources it acts on (so the safety
checks see them before the run), and its FIS action where AWS has one. gameday's own kinds are
registered exactly like a team's; see "Write your own fault kind" in the README.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from botocore.client import BaseClient
from pydantic import BaseModel, ConfigDict

from faults.api_change import Undo
from faults.base import Injector
from gameday.aws_session import aws_client
from gameday.errors import EnvironmentProblem, GamedayError
from gameday.faultspecs import FaultBase, Via
from gameday.iam.grants import Arns, Grant
from gameday.safety.account import check_account
from gameday.safety.resources import Resource
from gameday.targets import AwsTarget, load_target

if TYPE_CHECKING:
    from gameday.targets import LocalTarget, Target


@dataclass(frozen=True)
class ProviderArgs:
    """What every provider may need besides the fault and the target; clients are built if absent."""

    fault_id: str
    run_id: str
    localcloud_client: Any = None  # a LocalcloudClient, or a test's stand-in with the methods used
    ecs_client: BaseClient | None = None
    rng: random.Random | None = None
    resources: tuple[Resource, ...] = ()  # what the plan resolved for this fault on an AWS target


LocalProvider = Callable[[Any, "LocalTarget", ProviderArgs], Injector]
"""Builds the injector of one fault entry of the kind on localcloud; nothing is called yet."""
AwsProvider = Callable[[Any, "AwsTarget", ProviderArgs], Injector]
"""Builds the injector of one fault entry of the kind on an AWS target; nothing is called yet."""


class RevertPlanModel(BaseModel):
    """The base of every revert plan: a frozen model whose ``action`` is a one-value Literal.

    A plan holds everything needed to undo the fault from the ledger alone (ids, the values to put
    back, the control URL), because ``gameday rollback`` may run after the process that injected
    died. Nested provider payloads may stay mappings when they go back to the API that gave them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True)
class RevertContext:
    """Where a plan came from, for messages and for reverters that must find their target."""

    run_id: str
    fault_id: str
    target_name: str | None  # from the run's plan.json; None when it cannot be read
    targets_file: Path = Path("targets.yaml")  # where ``target_name`` is defined

    def target(self) -> Target:
        """The run's target, read from the targets file now: a plan only stores what it changed."""
        if self.target_name is None:
            raise RevertFailed(f"run {self.run_id}: plan.json names no target, so it cannot be reached")
        return load_target(self.targets_file, self.target_name)

    def aws_client(self, service_name: str) -> BaseClient:
        """A client for the run's AWS target, for reverters that undo a change made through the AWS API.

        The credentials' account is checked against the target's allowlist first, as a run does:
        a rollback under the wrong profile must not touch another account's resources.
        """
        target = self.target()
        if not isinstance(target, AwsTarget):
            raise RevertFailed(f"target '{self.target_name}' in {self.targets_file} is not an AWS target")
        try:
            check_account(target, self.target_name or "", aws_client(target, "sts"))
        except EnvironmentProblem as problem:
            raise RevertFailed(f"not reverted: {problem}") from None
        return aws_client(target, service_name)


class RevertFailed(GamedayError):
    """A plan could not be carried out; the fault stays unreverted."""


Reverter = Callable[[dict[str, Any], RevertContext], str]
"""Undo what a plan describes and return one line saying what was done; raise on failure.

It must be idempotent: a torn ``reverted`` ledger line means the same plan may run twice."""


def through_aws(undo: Undo) -> Reverter:
    """An AWS undo run from the ledger, with clients for the run's target from the targets file."""
    return lambda plan, context: undo(plan, context.aws_client)


@dataclass(frozen=True)
class Revert:
    """One revert plan model and the reverter that carries it out, keyed by the plan's ``action``."""

    plan: type[RevertPlanModel]
    undo: Reverter

    @property
    def action(self) -> str:
        return literal_value(self.plan, "action")


class FisAction(NamedTuple):
    """One fault as an FIS action: its id, the key its target goes under, parameters, the target."""

    action_id: str
    target_key: str
    parameters: dict[str, str]
    target: dict[str, Any]


@dataclass(frozen=True)
class FaultKind:
    """Everything gameday needs to know about one kind of fault.

    ``local`` and ``aws`` are the providers (``aws`` keyed by the scenario's ``via``). A kind with
    ``fis`` (the fault as one FIS action) or ``fis_template`` (the fault as a whole experiment
    template, given the target, the run id and the fault id) runs ``via: fis`` as an FIS
    experiment without a provider of its own. ``touches`` lists the AWS resources a fault acts on:
    each must carry the target's opt-in tag, and an ECS service is also held to the blast radius.
    A kind that changes nothing that needs undoing (the scheduler replaces stopped tasks) has no
    ``reverts``.
    """

    spec: type[FaultBase]
    local: LocalProvider | None = None
    aws: Mapping[Via, AwsProvider] = field(default_factory=dict)
    reverts: Sequence[Revert] = ()
    touches: Callable[[Any, AwsTarget], list[Resource]] | None = None
    fis: Callable[[Any, AwsTarget], FisAction] | None = None
    fis_template: Callable[[Any, AwsTarget, str, str], dict[str, Any]] | None = None
    permissions: Callable[[Any, AwsTarget, Arns], list[Grant]] | None = None
    """The AWS calls the kind's own code makes for an entry (its ``api`` provider with its checks,
    revert and rollback; the reads that resolve its deferred targets), as IAM grants."""

    @property
    def name(self) -> str:
        """The scenario's ``kind:`` value, from the spec's one-value Literal."""
        return literal_value(self.spec, "kind")


def literal_value(model: type[BaseModel], field_name: str) -> str:
    """The one value of ``model``'s Literal field ``field_name``; a model without one is a plugin bug."""
    declared = model.model_fields.get(field_name)
    values: tuple[Any, ...] = getattr(declared.annotation, "__args__", ()) if declared is not None else ()
    if len(values) != 1 or not isinstance(values[0], str):
        raise GamedayError(
            f"{model.__module__}.{model.__name__}: '{field_name}' must be a Literal of one string"
        )
    return values[0]
