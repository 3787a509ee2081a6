"""Revert plans as validated models: one per ``action``, checked when written and when read back.

A revert plan is what the ledger holds to undo a fault with nothing but the run folder, so a plan
with a missing or mistyped field would only be found at rollback, the worst moment. Every plan an
injector writes is checked against :data:`RevertPlan` before the ledger line is written (an invalid
one fails the inject: nothing is changed that could not be undone), and again when ``gameday
rollback`` reads it back. Nested provider payloads (a security group permission, a path fault's
parameters) stay mappings: they go back to the API that produced them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class _Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NothingToUndo(_Plan):
    action: Literal["none"]
    why: str | None = None
    service: str | None = None
    platform: str | None = None


class SecurityGroupRule(_Plan):
    rule_id: str
    ip_permission: dict[str, Any]


class RestoreIngress(_Plan):
    action: Literal["aws-sg-ingress"]
    group_id: str = Field(min_length=1)
    rules: list[SecurityGroupRule] = Field(min_length=1)


class DeleteNaclEntries(_Plan):
    action: Literal["aws-nacl-entries"]
    entries: list[dict[str, Any]] = Field(min_length=1)


class RestoreQueueAttributes(_Plan):
    action: Literal["aws-sqs-attributes"]
    queue_url: str = Field(min_length=1)
    attributes: dict[str, str | int]


class RestoreDesiredCount(_Plan):
    action: Literal["aws-ecs-desired-count"]
    cluster: str
    service: str
    desired_count: int = Field(ge=0)
    scalable_target: dict[str, Any] | None = None


class RestoreReservedConcurrency(_Plan):
    action: Literal["aws-lambda-reserved-concurrency"]
    function: str
    reserved: int | None = Field(default=None, ge=0)


class EnableEventMappings(_Plan):
    action: Literal["aws-lambda-enable-mappings"]
    uuids: list[str]


class StopFisExperiment(_Plan):
    action: Literal["fis-experiment"]
    region: str
    tags: dict[str, str] = Field(min_length=1)
    client_token: str
    find: str


class ClearLocalPathFault(_Plan):
    action: Literal["localcloud-clear-path-fault"]
    control_url: str
    edge: str
    fault: dict[str, Any]


class RestoreLocalQueue(_Plan):
    action: Literal["localcloud-queue-throttle"]
    control_url: str
    queue: str
    desired: dict[str, int]
    clear_queue_fault: bool
    scaling_suspended: dict[str, dict[str, bool]]


class StopLocalCpuStress(_Plan):
    action: Literal["localcloud-stop-cpu-stress"]
    control_url: str
    service: str
    tasks: list[str]


class DeleteSamplingRules(_Plan):
    action: Literal["aws-xray-sampling-rules"]
    region: str
    rule_names: list[str] = Field(min_length=1)


class InReverseOrder(_Plan):
    """Several faults recorded as one (an FIS template on localcloud): undone last first."""

    action: Literal["in-reverse-order"]
    plans: list[RevertPlan]


RevertPlan = Annotated[
    NothingToUndo
    | RestoreIngress
    | DeleteNaclEntries
    | RestoreQueueAttributes
    | RestoreDesiredCount
    | RestoreReservedConcurrency
    | EnableEventMappings
    | StopFisExperiment
    | ClearLocalPathFault
    | RestoreLocalQueue
    | StopLocalCpuStress
    | DeleteSamplingRules
    | InReverseOrder,
    Field(discriminator="action"),
]
InReverseOrder.model_rebuild()

_REVERT_PLAN: TypeAdapter[Any] = TypeAdapter(RevertPlan)
ACTIONS = frozenset(
    str(model.model_fields["action"].annotation.__args__[0])  # type: ignore[union-attr]
    for model in _Plan.__subclasses__()
    if "action" in model.model_fields
)


class InvalidRevertPlan(ValueError):
    """A plan that could not be carried out from the ledger; the message says which field."""


def check_revert_plan(plan: object) -> dict[str, Any]:
    """``plan`` unchanged when it is a valid revert plan; :class:`InvalidRevertPlan` otherwise."""
    try:
        _REVERT_PLAN.validate_python(plan)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'plan'}: {e['msg']}" for e in error.errors()
        )
        raise InvalidRevertPlan(f"invalid revert plan ({problems})") from None
    assert isinstance(plan, dict)
    return plan
