"""An FIS template on localcloud: each supported action becomes the local faults that keep its meaning.

Targets are read by :mod:`faults.fis_template.local_targets`, actions by
:mod:`faults.fis_template.local_actions`; this module puts them on the experiment's clock (each
action starts when the actions in its ``startAfter`` have ended and lasts its ``duration``) and
drives them as one fault. Translation happens when the injector is built, before the run starts,
so every action localcloud cannot do is an input error naming it, all of them at once, rather than
a fault that silently did something else. An action the scenario lists in ``skip_on_localcloud``
is left out on purpose, and the fault's outcome says so.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from faults.base import Injector, InjectOutcome
from faults.fis.parts import Template
from faults.fis_template.local_actions import MAPPERS, SUPPORTED, WAIT, Action
from faults.fis_template.local_targets import LocalTarget, Refused, local_target
from faults.fis_template.spec import FisTemplateFile
from gameday.errors import InputError
from gameday.fis_shape import Finding
from gameday.fis_template import located_problems, template_lines
from gameday.fis_timeline import action_duration_s, action_starts
from gameday.localcloud.stack import Stack

SEQUENCE_ACTION = "in-reverse-order"  # revert plan whose "plans" are undone last first
_PART_ID = re.compile(r"[^A-Za-z0-9-]+")
# One step of the schedule: (seconds after inject, part, local entry, injector, start? else end)
Step = tuple[float, str, Any, Injector, bool]


@cache
def _fault_spec() -> TypeAdapter[Any]:
    """Every installed kind's entry; built on first use, as this module loads with the catalogue."""
    from faults.catalogue import FaultSpec

    return TypeAdapter(FaultSpec)


def translate(template: Template, fault: FisTemplateFile, stack: Stack) -> list[tuple[str, Any]]:
    """(part name, local fault entry) for every action of ``template``, timed on the fault's window.

    A part is named after its action, with the service, path or zone in brackets when one action
    becomes several local faults. :class:`InputError` lists every action localcloud cannot run.
    """
    actions: dict[str, Any] = template["actions"]
    starts = action_starts(template) or dict.fromkeys(actions, 0.0)
    unsupported: list[Finding] = []  # told first: no edit of the action's target makes it run
    problems: list[Finding] = []
    translated: list[tuple[str, Any]] = []
    for name, action in actions.items():
        action_id = str(action.get("actionId", ""))
        if action_id == WAIT or name in fault.skip_on_localcloud:
            continue
        mapper = MAPPERS.get(action_id)
        if mapper is None:
            unsupported.append((("actions", name, "actionId"), _no_equivalent(action_id)))
            continue
        try:
            parts = mapper(Action(name, action, _target(action, template, stack), stack))
            timing = _timing(fault, starts[name], action_duration_s(action))
            translated += [
                (f"{name}[{where}]" if len(parts) > 1 else name, _entry({**entry, **timing}))
                for where, entry in parts
            ]
        except Refused as refused:
            problems.append((refused.loc, refused.message))
        except ValueError as invalid:
            problems.append((("actions", name), str(invalid)))
    if unsupported or problems:
        lines = template_lines(fault.file)
        raise InputError(
            located_problems(fault.file, unsupported, lines) + located_problems(fault.file, problems, lines)
        )
    if not translated:
        raise InputError(
            f"{fault.file}: actions: nothing left for localcloud to run: every action waits or is skipped"
        )
    return translated


def _no_equivalent(action_id: str) -> str:
    return (
        f"{action_id or 'an action without actionId'} has no localcloud equivalent; localcloud runs "
        f"{', '.join(SUPPORTED)}. Run it on an AWS target, or list the action in the fault's "
        "skip_on_localcloud to run the rest without it"
    )


def _target(action: dict[str, Any], template: Template, stack: Stack) -> LocalTarget:
    names = [str(name) for name in (action.get("targets") or {}).values()]
    targets = template.get("targets") or {}
    if len(names) != 1 or names[0] not in targets:
        raise ValueError("the action must name exactly one target of the template")
    return local_target(names[0], dict(targets[names[0]]), stack)


def _timing(fault: FisTemplateFile, start: float, duration: float | None) -> dict[str, float]:
    """The part's window: from its start on the experiment's clock for its duration, or to the end."""
    return {"at": fault.at + start, "for": duration if duration is not None else fault.for_ - start}


def _entry(entry: dict[str, Any]) -> Any:
    try:
        return _fault_spec().validate_python(entry)
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in problem["loc"][1:])  # [0] is the kind's tag
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{field}: {message}" if field else message) from None


