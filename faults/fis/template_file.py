"""FIS experiment template files a scenario names with ``kind: fis-template``.

The file holds a CreateExperimentTemplate input, as ``aws fis create-experiment-template
--cli-input-json`` takes it. gameday fills in what the target knows (role, stop conditions) when
the file leaves it out, and always adds the run's tags so rollback can find what it created. A
file that skips targets resolving to nothing (``emptyTargetResolutionMode: skip``, as many of
AWS's public templates do) runs with ``fail``: a skipped target harms nothing, and a fault that
harmed nothing must not pass.
"""

from __future__ import annotations

from pathlib import Path

from faults.fis.parts import EMPTY_TARGETS_TAG, Template, role_arn, run_tags, stop_conditions
from gameday.fis_template import read_template_file
from gameday.targets import AwsTarget

# Members of the CreateExperimentTemplate input gameday passes on; a file saved from
# get-experiment-template also has id, arn and times, which are dropped.
_INPUT_MEMBERS = (
    "description",
    "stopConditions",
    "targets",
    "actions",
    "roleArn",
    "tags",
    "logConfiguration",
    "experimentOptions",
    "experimentReportConfiguration",
)


def read_template(path: Path) -> Template:
    """The template in ``path``, checked (see :mod:`gameday.fis_template`)."""
    return read_template_file(path)


def complete_template(template: Template, target: AwsTarget, *, run_id: str, fault_id: str) -> Template:
    """The file's template ready to create on ``target``: role and stop conditions filled, tags added.

    ``skip`` becomes ``fail``, tagged :data:`~faults.fis.parts.EMPTY_TARGETS_TAG` so the outcome says so.
    """
    completed = {key: template[key] for key in _INPUT_MEMBERS if key in template}
    completed.setdefault("description", f"gameday run {run_id}: FIS template ({fault_id})")
    if "roleArn" not in completed:
        completed["roleArn"] = role_arn(target)
    if "stopConditions" not in completed:
        completed["stopConditions"] = stop_conditions(target)
    completed["tags"] = {**completed.get("tags", {}), **run_tags(run_id, fault_id)}
    options = completed.get("experimentOptions", {})
    if options.get("emptyTargetResolutionMode") == "skip":
        completed["experimentOptions"] = {**options, "emptyTargetResolutionMode": "fail"}
        completed["tags"][EMPTY_TARGETS_TAG] = "fail instead of skip"
    return completed
