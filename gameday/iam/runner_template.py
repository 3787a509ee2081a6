"""The policies of deploy/runner.yaml: generated for the catalogue on the shop deploy/shop.yaml makes.

The runner's stack does not know the shop's resources when it is written, so the target they are
generated for names them as CloudFormation does: the shop stack's exports (``ShopStackName``
parameter), the runner's own bucket, topic and FIS role, and the account, region and partition
it is deployed in. Each string that names one becomes an ``Fn::Sub``. The catalogue's scenarios
that cannot run on that target (sized for localcloud) are left out, by name.

``python -m gameday.iam.runner_template`` rewrites the two documents in deploy/runner.yaml (the
line after each ``# generated:`` marker); a test holds the file to what this generates.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from gameday.commands.from_stack import SHOP_OUTPUTS, target_entry
from gameday.errors import InputError
from gameday.iam.fis_role import fis_role_policy
from gameday.iam.grants import Arns
from gameday.iam.policy import runner_policy
from gameday.packaged import catalogue
from gameday.s3reports.location import S3Location
from gameday.scenario import Scenario, load_scenario
from gameday.targets import AwsTarget

RUNNER_TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "runner.yaml"
MARKER = "# generated:"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9:.]+)\}")
_SHOP = "Shop"  # the prefix of the variables that stand for the shop stack's exports


def shop_target() -> AwsTarget:
    """The staging target of a shop stack, its values CloudFormation placeholders."""
    outputs = {key: f"${{{_SHOP}{key}}}" for key in SHOP_OUTPUTS}
    outputs["OrdersQueueUrl"] = (
        f"https://sqs.${{AWS::Region}}.amazonaws.com/${{AWS::AccountId}}/${{{_SHOP}OrdersQueueName}}"
    )
    outputs["OptInTag"] = "gameday:allowed=true"
    outputs["LoadBalancer"] = "app/shop/placeholder"  # only its metrics are read, which IAM does not scope
    entry = target_entry("${AWS::Region}", "${AWS::AccountId}", outputs, None)
    target = AwsTarget.model_validate(entry)
    return target.model_copy(
        update={"fis_role_arn": "${FisExperimentRole.Arn}", "results_topic_arn": "${Results}"}
    )


def runnable_catalogue(target: AwsTarget) -> tuple[list[Scenario], list[str]]:
    """The catalogue's scenarios that can run on ``target``, and the names of those that cannot."""
    runnable, left_out = [], []
    for name, path in sorted(catalogue().items()):
        scenario = load_scenario(path)
        try:
            runner_policy([scenario], target)
            fis_role_policy([scenario], target)
        except InputError as error:
            left_out.append(f"{name} ({str(error).splitlines()[0]})")
            continue
        runnable.append(scenario)
    return runnable, left_out


def runner_policies() -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The task role's and the FIS role's documents as CloudFormation values, and what was left out."""
    target = shop_target()
    scenarios, left_out = runnable_catalogue(target)
    arns = Arns("${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}")
    reports = S3Location("${RunFolders}", "${TargetName}")
    task = runner_policy(scenarios, target, reports, arns)
    fis = fis_role_policy(scenarios, target)
    return as_cloudformation(task), as_cloudformation(fis), left_out


def as_cloudformation(value: Any) -> Any:
    """Every string naming a placeholder as ``Fn::Sub``; the shop's exports imported by name."""
    if isinstance(value, dict):
        return {key: as_cloudformation(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_cloudformation(item) for item in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    imports = {
        name: {"Fn::ImportValue": {"Fn::Sub": f"${{ShopStackName}}-{name.removeprefix(_SHOP)}"}}
        for name in sorted(set(_PLACEHOLDER.findall(value)))
        if name.startswith(_SHOP)
    }
    return {"Fn::Sub": [value, imports]} if imports else {"Fn::Sub": value}


def rewrite(path: Path) -> list[str]:
    """Put the generated documents on the lines after the markers of ``path``; what was left out."""
    task, fis, left_out = runner_policies()
    documents = {"task role": task, "FIS role": fis}
    lines = path.read_text().splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip().startswith(MARKER):
            which = line.split(MARKER, 1)[1].split("(")[0].strip()
            indent = line[: len(line) - len(line.lstrip())]
            lines[index + 1] = f"{indent}PolicyDocument: {json.dumps(documents[which], sort_keys=True)}\n"
    path.write_text("".join(lines))
    return left_out


if __name__ == "__main__":
    skipped = rewrite(Path(sys.argv[1]) if len(sys.argv) > 1 else RUNNER_TEMPLATE)
    print(f"policies rewritten; catalogue scenarios that cannot run on the shop stack: {', '.join(skipped)}")
