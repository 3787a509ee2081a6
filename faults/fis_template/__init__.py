"""fis-template: run an existing AWS FIS experiment template file as one fault of the game day.

This module is the kind, whole (:data:`KIND`). On AWS the file, completed with the target's role,
stop conditions and the run's tags, is the experiment (:mod:`faults.fis.template_file`); on
localcloud ``local`` translates each action to the local provider of the matching kind and drives
them as one fault, undone last first.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import field_validator

from faults.base import Injector
from faults.fis.parts import Template
from faults.fis.template_file import complete_template, read_template
from faults.fis_template.aws_targets import template_targets
from faults.fis_template.local import template_on_localcloud
from faults.fis_template.permissions import template_permissions
from faults.fis_template.spec import FisTemplateFile
from faults.kind import FaultKind, ProviderArgs, Revert, RevertContext, RevertPlanModel
from gameday.localcloud.stack import load_stack
from gameday.targets import AwsTarget, LocalTarget


class InReverseOrder(RevertPlanModel):
    """Several faults recorded as one (an FIS template on localcloud): undone last first."""

    action: Literal["in-reverse-order"]
    plans: list[dict[str, Any]]

    @field_validator("plans")
    @classmethod
    def _each_a_plan(cls, plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from faults.plans import check_revert_plan  # the union holds this model: built after it

        for plan in plans:
            check_revert_plan(plan)
        return plans


def _in_reverse_order(plan: dict[str, Any], context: RevertContext) -> str:
    from faults.revert import execute_revert_plan  # the reverters include this one

    return "; ".join(execute_revert_plan(part, context) for part in reversed(plan["plans"]))


def _local(fault: FisTemplateFile, target: LocalTarget, args: ProviderArgs) -> Injector:
    """Each action of the template as the local provider's fault, all driven as this one fault."""
    from faults.registry import build_injector  # the registry serves every kind, this one included

    def build(spec: Any, part_id: str) -> Injector:
        return build_injector(
            spec,
            target,
            fault_id=part_id,
            run_id=args.run_id,
            localcloud_client=args.localcloud_client,
            rng=args.rng,
        )

    return template_on_localcloud(
        read_template(fault.file), fault, args.fault_id, load_stack(target.stack), build
    )


def _template(fault: FisTemplateFile, target: AwsTarget, run_id: str, fault_id: str) -> Template:
    return complete_template(read_template(fault.file), target, run_id=run_id, fault_id=fault_id)


KIND = FaultKind(
    spec=FisTemplateFile,
    local=_local,
    reverts=[Revert(InReverseOrder, _in_reverse_order)],
    touches=template_targets,
    fis_template=_template,
    permissions=template_permissions,
)
