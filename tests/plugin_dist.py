"""A real installed distribution in a temporary folder, for testing what plugins register.

``importlib.metadata`` finds a distribution by its ``*.dist-info`` folder on ``sys.path``; writing
one (METADATA, entry_points.txt) beside the plugin's modules is what ``pip install`` leaves
behind, without pip, a build or a network. Put the folder on ``sys.path`` (in this process) or on
``PYTHONPATH`` (for a subprocess, see :func:`env_with`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def write_distribution(
    site: Path, name: str, entry_points: Mapping[str, Mapping[str, str]], modules: Mapping[str, str]
) -> Path:
    """Install ``name`` into ``site``: its ``modules`` (module name → source) and its entry points
    (group → entry point name → ``module:attribute``). Returns ``site``."""
    info = site / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    sections = [
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in points.items())
        for group, points in entry_points.items()
    ]
    (info / "entry_points.txt").write_text("\n".join(sections))
    for module, source in modules.items():
        (site / f"{module}.py").write_text(source)
    return site


def env_with(site: Path) -> dict[str, str]:
    """This process's environment with ``site`` first on ``PYTHONPATH``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH")) if p)
    return env


def score_kind_module(model: str, names: str) -> str:
    """The source of a minimal score plugin: expectation model ``model`` grading ``names`` (the
    Literal's arguments, e.g. ``"'drain_s'"``), exposed as ``KIND``; its measure grades nothing."""
    return (
        "from typing import Literal\n"
        "from gameday.scoring.kind import ScoreKind\n"
        "from gameday.shared import Strict\n"
        f"class {model}(Strict):\n"
        f"    score: Literal[{names}]\n"
        "def measure(expectation, evidence):\n"
        "    return []\n"
        f"KIND = ScoreKind({model}, measure)\n"
    )
