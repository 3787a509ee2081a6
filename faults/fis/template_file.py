"""FIS experiment template files a scenario names with ``kind: fis-template``.

The file holds a CreateExperimentTemplate input, as ``aws fis create-experiment-template
--cli-input-json`` takes it. gameday fills in what the target knows (role, stop conditions) when
the file leaves it out, and always adds the run's tags so rollback can find what it created.
"""

from __future__ import annotations

import json
from pathlib import Path

from faults.fis.builder import Template, role_arn, run_tags, stop_conditions
from gameday.errors import InputError
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
    """The template in ``path``: a JSON object with an ``actions`` object, or a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the FIS template: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("experimentTemplate"), dict):
        data = data["experimentTemplate"]  # as saved by get-experiment-template
    if not isinstance(data, dict) or not isinstance(data.get("actions"), dict) or not data["actions"]:
        raise InputError(f"{path}: an FIS template needs an 'actions' object with at least one action")
    return data


def complete_template(template: Template, target: AwsTarget, *, run_id: str, fault_id: str) -> Template:
    """The file's template ready to create on ``target``: role and stop conditions filled, tags added."""
    completed = {key: template[key] for key in _INPUT_MEMBERS if key in template}
    completed.setdefault("description", f"gameday run {run_id}: FIS template ({fault_id})")
    if "roleArn" not in completed:
        completed["roleArn"] = role_arn(target)
    if "stopConditions" not in completed:
        completed["stopConditions"] = stop_conditions(target)
    completed["tags"] = {**completed.get("tags", {}), **run_tags(run_id, fault_id)}
    return completed
