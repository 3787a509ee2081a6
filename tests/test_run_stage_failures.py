"""Whatever stage of a run fails, nothing is left behind: no process, no fault in force.

Each case runs a short game day on the shop (one localcloud for the module, as `gameday stack up`
leaves one running) with one stage made to fail: building a fault, starting the load, injecting,
collecting evidence, scoring, writing the reports. Afterwards no process the run started is alive,
no path fault is left on the stack, and every fault the ledger shows as intended is reverted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from faults.base import Injector
from gameday.ledger import Ledger
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.processes import wait_until
from gameday.run import orchestrator, sessions
from gameday.run.console import Console
from gameday.targets import load_target

pytestmark = pytest.mark.e2e

SCENARIO = """\
name: stage-failure
description: A short run whose one fault is a revertible blackhole on bff->catalog.
duration: 6s
load: {shape: steady, flow: shop, users: 2}
faults:
  - {kind: break-network, at: 2s, for: 2s, target: {path: bff->catalog}, mode: blackhole}
expect:
  - {score: availability, phase: baseline, min: 0.5}
"""


class StageFailed(RuntimeError):
    pass


def _fail(*_: object, **__: object) -> Any:
    raise StageFailed("made to fail by the test")


def _injector_that_fails_to_inject(build: Callable[..., Injector]) -> Callable[..., Injector]:
    def built(*args: object, **kwargs: object) -> Injector:
        injector = build(*args, **kwargs)
        injector.inject = _fail  # type: ignore[method-assign]
        return injector

    return built


STAGES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "build": lambda mp: mp.setattr(sessions, "build_injector", _fail),
    "load start": lambda mp: mp.setattr(orchestrator.LoadProcess, "start", _fail),
    "inject": lambda mp: mp.setattr(
        sessions, "build_injector", _injector_that_fails_to_inject(sessions.build_injector)
    ),
    "collect": lambda mp: mp.setattr(orchestrator, "collect_evidence", _fail),
    "score": lambda mp: mp.setattr(orchestrator, "score_run", _fail),
    "report": lambda mp: mp.setattr(orchestrator, "write_reports", _fail),
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_failing_stage_leaves_no_process_and_no_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop_stack: Path, shop: RunningLocalcloud, stage: str
) -> None:
    local = {"kind": "localcloud", "control_url": shop.client.base_url, "stack": str(shop_stack)}
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": {"local": local}}))
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(SCENARIO)
    STAGES[stage](monkeypatch)
    reports = tmp_path / "reports"
    try:
        orchestrator.run_game_day(
            scenario, "local", load_target(targets, "local"), reports, console=Console()
        )
    except StageFailed:
        assert stage != "inject", "a failed inject is the fault's outcome, not the run's failure"
    else:
        assert stage == "inject", "the stage did not fail the run"
    assert wait_until(lambda: not _started_by_the_run(shop.pid), 15), _started_by_the_run(shop.pid)
    assert not any(shop.client.state().path_faults.values())
    ledgers = list(reports.glob("runs/*/ledger.jsonl"))
    assert all(not Ledger(path).unreverted() for path in ledgers)
    if stage in ("inject", "collect", "score", "report"):  # the fault was due: it was tried and closed
        (ledger,) = ledgers
        assert next(entry.event for entry in Ledger.read(ledger)) == "intent"


def _started_by_the_run(localcloud_pid: int) -> list[psutil.Process]:
    """This process's descendants that are not the localcloud or its tasks (a load process, say)."""
    stack = {localcloud_pid} | {p.pid for p in psutil.Process(localcloud_pid).children(recursive=True)}
    return [p for p in psutil.Process().children(recursive=True) if p.pid not in stack and p.is_running()]
