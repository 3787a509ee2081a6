"""The user flow of a scenario's load: a named flow (``shop``), plain HTTP requests declared inline,
or a team's own Locust file.

A declared flow lets a team load its own API without writing Python::

    flow:
      http:
        wait: {min: 0.5s, max: 1.5s}
        requests:
          - {method: GET, path: /catalog, weight: 6}
          - {method: POST, path: /checkout, expect_status: [201, 202], json: {item_id: 1}}

A team that already has Locust users names their file instead (relative to the scenario's folder)::

    flow: {locustfile: ../loadprofiles/shop_users.py, user_classes: [Browser, Buyer]}

Kept free of Locust: the orchestrator validates flows (a Locust file in a child process), only the
load process builds users from them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    PlainSerializer,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gameday.durations import Seconds
from gameday.locustfile_check import locustfile_problem
from gameday.shared import Strict

NAMED_FLOWS = ("shop",)
"""Flows written in Python, by the name ``load.flow`` gives them."""

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class Wait(Strict):
    """Think time between one user's requests, drawn uniformly from [min, max]; 0 is full speed."""

    min: Seconds = Field(default=0, ge=0)
    max: Seconds = Field(default=0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _one_value_is_constant(cls, data: Any) -> Any:
        """``wait: 1s`` (or ``wait: 0``) is short for ``{min: 1s, max: 1s}``."""
        return data if isinstance(data, dict | Wait) else {"min": data, "max": data}

    @model_validator(mode="after")
    def _ordered(self) -> Wait:
        if self.max < self.min:
            raise ValueError("max must not be below min")
        return self


class HttpRequest(Strict):
    """One kind of request a user makes; users pick among them by ``weight``."""

    name: str | None = Field(default=None, min_length=1, description='defaults to "METHOD path"')
    method: HttpMethod = "GET"
    path: str = Field(description="starts with /, is appended to the target's entry URL")
    weight: int = Field(default=1, ge=1)
    expect_status: list[int] | None = Field(
        default=None, min_length=1, description="the statuses that count as success; any 2xx when not given"
    )
    headers: dict[str, str] = {}
    json_body: JsonValue = Field(default=None, alias="json")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("method", mode="before")
    @classmethod
    def _upper_case(cls, method: Any) -> Any:
        return method.upper() if isinstance(method, str) else method

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, path: str) -> str:
        if not path.startswith("/") or any(c.isspace() for c in path):
            raise ValueError(f"'{path}' must start with / and hold no spaces, e.g. /catalog?page=1")
        return path

    @field_validator("expect_status", mode="before")
    @classmethod
    def _one_status_is_a_list(cls, status: Any) -> Any:
        return [status] if isinstance(status, int) else status

    @field_validator("expect_status")
    @classmethod
    def _real_statuses(cls, statuses: list[int] | None) -> list[int] | None:
        for code in statuses or []:
            if not 100 <= code <= 599:
                raise ValueError(f"{code} is not an HTTP status (100-599)")
        return statuses

    @property
    def label(self) -> str:
        """The name requests are recorded and reported under."""
        return self.name or f"{self.method} {self.path}"

    def expected(self, status: int) -> bool:
        if self.expect_status is None:
            return 200 <= status < 300
        return status in self.expect_status


class HttpFlow(Strict):
    """Users that repeat weighted HTTP requests against the target's entry, pausing ``wait`` between."""

    wait: Wait = Field(default_factory=lambda: Wait(min=0.5, max=1.5))
    requests: list[HttpRequest] = Field(min_length=1)


class LocustFileFlow(Strict):
    """The user classes of a team's own Locust file, run under the scenario's shape: the shape says
    how many users run, Locust spreads them over the classes by their ``weight`` and ``fixed_count``."""

    user_classes: list[str] | None = Field(
        default=None,
        min_length=1,
        description="class names; every concrete user class of the file by default",
    )
    locustfile: Path = Field(description="a Locust file, relative to the scenario's folder")

    @field_validator("locustfile")
    @classmethod
    def _imports_with_its_users(cls, locustfile: Path, info: ValidationInfo) -> Path:
        """Resolved against ``scenario_dir`` and imported once in a child process, if the context
        gives one (a run folder's copy, or load.json, names the file already resolved)."""
        folder = (info.context or {}).get("scenario_dir")
        if folder is None:
            return locustfile
        resolved = locustfile if locustfile.is_absolute() else Path(folder) / locustfile
        wanted = info.data.get("user_classes")
        problem = locustfile_problem(resolved, None if wanted is None else tuple(wanted))
        if problem is not None:
            raise ValueError(problem)
        return resolved.resolve()


def _flow_kind(value: Any) -> str | None:
    """``shop`` → the named flow; ``{http: …}`` → a declared one; ``{locustfile: …}`` → a team's
    Locust file; anything else is refused."""
    if isinstance(value, HttpFlow) or (isinstance(value, dict) and set(value) == {"http"}):
        return "http"
    if isinstance(value, LocustFileFlow) or (isinstance(value, dict) and "locustfile" in value):
        return "locust"
    return "named" if isinstance(value, str) and value in NAMED_FLOWS else None


def _unwrap(value: Any) -> Any:
    return value["http"] if isinstance(value, dict) else value


def _wrap(flow: HttpFlow) -> dict[str, Any]:
    return {"http": flow.model_dump(mode="json", by_alias=True)}


FlowSpec = Annotated[
    Annotated[Literal["shop"], Tag("named")]
    | Annotated[HttpFlow, BeforeValidator(_unwrap), PlainSerializer(_wrap), Tag("http")]
    | Annotated[LocustFileFlow, Tag("locust")],
    Discriminator(
        _flow_kind,
        custom_error_type="flow",
        custom_error_message=f"must be one of: {', '.join(NAMED_FLOWS)}, http: {{requests: [...]}}, "
        "or {locustfile: FILE}",
    ),
]
"""``load.flow``: a named flow, ``{http: …}`` or ``{locustfile: …}``; dumped back the way it was written."""
