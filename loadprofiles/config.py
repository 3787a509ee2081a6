"""The load process's input, ``RUN/load.json``, written by the orchestrator.

Validated through :func:`gameday.yamlfile.load_model` (JSON is YAML), so a bad file is reported the
way a bad scenario is: ``file:line: field: message``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from pydantic import Field, field_validator, model_validator

from gameday.flowspecs import LocustFileFlow
from gameday.loadspecs import LoadSpec
from gameday.shared import Strict
from gameday.yamlfile import load_model
from loadprofiles.wire import DEFAULT_MASTER_PORT

WORKERS_TIMEOUT_S = 60.0
"""How long the load process waits for remote workers by default; they retry connecting for 5 minutes."""


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
    workers_timeout_s: float = Field(
        default=WORKERS_TIMEOUT_S, gt=0, description="how long to wait for remote workers"
    )
    locustfile_source: str | None = Field(
        default=None,
        description="the text of the flow's Locust file, read when the config is: the master sends it "
        "to remote workers, which need not have the file",
    )

    @field_validator("host")
    @classmethod
    def _http_url(cls, host: str) -> str:
        if not re.fullmatch(r"https?://[^/\s]+/?", host):
            raise ValueError("must be a base URL such as http://127.0.0.1:8080")
        return host

    @model_validator(mode="after")
    def _with_the_locustfile_text(self) -> Self:
        flow = self.load.flow
        if not isinstance(flow, LocustFileFlow) or self.locustfile_source is not None:
            return self
        try:
            source = flow.locustfile.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"load.flow.locustfile: cannot read {flow.locustfile}: {exc}") from None
        return self.model_copy(update={"locustfile_source": source})

    @property
    def distributed(self) -> bool:
        """A master with workers, rather than users in the load process itself."""
        return self.expect_workers > 0 or self.local_worker_count > 0

    @property
    def local_worker_count(self) -> int:
        return (
            default_local_workers(self.expect_workers) if self.local_workers is None else self.local_workers
        )


def default_local_workers(expect_workers: int) -> int:
    """One worker process per core; none when remote workers carry the load (they are the point)."""
    return 0 if expect_workers else (os.cpu_count() or 1)


@dataclass(frozen=True)
class WorkerOptions:
    """How ``gameday run`` spreads the load (--load-workers, --expect-workers, --master-bind,
    --master-port), turned into ``load.json`` fields by the orchestrator."""

    load_workers: int | None = None
    expect_workers: int = 0
    master_bind: str = "127.0.0.1"
    master_port: int | None = None

    def config_fields(self) -> dict[str, Any]:
        """Defaults resolved, so load.json says what ran: with remote workers the port is Locust's
        5557 (firewall rules, ``gameday worker --master HOST``), without them any free port, so runs
        side by side never collide."""
        default_port = DEFAULT_MASTER_PORT if self.expect_workers else 0
        return {
            "local_workers": default_local_workers(self.expect_workers)
            if self.load_workers is None
            else self.load_workers,
            "expect_workers": self.expect_workers,
            "master_bind": self.master_bind,
            "master_port": default_port if self.master_port is None else self.master_port,
        }

    @property
    def started_timeout_s(self) -> float:
        """How long the orchestrator waits for the load to start: the load process's own bound on
        connecting workers, plus its start-up."""
        return (WORKERS_TIMEOUT_S if self.expect_workers else 0.0) + 60.0


def read_config(path: Path) -> LoadConfig:
    """Read and validate ``load.json``; raise :class:`gameday.errors.InputError` on any problem."""
    return load_model(path, LoadConfig)
