"""A fault that cannot be built stops the run before any load starts, so nothing is left running."""

from __future__ import annotations

from pathlib import Path

import pytest
from http_double import http_double

from gameday.errors import InputError
from gameday.run import orchestrator
from gameday.run.console import Console
from gameday.run.plan import PlannedFault, build_plan
from gameday.scoring.testing import synthetic_scenario
from gameday.targets import LocalTarget
from loadprofiles.config import WorkerOptions


class _UnbuildableSession:
    """A reachable entry whose first fault's injector cannot be built (a bad name, say)."""

    def __init__(self, entry_url: str) -> None:
        self.entry_url = entry_url
        self.built: list[str] = []

    def dependencies(self) -> dict[str, list[object]]:
        return {}

    def injector_for(self, planned: PlannedFault, run_id: str) -> object:
        self.built.append(planned.fault_id)
        raise InputError(f"{planned.fault_id}: no such service")


def test_a_fault_that_cannot_be_built_starts_no_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Path] = []

    def _start(config_path: Path, **_: object) -> None:
        started.append(config_path)
        raise AssertionError("the load started although a fault could not be built")

    monkeypatch.setattr(orchestrator.LoadProcess, "start", _start)
    plan = build_plan(synthetic_scenario(), LocalTarget(kind="localcloud"), "local", run_id="r")
    with http_double({"/": 200}) as entry:
        session = _UnbuildableSession(entry.url)
        with pytest.raises(InputError, match="no such service"):
            orchestrator._execute(plan, session, tmp_path, Console(), WorkerOptions())  # type: ignore[arg-type]
    assert session.built == [plan.faults[0].fault_id]
    assert started == []
