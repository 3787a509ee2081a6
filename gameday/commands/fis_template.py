"""``gameday fis-template SCENARIO --target NAME``: the FIS templates a run would create, as JSON.

For review before a game day, or to run a fault by hand with ``aws fis create-experiment-template
--cli-input-json``. Templates need the AWS target's role, alarms and resource mappings, so a local
target is refused. The run id tag holds a placeholder: the real one is known only when a run starts.
With ``--combined`` it prints one template holding every ``via: fis`` fault on the scenario's
timeline (``aws:fis:wait`` then the fault), for teams that run the whole game day from FIS itself.
A template file is refused if its ARNs cannot be the target's (placeholders, the docs' example
accounts, a role outside the account allowlist, stop-condition alarms in another region): copied
from the docs, it would otherwise print ready to paste into the wrong account.
"""

from __future__ import annotations

import json
from pathlib import Path

from faults.fis.aws import fis_template_for
from faults.fis.builder import build_combined_template, has_fis_action
from faults.fis_template.spec import FisTemplateFile
from gameday.errors import InputError
from gameday.faultspecs import FaultBase
from gameday.fis_template import arn_findings, located_problems, read_template_file, template_lines
from gameday.run.plan import build_plan
from gameday.scenario import load_scenario
from gameday.targets import AwsTarget, load_target

RUN_ID_PLACEHOLDER = "RUN-ID"


def fis_template(scenario_path: Path, target_name: str, targets_path: Path, *, combined: bool = False) -> int:
    """Print ``{fault id: template}`` for every ``via: fis`` fault, or with ``combined`` one template."""
    scenario = load_scenario(scenario_path)
    target = load_target(targets_path, target_name)
    if not isinstance(target, AwsTarget):
        raise InputError(
            f"target '{target_name}' is localcloud: FIS templates are built for an AWS target (use --target)"
        )
    plan = build_plan(scenario, target, target_name, RUN_ID_PLACEHOLDER)  # the fault ids a run would use
    fis_faults = [planned for planned in plan.faults if planned.spec.via == "fis"]
    if not fis_faults:
        raise InputError(f"{scenario_path}: no fault runs through FIS (none has via: fis)")
    _check_template_files([planned.spec for planned in fis_faults], target)
    if combined:
        built: list[tuple[str, FaultBase]] = []
        for planned in fis_faults:
            if not has_fis_action(planned.spec):
                raise InputError(
                    f"{scenario_path}: {planned.fault_id} ({planned.spec.kind}) is a whole FIS template "
                    "of its own; --combined merges only faults that are one FIS action each (print "
                    "its template without --combined)"
                )
            built.append((planned.fault_id, planned.spec))
        template = build_combined_template(built, target, run_id=RUN_ID_PLACEHOLDER, scenario=scenario.name)
        print(json.dumps(template, indent=2))
        return 0
    templates = {
        planned.fault_id: fis_template_for(
            planned.spec, target, run_id=RUN_ID_PLACEHOLDER, fault_id=planned.fault_id
        )
        for planned in fis_faults
    }
    print(json.dumps(templates, indent=2))
    return 0


def _check_template_files(specs: list[FaultBase], target: AwsTarget) -> None:
    """Every ARN problem of every template file at once, each at its line (see the module docstring)."""
    problems = []
    for spec in specs:
        if isinstance(spec, FisTemplateFile):
            template = read_template_file(spec.file)
            found = arn_findings(template, region=target.region, accounts=target.account_allowlist)
            problems += located_problems(spec.file, found, template_lines(spec.file))
    if problems:
        raise InputError(problems)
