"""``gameday iam-policy SCENARIO… --target NAME``: the least-privilege policy a runner needs for them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gameday.errors import InputError
from gameday.iam.fis_role import fis_role_policy
from gameday.iam.policy import runner_policy
from gameday.s3reports.location import S3Location, parse_s3
from gameday.scenario import load_scenario
from gameday.targets import AwsTarget, load_target


def iam_policy(
    paths: list[Path], target_name: str, targets_path: Path, reports: str | None, fis_role: bool
) -> int:
    target = load_target(targets_path, target_name)
    if not isinstance(target, AwsTarget):
        raise InputError(f"iam-policy: target '{target_name}' is not an AWS target (kind: aws)")
    scenarios = [load_scenario(path) for path in paths]
    if fis_role:
        document = fis_role_policy(scenarios, target)
        if not document["Statement"]:
            print("iam-policy: these scenarios run no FIS action that needs a permission", file=sys.stderr)
            return 0
    else:
        location: S3Location | None = parse_s3(reports) if reports else None
        document = runner_policy(scenarios, target, location)
    print(json.dumps(document, indent=2))
    return 0
