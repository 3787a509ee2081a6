"""The stop alarms' state changes during the run, for the timeline.

The guard polls the alarms every few seconds and only acts on ALARM; the history shows every
change with CloudWatch's own time and reason (``Threshold Crossed: …``), including an alarm that
went to ALARM and back between two polls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from botocore.client import BaseClient

from gameday.evidence.records import AlarmChange
from gameday.safety.guardrails import alarm_name


def alarm_history(
    cloudwatch: BaseClient, alarms: Sequence[str], since: float, until: float
) -> list[AlarmChange]:
    """Every StateUpdate of ``alarms`` (names or ARNs) in ``[since, until)``, in time order."""
    changes = []
    paginator = cloudwatch.get_paginator("describe_alarm_history")
    for alarm in alarms:
        pages = paginator.paginate(
            AlarmName=alarm_name(alarm),
            HistoryItemType="StateUpdate",
            StartDate=datetime.fromtimestamp(since, UTC),
            EndDate=datetime.fromtimestamp(until, UTC),
        )
        for page in pages:
            changes += [_change(item) for item in page.get("AlarmHistoryItems", [])]
    return sorted(changes, key=lambda change: change.t)


def _change(item: dict[str, object]) -> AlarmChange:
    """One history item; its HistoryData JSON holds the old and new state and the reason."""
    try:
        data = json.loads(str(item.get("HistoryData", "{}")))
    except ValueError:
        data = {}
    old, new = data.get("oldState", {}), data.get("newState", {})
    timestamp = item["Timestamp"]
    assert isinstance(timestamp, datetime)  # botocore parses the timestamp shape
    return AlarmChange(
        t=timestamp.timestamp(),
        alarm=str(item.get("AlarmName", "")),
        old_state=str(old.get("stateValue", "?")),
        new_state=str(new.get("stateValue", "?")),
        reason=str(new.get("stateReason") or item.get("HistorySummary", "")),
    )