class TemplateOnLocalcloud:
    """The injectors of every translated action, driven as one fault on the experiment's clock.

    ``inject`` starts each part when its action would start and returns when the last part has
    started (never later than the window, which validation made cover the template), so the run
    hears at once that the fault landed; a part whose duration ends before the fault's window does
    is undone at its end, by a thread once ``inject`` has returned. ``revert`` stops that thread and
    undoes what is left, last first. The revert plan holds every part's plan, so a killed run is
    rolled back whole.
    """

    def __init__(
        self,
        fault: FisTemplateFile,
        fault_id: str,
        parts: list[tuple[str, Any, Injector]],
        skipped: list[str],
        sleep: Callable[[float], object] | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fault_id = fault_id
        self._fault = fault
        self._parts = parts  # (name, local entry, injector)
        self._skipped = skipped
        self._reverted = threading.Event()
        self._sleep = sleep or self._reverted.wait  # a real wait ends early when the fault is reverted
        self._now = now
        self._applied: list[Injector] = []
        self._lock = threading.Lock()
        self._ends: threading.Thread | None = None

    def describe(self) -> str:
        return (
            "; ".join(
                f"{self._offset(spec)}{name}: {injector.describe()}" for name, spec, injector in self._parts
            )
            + self._skipped_note()
        )

    def revert_plan(self) -> dict[str, Any]:
        return {"action": SEQUENCE_ACTION, "plans": [injector.revert_plan() for *_, injector in self._parts]}

    def inject(self) -> InjectOutcome:
        began = self._now()
        schedule = self._schedule()
        last_start = max((index for index, event in enumerate(schedule) if event[4]), default=-1)
        outcomes: list[tuple[str, Any, InjectOutcome]] = []
        for when, name, spec, injector, start in schedule[: last_start + 1]:
            self._sleep(max(0.0, when - (self._now() - began)))
            if self._reverted.is_set():
                break  # the run ended while the template was still starting its actions
            if start:
                outcomes.append((name, spec, injector.inject()))
                with self._lock:
                    self._applied.append(injector)
            else:
                self._undo(injector)
        ends = schedule[last_start + 1 :]  # only ends are left after the last start
        if ends and not self._reverted.is_set():
            self._ends = threading.Thread(
                target=self._end_later, args=(ends, began), name=f"{self.fault_id}-ends", daemon=True
            )
            self._ends.start()
        return InjectOutcome(
            landed=bool(outcomes) and all(outcome.landed for *_, outcome in outcomes),
            detail="; ".join(
                f"{self._offset(spec)}{name}: {outcome.detail}" for name, spec, outcome in outcomes
            )
            + self._skipped_note(),
            affected=[item for *_, outcome in outcomes for item in outcome.affected],
        )

    def revert(self) -> None:
        self._reverted.set()
        if self._ends is not None:
            self._ends.join()
        with self._lock:
            left, self._applied = list(self._applied), []
        for injector in reversed(left):
            injector.revert()

    def _end_later(self, ends: list[Step], began: float) -> None:
        """Undo each part at its end on the experiment's clock, unless the fault is reverted first."""
        for when, _, _, injector, _ in ends:
            self._sleep(max(0.0, when - (self._now() - began)))
            if self._reverted.is_set():
                return
            self._undo(injector)

    def _schedule(self) -> list[Step]:
        """(seconds after inject, part, entry, injector, start?) in time order; ends inside the window."""
        events = []
        for name, spec, injector in self._parts:
            begins = spec.at - self._fault.at
            events.append((begins, name, spec, injector, True))
            if begins + spec.for_ < self._fault.for_:
                events.append((begins + spec.for_, name, spec, injector, False))
        # At one time: ends before starts, and tasks are stopped after the paths and zones are cut
        # (FIS starts them at once), so no replacement is placed where the harm is about to land.
        return sorted(events, key=lambda event: (event[0], event[4], event[2].kind == "kill-tasks"))

    def _undo(self, injector: Injector) -> None:
        with self._lock:
            if injector not in self._applied:
                return
            self._applied.remove(injector)
        injector.revert()

    def _offset(self, spec: Any) -> str:
        offset = spec.at - self._fault.at
        return f"+{offset:g}s " if offset else ""

    def _skipped_note(self) -> str:
        return f"; not run on localcloud: {', '.join(self._skipped)}" if self._skipped else ""


def template_on_localcloud(
    template: Template,
    fault: FisTemplateFile,
    fault_id: str,
    stack: Stack,
    build: Callable[[Any, str], Injector],
) -> TemplateOnLocalcloud:
    """Translate ``template`` and build each part with ``build(spec, part_id)`` (the local provider)."""
    parts = [
        (name, spec, build(spec, f"{fault_id}-{_PART_ID.sub('-', name).strip('-')}"))
        for name, spec in translate(template, fault, stack)
    ]
    actions = template["actions"]
    skipped = [f"{name} ({actions[name].get('actionId')})" for name in fault.skip_on_localcloud]
    return TemplateOnLocalcloud(fault, fault_id, parts, skipped)
