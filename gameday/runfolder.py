"""A run folder's files, each named once.

The run folder is the hand-over between running, judging and rolling back: the run writes it, and
``gameday report`` and ``gameday rollback`` read it with nothing else. Every module that touches a
file of it takes the path from here, so a name cannot drift between the writer and a reader.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar


@dataclass(frozen=True)
class RunFolder:
    path: Path

    # what the run writes before it starts
    SCENARIO: ClassVar[str] = "scenario.yaml"  # the scenario as it ran
    PLAN: ClassVar[str] = "plan.json"
    LOAD_CONFIG: ClassVar[str] = "load.json"  # what the load process is handed
    # what it writes while it runs
    LEDGER: ClassVar[str] = "ledger.jsonl"  # every fault's revert plan, before its inject
    LOAD_LOG: ClassVar[str] = "load.log"
    LOCALCLOUD_LOG: ClassVar[str] = "localcloud.log"
    ABORT: ClassVar[str] = "abort.json"
    # the evidence (gameday.evidence.bundle)
    RUN: ClassVar[str] = "run.json"
    REQUESTS: ClassVar[str] = "requests.jsonl"
    LOAD_SECONDS: ClassVar[str] = "load_seconds.jsonl"
    METRICS: ClassVar[str] = "metrics.jsonl"
    EVENTS: ClassVar[str] = "events.jsonl"
    TRACES: ClassVar[str] = "traces.jsonl"
    SCALING: ClassVar[str] = "scaling.jsonl"
    ALARMS: ClassVar[str] = "alarms.jsonl"  # the stop alarms' state changes
    PHASES: ClassVar[str] = "phases.json"
    FAULTS: ClassVar[str] = "faults.json"
    GAPS: ClassVar[str] = "gaps.json"
    DEPENDENCIES: ClassVar[str] = "dependencies.json"
    # the reports (gameday.reporting)
    SCORES: ClassVar[str] = "scores.json"
    JUNIT: ClassVar[str] = "junit.xml"
    SUMMARY: ClassVar[str] = "summary.md"
    REPORT: ClassVar[str] = "report.html"
    TIMELINE: ClassVar[str] = "timeline.json"  # the run's events in time order (gameday.insights)
    FINDINGS: ClassVar[str] = "findings.json"
    IMPACT: ClassVar[str] = "impact.json"  # availability and latency per route and window

    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def scenario(self) -> Path:
        return self.path / self.SCENARIO

    @property
    def plan(self) -> Path:
        return self.path / self.PLAN

    @property
    def load_config(self) -> Path:
        return self.path / self.LOAD_CONFIG

    @property
    def ledger(self) -> Path:
        return self.path / self.LEDGER

    @property
    def load_log(self) -> Path:
        return self.path / self.LOAD_LOG

    @property
    def localcloud_log(self) -> Path:
        return self.path / self.LOCALCLOUD_LOG

    @property
    def requests(self) -> Path:
        return self.path / self.REQUESTS

    @property
    def load_seconds(self) -> Path:
        return self.path / self.LOAD_SECONDS

    @property
    def report(self) -> Path:
        return self.path / self.REPORT

    def write_json(self, name: str, value: Any) -> Path:
        """``value`` as indented JSON in the file ``name``."""
        path = self.path / name
        path.write_text(json.dumps(value, indent=2) + "\n")
        return path

    def plan_target(self) -> str | None:
        """The target name plan.json records, or None when there is none to read."""
        try:
            plan = json.loads(self.plan.read_text())
        except (OSError, ValueError):
            return None
        target = plan.get("target") if isinstance(plan, dict) else None
        return target if isinstance(target, str) else None
