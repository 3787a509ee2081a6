"""The dry run: drive each fault's inject and revert against clients that never send a change.

Every client made while :func:`intercepting` is active gets two botocore event hooks. Reads
(Describe*, List*, Get* …) go to the account as usual, so selection works on real resources.
Anything else is a change: the ``before-call`` hook records its operation and parameters and
answers with a skeleton of the operation's output shape instead of sending it. Once a fault has
made a (recorded) change, its next read is refused with :class:`DryRunHalt`: that read could only
confirm a change that never happened, and would otherwise wait out the provider's effect timeout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError
from botocore.model import OperationModel
from botocore.utils import ArgumentGenerator

from faults.base import Injector
from faults.registry import build_injector
from gameday.aws_session import client_hook
from gameday.evidence.aws.sampling import run_rules
from gameday.run.plan import Plan, PlannedFault
from gameday.safety.preflight import preflight_plan, touched_line
from gameday.safety.resources import Resource
from gameday.targets import LocalTarget, Target

READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Head", "Lookup", "Search")
_PARAMS_KEY = "gameday_dry_run_params"


def is_mutating(operation: str) -> bool:
    """Everything that is not plainly a read counts as a change: the safe side of doubt."""
    return not operation.startswith(READ_PREFIXES)


class DryRunHalt(BotoCoreError):
    """A confirming read after an intercepted change; providers turn it into a fault that did not land."""

    fmt = "dry run: {operation} not sent, it could only confirm a change the dry run did not make"


@dataclass(frozen=True)
class PlannedCall:
    fault_id: str
    phase: str  # "inject" or "revert"
    service: str
    operation: str
    params: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.service}:{self.operation} {json.dumps(self.params, default=str, sort_keys=True)}"


@dataclass
class MutationInterceptor:
    """Records the changes clients would send, in order, under the fault and phase being rehearsed."""

    calls: list[PlannedCall] = field(default_factory=list)
    fault_id: str = ""
    phase: str = ""
    _changed: bool = False

    def attach(self, client: BaseClient) -> None:
        client.meta.events.register("before-parameter-build.*.*", self._keep_params)
        client.meta.events.register("before-call.*.*", self._before_call)

    def rehearse(self, fault_id: str, phase: str) -> None:
        """Start recording a new step: a new fault, or the revert after an inject."""
        self.fault_id, self.phase, self._changed = fault_id, phase, False

    def _keep_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS_KEY] = dict(params)

    def _before_call(
        self, model: OperationModel, context: dict[str, Any], **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not is_mutating(model.name):
            if self._changed:
                raise DryRunHalt(operation=f"{model.service_model.service_name}:{model.name}")
            return None  # a read: let it through
        self._changed = True
        self.calls.append(
            PlannedCall(
                fault_id=self.fault_id,
                phase=self.phase,
                service=model.service_model.service_name,
                operation=model.name,
                params=context.get(_PARAMS_KEY, {}),
            )
        )
        return AWSResponse(url="", status_code=200, headers={}, raw=None), _skeleton(model)


def _skeleton(model: OperationModel) -> dict[str, Any]:
    """A harmless well-formed answer, so a provider reading an id from it goes on to its next call."""
    if model.output_shape is None:
        return {}
    generated = ArgumentGenerator(use_member_names=True).generate_skeleton(model.output_shape)
    return dict(generated) if isinstance(generated, dict) else {}


@contextmanager
def intercepting() -> Iterator[MutationInterceptor]:
    """Every AWS client made inside the block sends reads only; the interceptor holds the changes."""
    interceptor = MutationInterceptor()
    with client_hook(interceptor.attach):
        yield interceptor


def rehearse(interceptor: MutationInterceptor, fault_id: str, injector: Injector) -> str:
    """Plan, inject, then revert one fault under ``interceptor``, in a run's order; how it ended."""
    interceptor.rehearse(fault_id, "inject")
    try:
        injector.revert_plan()  # reads the values a revert would put back, as a run does first
        outcome = injector.inject().detail
    except Exception as exc:  # a provider that does not expect a skeleton answer still must not stop the plan
        outcome = f"inject stopped: {type(exc).__name__}: {exc}"
    interceptor.rehearse(fault_id, "revert")
    try:
        injector.revert()
    except Exception as exc:
        outcome += f"; revert stopped: {type(exc).__name__}: {exc}"
    return outcome


def dry_run_lines(plan: Plan, target: Target) -> list[str]:
    """What a run of ``plan`` on ``target`` would do, for people; on AWS, after the same pre-flight."""
    header = f"dry run of {plan.scenario.name} on target '{plan.target_name}'"
    if isinstance(target, LocalTarget):
        return [
            f"{header} (localcloud): the faults below would be injected through localcloud's control API; "
            "nothing was contacted",
            *(_fault_line(p, _injector(p, target, plan.run_id)) for p in plan.faults),
        ]
    touched: dict[str, list[str]] = {}

    def checked(planned: PlannedFault, resource: Resource) -> None:
        touched.setdefault(planned.fault_id, []).append(touched_line(resource))

    account = preflight_plan(target, plan, checked)
    lines = [f"{header} (AWS account {account}): pre-flight passed; reads were made, no change was sent"]
    with intercepting() as interceptor:
        sampling = run_rules(target, plan.run_id)  # made before the first fault, deleted after the last
        if sampling is not None:
            lines += _rehearsed(interceptor, sampling, f"{sampling.fault_id}: {sampling.describe()}")
        for planned in plan.faults:
            injector = _injector(planned, target, plan.run_id)
            touches = [f"  touches: {line}" for line in touched.get(planned.fault_id, [])]
            lines += _rehearsed(interceptor, injector, _fault_line(planned, injector), touches)
    return lines


def _rehearsed(
    interceptor: MutationInterceptor, injector: Injector, heading: str, touches: Sequence[str] = ()
) -> list[str]:
    """``heading`` and what pre-flight checked it touches, then each change the inject and the revert
    would send, and how the rehearsal ended."""
    ending = rehearse(interceptor, injector.fault_id, injector)
    lines = [heading, *touches]
    for phase in ("inject", "revert"):
        calls = [c for c in interceptor.calls if c.fault_id == injector.fault_id and c.phase == phase]
        lines += [f"  {phase}: {call}" for call in calls] or [f"  {phase}: no change"]
    lines.append(f"  rehearsal ended: {ending}")
    return lines


def _injector(planned: PlannedFault, target: Target, run_id: str) -> Injector:
    return build_injector(
        planned.spec, target, fault_id=planned.fault_id, run_id=run_id, resources=planned.resources
    )


def _fault_line(planned: PlannedFault, injector: Injector) -> str:
    return f"{planned.fault_id} at {planned.offset_s:g}s for {planned.spec.for_:g}s: {injector.describe()}"
