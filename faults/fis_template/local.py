"""An FIS template on localcloud: each supported action becomes the local provider's fault.

A target names its logical resource with the ``gameday:target`` resource tag (a service such as
``orders``, or a path such as ``bff->orders``), or, for ECS tasks, with the ``service``
parameter. Translation happens when the injector is built, before the run starts, so an action
localcloud cannot do is an input error naming it rather than a fault that silently did nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from faults.base import Injector, InjectOutcome
from faults.fis.parts import TARGET_TAG, Template
from faults.fis_template.spec import FisTemplateFile
from gameday.errors import InputError
from gameday.fis_template import template_line

SEQUENCE_ACTION = "in-reverse-order"  # revert plan whose "plans" are undone last first


@cache
def _fault_spec() -> TypeAdapter[Any]:
    """Every installed kind's entry; built on first use, as this module loads with the catalogue."""
    from faults.catalogue import FaultSpec

    return TypeAdapter(FaultSpec)


_SERVICE_ACTIONS = {"aws:ecs:stop-task", "aws:ecs:task-cpu-stress"}


def translate(template: Template, fault: FisTemplateFile) -> list[tuple[str, Any]]:
    """(action name, local fault entry) for every action of ``template``, in the file's order."""
    translated = []
    for name, action in template["actions"].items():
        action_id = str(action.get("actionId", "")) or "an action without actionId"
        try:
            entry = _entry(action_id, action, template)
            entry.update({"at": fault.at, "for": fault.for_})
            translated.append((name, _fault_spec().validate_python(entry)))
        except ValidationError as exc:
            problem = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            raise InputError(
                f"{template_line(fault.file, ('actions', name))} ({action_id}): {problem}"
            ) from None
        except ValueError as exc:
            raise InputError(f"{template_line(fault.file, ('actions', name))} ({action_id}): {exc}") from None
    return translated


def _entry(action_id: str, action: dict[str, Any], template: Template) -> dict[str, Any]:
    """The local fault entry (without timing) for one FIS action; ValueError says why there is none."""
    parameters: dict[str, str] = action.get("parameters") or {}
    target = _target(action, template)
    logical = _logical_name(target)
    if action_id in _SERVICE_ACTIONS:
        share = _share(str(target.get("selectionMode", "ALL")))
        if action_id == "aws:ecs:stop-task":
            return {"kind": "kill-tasks", "target": {"service": logical}, **(share or {"percent": 100})}
        return {
            "kind": "stress-cpu",
            "target": {"service": logical},
            "load_percent": _whole(parameters, "percent", "100"),
            **(share or {}),
        }
    path = {"path": logical}
    if action_id in ("aws:network:disrupt-connectivity", "aws:ecs:task-network-blackhole-port"):
        return {"kind": "break-network", "target": path, "mode": "blackhole"}
    if action_id == "aws:ecs:task-network-latency":
        return {
            "kind": "add-latency",
            "target": path,
            "delay_ms": _whole(parameters, "delayMilliseconds", "200"),
            "jitter_ms": _whole(parameters, "jitterMilliseconds", "10"),
        }
    if action_id == "aws:lambda:invocation-add-delay":
        delay = _whole(parameters, "startupDelayMilliseconds", "1000")
        return {"kind": "add-latency", "target": path, "delay_ms": delay, "jitter_ms": 0}
    if action_id in ("aws:lambda:invocation-error", "aws:lambda:invocation-http-integration-response"):
        return {
            "kind": "fail-requests",
            "target": path,
            "share": _whole(parameters, "invocationPercentage", "100") / 100,
            "status": _whole(parameters, "statusCode", "503"),
        }
    raise ValueError("localcloud has no equivalent for this action; remove it or run on an AWS target")


def _whole(parameters: dict[str, str], name: str, default: str) -> int:
    value = parameters.get(name, default)
    if not value.isdigit() or len(value) > 9:
        raise ValueError(f"parameter {name} is '{value}', not a whole number")
    return int(value)


def _target(action: dict[str, Any], template: Template) -> dict[str, Any]:
    names = list((action.get("targets") or {}).values())
    targets = template.get("targets") or {}
    if len(names) != 1 or names[0] not in targets:
        raise ValueError("the action must name exactly one target of the template")
    return dict(targets[names[0]])


def _logical_name(target: dict[str, Any]) -> str:
    logical = (target.get("resourceTags") or {}).get(TARGET_TAG) or (target.get("parameters") or {}).get(
        "service"
    )
    if not logical:
        raise ValueError(
            f'give its target resourceTags {{"{TARGET_TAG}": ...}} naming the service or path, '
            "so localcloud knows what it means"
        )
    return str(logical)


def _share(mode: str) -> dict[str, float] | None:
    """FIS selectionMode as count/percent; None for ALL."""
    if mode == "ALL":
        return None
    if mode.startswith("COUNT(") and mode.endswith(")"):
        return {"count": int(mode[6:-1])}
    if mode.startswith("PERCENT(") and mode.endswith(")"):
        return {"percent": float(mode[8:-1])}
    raise ValueError(f"selectionMode '{mode}' is not ALL, COUNT(n) or PERCENT(n)")


class TemplateOnLocalcloud:
    """The injectors of every translated action, driven as one fault: inject all, revert all."""

    def __init__(self, fault_id: str, parts: list[tuple[str, Injector]]) -> None:
        self.fault_id = fault_id
        self._parts = parts

    def describe(self) -> str:
        return "; ".join(f"{name}: {injector.describe()}" for name, injector in self._parts)

    def revert_plan(self) -> dict[str, Any]:
        return {"action": SEQUENCE_ACTION, "plans": [injector.revert_plan() for _, injector in self._parts]}

    def inject(self) -> InjectOutcome:
        outcomes = [(name, injector.inject()) for name, injector in self._parts]
        return InjectOutcome(
            landed=all(outcome.landed for _, outcome in outcomes),
            detail="; ".join(f"{name}: {outcome.detail}" for name, outcome in outcomes),
            affected=[item for _, outcome in outcomes for item in outcome.affected],
        )

    def revert(self) -> None:
        for _, injector in reversed(self._parts):
            injector.revert()


def template_on_localcloud(
    template: Template, fault: FisTemplateFile, fault_id: str, build: Callable[[Any, str], Injector]
) -> TemplateOnLocalcloud:
    """Translate ``template`` and build each part with ``build(spec, part_id)`` (the local provider)."""
    parts = [(name, build(spec, f"{fault_id}-{name}")) for name, spec in translate(template, fault)]
    return TemplateOnLocalcloud(fault_id, parts)
