"""Targets: where logical names in a scenario become real resources.

``targets.yaml`` holds one entry per target. ``local`` is localcloud (the default); an AWS target
maps each logical service to an ECS cluster and service, and each queue to an SQS URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from gameday.errors import InputError, Problem
from gameday.yamlfile import load_model

DEFAULT_LOCALCLOUD_URL = "http://127.0.0.1:4580"


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalTarget(Strict):
    """localcloud: logical names are the stack file's service and queue names."""

    kind: Literal["localcloud"]
    stack: Path = Path("shop/stack.yaml")
    control_url: str = DEFAULT_LOCALCLOUD_URL


class EcsService(Strict):
    cluster: str
    service: str


class AwsTarget(Strict):
    """An AWS account; every resource a scenario names must be mapped here."""

    kind: Literal["aws"]
    region: str
    profile: str | None = None
    account_allowlist: list[str] = Field(min_length=1)
    entry_url: str
    services: dict[str, EcsService] = {}
    queues: dict[str, str] = {}


Target = Annotated[LocalTarget | AwsTarget, Field(discriminator="kind")]


class TargetsFile(Strict):
    targets: dict[str, Target]


def load_target(path: Path, name: str) -> Target:
    """Return target ``name`` from ``path``; a missing file means only ``local`` exists."""
    if not path.exists():
        if name == "local":
            return LocalTarget(kind="localcloud")
        raise InputError([Problem(str(path), None, "", f"no targets file, so no target named '{name}'")])
    targets = load_model(path, TargetsFile).targets
    if name not in targets:
        known = ", ".join(sorted(targets)) or "none"
        raise InputError([Problem(str(path), None, "targets", f"no target named '{name}' (known: {known})")])
    return targets[name]
