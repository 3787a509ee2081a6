"""The load process's input, ``RUN/load.json``, written by the orchestrator.

Validated through :func:`gameday.yamlfile.load_model` (JSON is YAML), so a bad file is reported the
way a bad scenario is: ``file:line: field: message``.
"""

from __future__ import annotations

import os
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
    local_workers: int | None = Field(
        default=None,
        ge=0,
        description="worker processes the load process starts beside its master; None: one per core; "
        "0: no master, the users run in the load process itself (unless remote workers are expected)",
    )
    expect_workers: int = Field(
        default=0, ge=0, description="remote workers to wait for before the load starts"
    )
    master_bind: str = Field(default="127.0.0.1", description="address the master listens on for workers")
    master_port: int = Field(default=0, ge=0, le=65535, description="0: any free port")
    workers_timeout_s: float = Field(default=60.0, gt=0, description="how long to wait for remote workers")

    @property
    def distributed(self) -> bool:
        """A master with workers, rather than users in the load process itself."""
        return self.expect_workers > 0 or self.local_worker_count > 0

    @property
    def local_worker_count(self) -> int:
        if self.local_workers is not None:
            return self.local_workers
        return 0 if self.expect_workers else (os.cpu_count() or 1)

    @field_validator("host")
    @classmethod
    def _http_url(cls, host: str) -> str:
        if not re.fullmatch(r"https?://[^/\s]+/?", host):
            raise ValueError("must be a base URL such as http://127.0.0.1:8080")
        return host


def read_config(path: Path) -> LoadConfig:
    """Read and validate ``load.json``; raise :class:`gameday.errors.InputError` on any problem."""
    return load_model(path, LoadConfig)
