"""The deploy/ folder's CloudFormation templates, read as data by the tests that hold code to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !Sub …) as None: the tests read names and structure only."""


_CloudFormationLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def read_template(name: str) -> dict[str, Any]:
    template: dict[str, Any] = yaml.load((DEPLOY / name).read_text(), Loader=_CloudFormationLoader)
    return template
