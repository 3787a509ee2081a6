"""Revert plans as validated models: one per ``action``, checked when written and when read back.

A revert plan is what the ledger holds to undo a fault with nothing but the run folder, so a plan
with a missing or mistyped field would only be found at rollback, the worst moment. Every plan an
injector writes is checked against :func:`check_revert_plan` before the ledger line is written (an
invalid one fails the inject: nothing is changed that could not be undone), and again when
``gameday rollback`` reads it back. The models are gameday's own plans below plus every installed
fault kind's (:attr:`faults.kind.FaultKind.reverts`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from faults.catalogue import REVERTS
from faults.kind import RevertPlanModel, literal_value
from gameday.plugins import tagged_union


class NothingToUndo(RevertPlanModel):
    """A fault whose harm needs no undoing (stopped tasks are replaced by the scheduler)."""

    action: Literal["none"]
    why: str | None = None
    service: str | None = None
    platform: str | None = None


class StopFisExperiment(RevertPlanModel):
    """Any kind run ``via: fis``: stop the experiment and delete its template, found by the run's tags."""

    action: Literal["fis-experiment"]
    region: str
    tags: dict[str, str] = Field(min_length=1)
    client_token: str
    find: str


class DeleteSamplingRules(RevertPlanModel):
    """The run's own X-Ray sampling rules on an AWS target."""

    action: Literal["aws-xray-sampling-rules"]
    region: str
    rule_names: list[str] = Field(min_length=1)


CORE_PLANS: tuple[type[RevertPlanModel], ...] = (NothingToUndo, StopFisExperiment, DeleteSamplingRules)
PLAN_MODELS: dict[str, type[RevertPlanModel]] = {
    **{literal_value(model, "action"): model for model in CORE_PLANS},
    **{action: revert.plan for action, revert in REVERTS.items()},
}
"""Every revert plan model by its ``action``."""
ACTIONS = frozenset(PLAN_MODELS)

_REVERT_PLAN: TypeAdapter[Any] = TypeAdapter(tagged_union(list(PLAN_MODELS.values()), "action"))


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
