"""The dependencies a scenario grades, checked against its target before anything runs.

A ``dependency:`` the target cannot map to traces would only show after the run, as scores with
no calls: INCONCLUSIVE after half an hour of load. So each one must be a name the target knows:
on localcloud a dependency of its stack, on AWS an entry of the target's ``dependencies``.
"""

from __future__ import annotations

from pathlib import Path

from gameday.errors import InputError, Problem
from gameday.localcloud.dependency_map import dependency_names
from gameday.localcloud.stack import load_stack
from gameday.scenario import Scenario
from gameday.targets import AwsTarget, Target
from gameday.yamlfile import read_yaml


def check_dependencies(scenario_path: Path, scenario: Scenario, target_name: str, target: Target) -> None:
    """InputError with one located problem per ``dependency:`` the target does not know."""
    graded = [
        (index, dependency)
        for index, expectation in enumerate(scenario.expect)
        if (dependency := getattr(expectation, "dependency", None)) is not None
    ]
    if not graded:
        return
    known, where = _known(target_name, target)
    unknown = [(index, name) for index, name in graded if name not in known]
    if not unknown:
        return
    _, lines = read_yaml(scenario_path)
    hint = ", ".join(known) or "none"
    problems = [
        Problem(
            str(scenario_path),
            lines.get(("expect", index, "dependency")),
            f"expect[{index}].dependency",
            f"'{name}' is not a dependency {where} (known: {hint})" + _how_to_map(name, target),
        )
        for index, name in unknown
    ]
    raise InputError(problems)


def _known(target_name: str, target: Target) -> tuple[list[str], str]:
    if isinstance(target, AwsTarget):
        return sorted(target.dependencies), f"target '{target_name}' maps"
    return list(dependency_names(load_stack(target.stack))), f"of the stack {target.stack}"


def _how_to_map(name: str, target: Target) -> str:
    if not isinstance(target, AwsTarget):
        return ""
    return (
        f"; map it under the target's dependencies, e.g. `{name}: {{host: {name}.internal}}` "
        "(or name, url, aws + resource, annotation)"
    )
