"""The path kinds' scenario entries: ``break-network``, ``add-latency`` and ``fail-requests``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from gameday.faultspecs import FaultBase, FisOnly, PathSelection


class BreakNetwork(FaultBase):
    """Cut a path: connections hang (``blackhole``) or are refused and reset (``reset``)."""

    kind: Literal["break-network"]
    target: PathSelection
    mode: Literal["blackhole", "reset"] = "blackhole"
    method: Literal["security-group", "nacl"] = Field(
        default="security-group",
        description="on AWS via api: revoke the ingress rule (existing connections survive) or add "
        "network ACL deny entries (existing connections break too)",
    )

    @model_validator(mode="after")
    def _method_is_for_the_api(self) -> BreakNetwork:
        if self.via == "fis" and "method" in self.model_fields_set:
            raise ValueError("method only applies to via: api (FIS cuts the path with its own network ACL)")
        return self

    @property
    def target_label(self) -> str:
        return self.target.label


class AddLatency(FisOnly):
    """Delay traffic on a path by ``delay_ms`` ± ``jitter_ms``."""

    kind: Literal["add-latency"]
    target: PathSelection
    delay_ms: int = Field(default=200, ge=1, le=60_000)
    jitter_ms: int = Field(default=10, ge=0, le=60_000)

    @property
    def target_label(self) -> str:
        return self.target.label


class FailRequests(FisOnly):
    """Answer a share of the requests on a path with an HTTP error instead of the dependency."""

    kind: Literal["fail-requests"]
    target: PathSelection
    share: float = Field(default=1.0, gt=0, le=1)
    status: int = Field(default=503, ge=429, le=599)

    @model_validator(mode="after")
    def _error_status(self) -> FailRequests:
        if self.status != 429 and self.status < 500:
            raise ValueError("status must be 429 or a 5xx")
        return self

    @property
    def target_label(self) -> str:
        return self.target.label
