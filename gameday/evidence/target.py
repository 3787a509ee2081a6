"""What a target itself recorded during a run window, whichever backend collected it.

localcloud's stores and the AWS collectors both hand this to the orchestrator, which bundles it
with the load's own records; one type keeps the seam between backends and the run in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gameday.evidence.records import AlarmChange, Gap, MetricPoint, ScalingActivity, TaskEvent


@dataclass
class TargetEvidence:
    """Metrics, task events, raw X-Ray documents and scaling activities, with a gap per shortfall."""

    metrics: list[MetricPoint] = field(default_factory=list)
    events: list[TaskEvent] = field(default_factory=list)
    traces: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    scaling: list[ScalingActivity] = field(default_factory=list)
    alarms: list[AlarmChange] = field(default_factory=list)  # the stop alarms' state changes (AWS)
