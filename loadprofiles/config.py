"""The load process's input, ``RUN/load.json``, written by the orchestrator.

Validated through :func:`gameday.yamlfile.load_model` (JSON is YAML), so a bad file is reported the
way a bad scenario is: ``file:line: field: message``.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator

from gameday.scenario import LoadSpec, Strict
from gameday.yamlfile import load_model


class LoadConfig(Strict):
    """Where to send load, which load, for how long, and where every request is recorded."""

    host: str = Field(description="base URL of the stack's entry")
    load: LoadSpec
    duration_s: float = Field(gt=0)
    requests_path: Path

    @field_validator("host")
    @classmethod
    def _http_url(cls, host: str) -> str:
        if not re.fullmatch(r"https?://[^/\s]+/?", host):
            raise ValueError("must be a base URL such as http://127.0.0.1:8080")
        return host


def read_config(path: Path) -> LoadConfig:
    """Read and validate ``load.json``; raise :class:`gameday.errors.InputError` on any problem."""
    return load_model(path, LoadConfig)
