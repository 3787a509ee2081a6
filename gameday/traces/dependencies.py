"""Logical dependency names, as a target maps them to what traces show.

A scenario grades ``dependency: catalog``; the traces say ``127.0.0.1`` (the Python SDK names an
HTTP subsegment by host), ``catalog.internal:8080``, ``https://api.example.com/v2/pay``,
``DynamoDB`` with ``table_name: orders``, or a node name. The target says which of those is
``catalog`` (``dependencies:`` in targets.yaml; localcloud fills it in for its stack), so the same
scenario grades the same dependency on every target.

An attempt's logical name is the first name one of whose matches fits it; failing that, a
``dependency`` annotation (or attribute) equal to a known name; failing that, for an AWS call
that records no resource, the one name mapped to that service, if only one is. Without a map (a run folder
written before maps existed, a scorer test) the annotation or else the node name is the name.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Annotated, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

# What X-Ray accepts in a node name (letters, digits, whitespace and ``_ . : / % & # = + \ - @``),
# which is what SDKs write; a dependency name must not start or end with whitespace.
_DEPENDENCY_NAME = re.compile(r"[\w.:/%&#=+\\\-@]([\w.:/%&#=+\\\-@ ]*[\w.:/%&#=+\\\-@])?")
_DEPENDENCY_MAX_LENGTH = 200


def check_dependency_name(name: str) -> str:
    """A dependency name as SDKs write node names: ``catalog``, ``127.0.0.1``, ``catalog:8080``,
    ``api.example.com``, ``DynamoDB``, ``orders table``."""
    if len(name) > _DEPENDENCY_MAX_LENGTH:
        raise ValueError(f"a dependency name has at most {_DEPENDENCY_MAX_LENGTH} characters")
    if not _DEPENDENCY_NAME.fullmatch(name):
        raise ValueError(
            "a dependency name is letters, digits, spaces and _ . : / % & # = + \\ - @ "
            "(as X-Ray names nodes), not starting or ending with a space"
        )
    return name


DependencyName = Annotated[str, AfterValidator(check_dependency_name)]


class DependencyMatch(BaseModel):
    """One way a dependency shows in traces; exactly one of ``name``, ``host``, ``url``, ``aws``
    or ``annotation`` (``resource`` narrows ``aws``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(default=None, min_length=1, description="the X-Ray node (subsegment) name")
    host: str | None = Field(default=None, min_length=1, description="host, or host:port, of the request URL")
    url: str | None = Field(default=None, description="a prefix of the request URL, http:// or https://")
    aws: str | None = Field(
        default=None, min_length=1, description="an AWS service as the SDK names it (DynamoDB, sqs …)"
    )
    resource: str | None = Field(
        default=None, min_length=1, description="with aws: the table, queue, function … (name, URL or ARN)"
    )
    annotation: str | None = Field(
        default=None, min_length=1, description="the value of a `dependency` annotation or attribute"
    )

    @field_validator("host")
    @classmethod
    def _bare_host(cls, host: str | None) -> str | None:
        if host is not None and ("/" in host or any(c.isspace() for c in host)):
            raise ValueError(f"'{host}' is not a host or host:port (for a URL prefix, give url)")
        return host

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not re.match(r"https?://[^/\s]+", url, re.IGNORECASE):
            raise ValueError(f"'{url}' is not an http:// or https:// URL")
        return url

    @model_validator(mode="after")
    def _exactly_one_way(self) -> DependencyMatch:
        given = [f for f in ("name", "host", "url", "aws", "annotation") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of name, host, url, aws or annotation"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.resource is not None and self.aws is None:
            raise ValueError("resource narrows aws: give aws too")
        return self

    def label(self) -> str:
        """How the match reads in a report: ``host 127.0.0.1:4711``, ``aws DynamoDB orders``."""
        if self.aws is not None:
            return f"aws {self.aws}" + (f" {self.resource}" if self.resource else "")
        for field in ("name", "host", "url", "annotation"):
            value = getattr(self, field)
            if value is not None:
                return f"{field} {value}"
        return "?"  # unreachable: the validator requires one


DependencyMap = Mapping[str, Sequence[DependencyMatch]]
"""Logical dependency name → the ways it shows in traces."""


def _one_or_more(entry: object) -> object:
    """How a targets file writes one name's matches: a list of matches, one match alone, or a
    string that is the node name or the host (``catalog: catalog.internal``)."""
    if isinstance(entry, str):
        if not entry.strip():
            raise ValueError("an empty name: give the node name or host the traces show")
        return [{"name": entry}, {"host": entry}]
    if isinstance(entry, Mapping):
        return [entry]
    if isinstance(entry, list):
        return entry
    raise ValueError(
        "give a node name or host, one match ({host: …}, {url: …}, {name: …}, {aws: …, resource: …}, "
        "{annotation: …}) or a list of them"
    )


DependencyEntry = Annotated[list[DependencyMatch], BeforeValidator(_one_or_more)]
"""One name's matches in a targets file: always a list once read (see :func:`_one_or_more`)."""


class Endpoint(NamedTuple):
    """What one attempt's trace says about where it went."""

    name: str  # the subsegment's node name
    url: str | None
    aws: str | None  # the AWS service, for AWS SDK calls
    resource: str | None
    annotation: str | None  # a ``dependency`` annotation on the attempt or the call around it

    def label(self) -> str:
        """How an unmapped endpoint is listed, in the form a target's ``dependencies`` entry takes."""
        if self.aws is not None:
            return f"aws {self.aws}" + (f" {self.resource}" if self.resource else "")
        host = _host_port(self.url) if self.url else None
        if host is not None:
            written = f"[{host[0]}]" if ":" in host[0] else host[0]  # IPv6, as a URL writes it
            return f"host {written}" + (f":{host[1]}" if host[1] is not None else "")
        return f"name {self.name}"


class DependencyResolver:
    """Logical names of endpoints, remembered: a run has many attempts but few distinct endpoints."""

    def __init__(self, names: DependencyMap | None) -> None:
        self._names = names
        self._known: dict[Endpoint, str | None] = {}

    @property
    def mapped(self) -> bool:
        return self._names is not None

    def name_of(self, endpoint: Endpoint) -> str | None:
        """The endpoint's logical name, or None when the map names it nowhere."""
        if endpoint in self._known:
            return self._known[endpoint]
        found = self._resolve(endpoint)
        self._known[endpoint] = found
        return found

    def _resolve(self, endpoint: Endpoint) -> str | None:
        if self._names is None:
            return endpoint.annotation or endpoint.name
        for logical, matches in self._names.items():
            if any(_fits(match, endpoint) for match in matches):
                return logical
        if endpoint.annotation is not None and endpoint.annotation in self._names:
            return endpoint.annotation
        if endpoint.aws is not None and endpoint.resource is None:
            return self._only_one_of_service(endpoint.aws)
        return None

    def _only_one_of_service(self, service: str) -> str | None:
        """Some instrumentations record no resource (the Go SDK's for AWS SDK v2 keeps only the
        operation): such a call is the service's dependency when the map has only one."""
        assert self._names is not None
        named = {
            logical
            for logical, matches in self._names.items()
            if any(m.aws is not None and _service(m.aws) == _service(service) for m in matches)
        }
        return next(iter(named)) if len(named) == 1 else None


def _fits(match: DependencyMatch, endpoint: Endpoint) -> bool:
    if match.annotation is not None:
        return endpoint.annotation == match.annotation
    if match.aws is not None:
        return (
            endpoint.aws is not None
            and _service(endpoint.aws) == _service(match.aws)
            and (match.resource is None or _resource(endpoint.resource) == _resource(match.resource))
        )
    if match.name is not None:
        return endpoint.aws is None and endpoint.name == match.name
    if endpoint.url is None or endpoint.aws is not None:
        return False
    if match.url is not None:
        return _without_query(endpoint.url).lower().startswith(match.url.lower())
    return match.host is not None and _host_fits(match.host, endpoint.url)


def _host_fits(wanted: str, url: str) -> bool:
    """``catalog.internal`` fits any port of that host; ``catalog:8080`` only that port."""
    found = _host_port(url)
    if found is None:
        return False
    host, port = found
    wanted_host, wanted_port = _wanted_host_port(wanted.lower())
    return host == wanted_host and (wanted_port is None or port == wanted_port)


def _wanted_host_port(wanted: str) -> tuple[str, int | None]:
    """Host and port (None: any) of a match's ``host``; an IPv6 address is written as in a URL
    (``[::1]:8080``, ``[::1]``) or bare (``::1``, which has no port)."""
    if wanted.startswith("["):
        address, bracket, rest = wanted[1:].partition("]")
        if bracket and not rest:
            return address, None
        host, port = (address, rest[1:]) if bracket and rest.startswith(":") else ("", "")
    elif wanted.count(":") > 1:
        return wanted, None
    else:
        host, _, port = wanted.rpartition(":")
    if host and port.isdecimal():
        return host, int(port)
    return wanted, None  # compared whole: ``catalog`` fits any port, ``catalog:x`` no URL


def _host_port(url: str) -> tuple[str, int | None] | None:
    """Host (lower case) and port (the scheme's default when none is written) of a URL."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host, port


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]


def _service(name: str) -> str:
    """``DynamoDB``, ``dynamodb`` and ``Amazon DynamoDB`` are one service."""
    key = name.lower().replace(" ", "").replace("-", "")
    return key.removeprefix("amazon").removeprefix("aws")


def _resource(value: str | None) -> str | None:
    """A resource's own name, whether written as a name, a queue URL or an ARN; a Lambda function
    in any form its ``FunctionName`` takes (``pay``, ``pay:live``, ``123456789012:function:pay``,
    an ARN with or without a qualifier) is ``pay``."""
    if value is None:
        return None
    if ":function:" in value:
        return value.split(":function:", 1)[1].split(":", 1)[0]
    if value.startswith("arn:"):
        return value.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if "://" in value:
        return value.rstrip("/").rsplit("/", 1)[-1]
    return value.split(":", 1)[0]  # a function name with its qualifier; no other resource name holds a colon
