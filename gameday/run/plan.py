"""The plan: a scenario resolved against a target and a start time.

Everything that happens during the run is decided here, before anything happens, so a run folder
can say what was intended as well as what was done. On an AWS target each fault's logical names
are resolved here, once, into the resources it touches (its kind's ``touches``): the safety checks
and the injectors read them from the plan, and ``plan.json`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from faults.catalogue import FaultSpec, kind_of
from gameday.evidence.records import Phase
from gameday.safety.resources import Resource
from gameday.scenario import Scenario
from gameday.targets import AwsTarget, Target


@dataclass(frozen=True)
class PlannedFault:
    fault_id: str
    offset_s: float  # seconds after the run start
    spec: FaultSpec
    resources: tuple[Resource, ...] = ()  # on an AWS target: what the fault acts on, resolved


@dataclass(frozen=True)
class Plan:
    run_id: str
    scenario: Scenario
    target_name: str
    faults: tuple[PlannedFault, ...]
    variant: str | None = None  # the localcloud stack variant the run asks for; None: as written

    def phases(self, started_at: float) -> list[Phase]:
        """Baseline before the first fault, fault until the last fault window ends, then recovery."""
        s = self.scenario
        return [
            Phase(name="baseline", start=started_at, end=started_at + s.fault_start),
            Phase(name="fault", start=started_at + s.fault_start, end=started_at + s.fault_end),
            Phase(name="recovery", start=started_at + s.fault_end, end=started_at + s.duration),
        ]

    def to_json(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "scenario": self.scenario.name,
            "target": self.target_name,
            "variant": self.variant,
            "duration_s": self.scenario.duration,
            "phases": [
                {"name": "baseline", "start_s": 0.0, "end_s": self.scenario.fault_start},
                {"name": "fault", "start_s": self.scenario.fault_start, "end_s": self.scenario.fault_end},
                {"name": "recovery", "start_s": self.scenario.fault_end, "end_s": self.scenario.duration},
            ],
            "faults": [
                {
                    "fault_id": f.fault_id,
                    "at_s": f.offset_s,
                    "spec": f.spec.model_dump(mode="json", by_alias=True),
                    "resources": [resource.to_json() for resource in f.resources],
                }
                for f in self.faults
            ],
        }


def plan_faults(scenario: Scenario, target: Target) -> tuple[PlannedFault, ...]:
    """Every fault in time order with its id and, on AWS, the resources it touches.

    A logical name the target does not map is an :class:`~gameday.errors.InputError` here, before
    a run folder, a load or a fault exists.
    """
    ordered = sorted(scenario.faults, key=lambda f: f.at)
    return tuple(
        PlannedFault(
            fault_id=f"f{index + 1}-{spec.kind}",
            offset_s=spec.at,
            spec=spec,
            resources=_touched(spec, target),
        )
        for index, spec in enumerate(ordered)
    )


def build_plan(
    scenario: Scenario, target: Target, target_name: str, run_id: str, variant: str | None = None
) -> Plan:
    faults = plan_faults(scenario, target)
    return Plan(run_id=run_id, scenario=scenario, target_name=target_name, faults=faults, variant=variant)


def _touched(spec: FaultSpec, target: Target) -> tuple[Resource, ...]:
    touches = kind_of(spec).touches
    if not isinstance(target, AwsTarget) or touches is None:
        return ()
    return tuple(touches(spec, target))
