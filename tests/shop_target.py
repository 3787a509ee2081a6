"""The real shop stack for end-to-end tests, on free ports so a running demo never collides."""

from __future__ import annotations

from pathlib import Path

import yaml

from bench.stack import write_free_port_stack as write_shop_stack
from gameday.localcloud.ports import free_port

__all__ = ["kill_one_scenario", "write_local_targets", "write_shop_stack"]


def write_local_targets(folder: Path, stack: Path | None = None) -> tuple[Path, str]:
    """A targets file whose ``local`` target runs ``stack`` with its control API on a free port."""
    control_url = f"http://127.0.0.1:{free_port()}"
    target: dict[str, str] = {"kind": "localcloud", "control_url": control_url}
    if stack is not None:
        target["stack"] = str(stack)
    path = folder / "targets.yaml"
    path.write_text(yaml.safe_dump({"targets": {"local": target}}))
    return path, control_url


def kill_one_scenario(name: str, duration_s: int, at_s: int, for_s: int) -> str:
    """The shortest honest game day: light steady load while one orders task is stopped."""
    return f"""name: {name}
description: Light steady load while one orders task is stopped.
duration: {duration_s}s
load: {{shape: steady, flow: shop, users: 2, spawn_rate: 2}}
faults:
  - {{kind: kill-tasks, at: {at_s}s, for: {for_s}s, target: {{service: orders}}, count: 1}}
expect:
  - {{score: availability, phase: fault, min: 0.9}}
"""
