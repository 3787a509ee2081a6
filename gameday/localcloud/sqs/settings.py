"""The queue attributes localcloud honours, with SQS's names, ranges and defaults.

Only attributes that change behaviour here are accepted; setting one that localcloud would ignore
(a redrive policy, KMS) fails loudly rather than pretending to work. Values travel as strings on
the wire and are checked with the limits of SQS (developer guide, "queue attributes").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from gameday.localcloud.sqs import errors


class _Limit(NamedTuple):
    field: str
    low: int
    high: int


SETTABLE: dict[str, _Limit] = {
    "DelaySeconds": _Limit("delay_s", 0, 900),
    "VisibilityTimeout": _Limit("visibility_timeout_s", 0, 43_200),
    "ReceiveMessageWaitTimeSeconds": _Limit("receive_wait_s", 0, 20),
    "MaximumMessageSize": _Limit("maximum_message_size", 1_024, 1_048_576),
}


@dataclass(frozen=True)
class QueueSettings:
    delay_s: float = 0
    visibility_timeout_s: float = 30
    receive_wait_s: float = 0
    maximum_message_size: int = 1_048_576

    def updated(self, attributes: dict[str, str]) -> QueueSettings:
        """These settings with SQS-style string attributes applied; raises on unknown or out of range."""
        changes: dict[str, int] = {}
        for name, raw in attributes.items():
            limit = SETTABLE.get(name)
            if limit is None:
                raise errors.invalid_attribute_name(name)
            try:
                value = int(raw)
            except (TypeError, ValueError):
                raise errors.invalid_attribute_value(name, f"{raw!r} is not an integer.") from None
            if not limit.low <= value <= limit.high:
                raise errors.invalid_attribute_value(
                    name, f"Must be between {limit.low} and {limit.high}, got {value}."
                )
            changes[limit.field] = value
        return replace(self, **changes)

    def as_attributes(self) -> dict[str, str]:
        return {name: str(int(getattr(self, limit.field))) for name, limit in SETTABLE.items()}
