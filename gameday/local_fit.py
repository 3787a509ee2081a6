"""Whether a scenario's faults fit the localcloud stack they would run on, checked before any load.

A fault naming a service, path or queue the stack does not have cannot land: the run would start
localcloud, drive the baseline load and only then end INVALID. A ``count`` above the tasks a
service runs would quietly take them all, a harm larger than the scenario says. Both are bad
input, reported at the fault's own line, every problem at once. An FIS template's actions are
checked as the local faults they translate to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from faults.fis_template.local import translate
from faults.fis_template.spec import FisTemplateFile
from gameday.errors import InputError, Problem
from gameday.fis_template import read_template_file, template_line
from gameday.localcloud.stack import Service, Stack
from gameday.localcloud.variants import load_stack_as
from gameday.scenario import Scenario
from gameday.targets import LocalTarget, Target
from gameday.yamlfile import field_name, line_for, read_yaml
from gameday.yamltree import Location


def check_local_fit(
    scenario_path: Path, scenario: Scenario, target: Target, variant: str | None = None
) -> None:
    """InputError with one located problem per fault field the local stack (as ``variant``) cannot
    serve; nothing on a target that is not localcloud, whose names the plan resolves."""
    if not isinstance(target, LocalTarget):
        return
    stack = load_stack_as(target.stack, variant)
    problems = [
        (("faults", index, *field), message)
        for index, fault in enumerate(scenario.faults)
        for field, message in _fault_misfits(fault, stack)
    ]
    if not problems:
        return
    _, lines = read_yaml(scenario_path)
    raise InputError(
        [
            Problem(str(scenario_path), line_for(loc, lines), field_name(loc), message)
            for loc, message in problems
        ]
    )


def _fault_misfits(fault: Any, stack: Stack) -> Iterator[tuple[Location, str]]:
    """A native fault's misfits at its fields; a template's at its ``file``, one per action."""
    if not isinstance(fault, FisTemplateFile):
        yield from misfits(fault, stack)
        return
    template = read_template_file(fault.file)
    try:
        parts = translate(template, fault, stack)
    except InputError as error:  # actions localcloud cannot do: the template's lines say which
        yield from ((("file",), str(problem)) for problem in error.problems)
        return
    for part, entry in parts:
        # one action may become several parts, named "action[service]"
        action = part if part in template["actions"] else part.rpartition("[")[0]
        where = template_line(fault.file, ("actions", action)) + part.removeprefix(action)
        yield from ((("file",), f"{where}: {message}") for _, message in misfits(entry, stack))


def misfits(fault: Any, stack: Stack) -> Iterator[tuple[Location, str]]:
    """(field, problem) for each selection field of ``fault`` that names nothing in ``stack``, and
    for a ``count`` above the tasks of the service it selects. Read by field name, so any kind
    (a plugin's too) selecting with ``target: {service, zone | path | queue}`` or a bare
    ``target: {zone}`` is checked alike."""
    selection = getattr(fault, "target", None)
    service = getattr(selection, "service", None)
    if service is not None:
        yield from _service_misfits(
            service, getattr(selection, "zone", None), getattr(fault, "count", None), stack
        )
    zone = getattr(selection, "zone", None)
    if service is None and zone is not None and zone not in stack.zones:
        yield ("target", "zone"), _unknown("zone", zone, stack.name, stack.zones)
    path = getattr(selection, "path", None)
    if path is not None:
        caller, _, callee = path.partition("->")
        calling = stack.services.get(caller)
        if calling is None or callee not in calling.depends_on:
            known = [
                f"{name}->{to}" for name, declared in stack.services.items() for to in declared.depends_on
            ]
            yield ("target", "path"), _unknown("path", path, stack.name, known)
    queue = getattr(selection, "queue", None)
    if queue is not None and queue not in stack.queues:
        yield ("target", "queue"), _unknown("queue", queue, stack.name, stack.queues)


def _service_misfits(
    service: str, zone: str | None, count: int | None, stack: Stack
) -> Iterator[tuple[Location, str]]:
    """A service the stack lacks, a zone it (or the service) is not in, a count above its tasks."""
    declared = stack.services.get(service)
    if declared is None:
        yield ("target", "service"), _unknown("service", service, stack.name, stack.services)
        return
    if zone is not None and zone not in stack.zones:
        yield ("target", "zone"), _unknown("zone", zone, stack.name, stack.zones)
    elif zone is not None and declared.zones is not None and zone not in declared.zones:
        yield (
            ("target", "zone"),
            f"{service} places no task in {zone} (its zones: {', '.join(declared.zones)})",
        )
    if count is not None and count > declared.replicas:
        yield ("count",), f"count is {count} but {_runs(service, declared)}"


def _runs(name: str, service: Service) -> str:
    """The tasks ``service`` starts with, and the bounds auto scaling keeps it in, for people."""
    runs = f"{name} runs {service.replicas} task{'' if service.replicas == 1 else 's'}"
    scaling = service.scaling
    return runs if scaling is None else f"{runs} (auto scaling keeps it at {scaling.min}..{scaling.max})"


def _unknown(kind: str, name: str, stack: str, known: Iterable[str]) -> str:
    return f"no {kind} '{name}' in stack {stack} (known: {', '.join(sorted(known)) or 'none'})"
