"""The ``throttle-queue`` scenario entry: which queue, and how it is slowed down."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from gameday.durations import Seconds
from gameday.faultspecs import FaultBase, QueueSelection
from gameday.limits import MAX_COUNT


class ThrottleQueue(FaultBase):
    """Slow a queue down for the window, then put back exactly what was there.

    ``consumer``: fewer consumers (ECS desired count, Lambda reserved concurrency or a disabled
    event source mapping on AWS; the consumer service's desired count on localcloud).
    ``delay``: every new message waits ``delay`` before it can be received (SQS DelaySeconds).
    ``reject-sends``: a share of SendMessage calls fail with the SQS throttling error (localcloud).
    """

    kind: Literal["throttle-queue"]
    target: QueueSelection
    mode: Literal["consumer", "delay", "reject-sends"]
    consumers: int = Field(
        default=0, ge=0, le=MAX_COUNT, description="consumers left running in mode consumer"
    )
    delay: Seconds | None = Field(default=None, gt=0, le=900)
    share: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _parameters_match_mode(self) -> ThrottleQueue:
        if self.via == "fis":
            raise ValueError("AWS FIS has no queue action; use via: api")
        if self.mode == "delay" and self.delay is None:
            raise ValueError("mode delay needs delay (e.g. 30s, at most 900s)")
        if self.mode == "reject-sends" and self.share is None:
            raise ValueError("mode reject-sends needs share (0 to 1)")
        if self.mode != "delay" and self.delay is not None:
            raise ValueError("delay only applies to mode delay")
        if self.mode != "reject-sends" and self.share is not None:
            raise ValueError("share only applies to mode reject-sends")
        return self

    @property
    def target_label(self) -> str:
        return self.target.label
