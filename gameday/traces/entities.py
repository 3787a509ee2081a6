"""One X-Ray segment or subsegment, flattened into the few facts calls are built from.

Documents come from SDKs of every language, from the ADOT collector, and from whatever a run
folder holds after a person or a program edited it. So every field is checked for its type before
it is used: a document that breaks the X-Ray segment format where a fact is read from it raises
:class:`Unreadable` with a one-line reason, and the caller counts it as a gap instead of crashing
(a ``"http": "GET /x"`` or a ``"start_time": null`` must never be a traceback). Fields that are
merely unusual (an annotation value that is a list, an unknown namespace) are ignored.

Where a fact lives depends on who recorded it:

* annotations (indexed) or, from OpenTelemetry through the ADOT exporter, ``metadata.default``
  (span attributes that were not configured as indexed): ``circuit_open``, ``dependency`` and
  OpenTelemetry's ``http.request.resend_count`` are read from both;
* the caller instance, from the ``aws`` block of a segment, most specific first: an ECS task ARN,
  a container id, an EKS pod, an EC2 instance id, and last ``aws.ecs.container``, which the X-Ray
  SDKs' ECS plugins fill with the container's host name (one per task) but the ADOT exporter with
  the *container name* from the task definition, the same in every task;
* AWS SDK calls (``namespace: aws``): the operation, the resource (table, queue, function, bucket,
  stream, topic) and ``aws.retries``, which the Node.js (v3) and Java (v2) SDKs record and the
  Python SDK does not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

Key = tuple[str, str]  # (trace id, entity id): X-Ray ids are unique within a trace only

# Every error code AWS SDKs treat as throttling (botocore's standard retry mode lists these).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
_CODE_WORDS = re.compile(r"[A-Za-z0-9]+")

# The ``aws`` fields that name what an AWS SDK call touched, in the order they are preferred.
_AWS_RESOURCE_FIELDS = (
    "table_name",
    "queue_url",
    "queue_name",
    "function_name",
    "bucket_name",
    "stream_name",
    "topic_arn",
    "resource_arn",
)
_UNIQUE_INSTANCE_FIELDS = (
    ("ecs", "task_arn"),
    ("ecs", "task_id"),
    ("ecs", "container_id"),
    ("ecs", "container_arn"),
    ("eks", "pod"),
    ("eks", "container_id"),
    ("ec2", "instance_id"),
)


class Unreadable(ValueError):
    """A document breaks the segment format where a fact is read; the message says where, in one line."""


class AwsCall(NamedTuple):
    """What an AWS SDK subsegment says about the call beyond the HTTP facts."""

    operation: str | None
    resource: str | None  # a table, queue, function, bucket …, as the SDK recorded it
    retries: int | None  # ``aws.retries``; None when the SDK does not record retries
    throttled: bool  # the error code is a throttling code, whatever the flags say


class Entity(NamedTuple):
    """A segment or subsegment: a tuple, not the raw dict, because a long run holds close to a
    million of them and the raw documents are let go as soon as each one is read."""

    key: Key
    parent_key: Key | None
    name: str
    is_segment: bool
    start: float
    end: float | None  # None while in progress
    namespace: str | None
    method: str | None  # http.request.method
    url: str | None  # http.request.url
    status: int | None  # http.response.status
    fault: bool
    error: bool
    throttle: bool
    circuit_open: bool | None  # the ``circuit_open`` annotation or attribute; None when absent
    dependency: str | None  # the ``dependency`` annotation or attribute
    resend_count: int | None  # OpenTelemetry's http.request.resend_count
    instance: str | None  # segments: the task, container, pod or host that sent it
    instance_shared: bool  # that instance is a container name every task of the service shares
    sdk: str | None  # segments: aws.xray.sdk, e.g. "X-Ray for Python", "opentelemetry for java"
    aws: AwsCall | None  # subsegments in the ``aws`` namespace

    @property
    def trace_id(self) -> str:
        return self.key[0]


def read_entity(
    raw: Mapping[str, Any], parent_key: Key | None, trace_id: str, segment: bool, shared: dict[str, str]
) -> Entity:
    """The entity of one document or nested subsegment; :class:`Unreadable` when it cannot be placed.

    ``shared`` interns names and instances, so a million entities hold a few hundred strings.
    """
    entity_id = raw.get("id")
    if not isinstance(entity_id, str) or not entity_id:
        raise Unreadable(f"id is {_shown(entity_id)}, not a non-empty string")
    start = _time(raw, "start_time")
    if start is None:
        raise Unreadable("start_time is missing")
    end = None if raw.get("in_progress") is True else _time(raw, "end_time")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise Unreadable(f"name is {_shown(name)}, not a string")
    namespace = raw.get("namespace")
    method, url, status = _http(raw.get("http"))
    attributes = _attributes(raw)
    circuit_open = attributes.get("circuit_open")
    dependency = attributes.get("dependency")
    resend = attributes.get("http.request.resend_count")
    instance, shared_instance, sdk = _origin(raw.get("aws")) if segment else (None, False, None)
    return Entity(
        key=(trace_id, entity_id),
        parent_key=parent_key,
        name=shared.setdefault(name, name),
        is_segment=segment,
        start=start,
        end=end,
        namespace=namespace if isinstance(namespace, str) else None,
        method=method,
        url=url,
        status=status,
        fault=raw.get("fault") is True,
        error=raw.get("error") is True,
        throttle=raw.get("throttle") is True,
        circuit_open=circuit_open if isinstance(circuit_open, bool) else None,
        dependency=str(dependency) if isinstance(dependency, str | int) and dependency != "" else None,
        resend_count=_whole(resend),
        instance=None if instance is None else shared.setdefault(instance, instance),
        instance_shared=shared_instance,
        sdk=None if sdk is None else shared.setdefault(sdk, sdk),
        aws=_aws_call(raw) if namespace == "aws" and not segment else None,
    )


def _time(raw: Mapping[str, Any], field: str) -> float | None:
    value = raw.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unreadable(f"{field} is {_shown(value)}, not a number of epoch seconds")
    try:
        seconds = float(value)
    except OverflowError:  # a JSON integer of hundreds of digits
        seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0:
        raise Unreadable(f"{field} is {_shown(value)}, not a number of epoch seconds")
    return seconds


def _http(http: object) -> tuple[str | None, str | None, int | None]:
    """Method, URL and status of the ``http`` block; every part may be absent."""
    if http is None:
        return None, None, None
    if not isinstance(http, Mapping):
        raise Unreadable(f"http is {_shown(http)}, not an object")
    request, response = http.get("request"), http.get("response")
    method = url = None
    if isinstance(request, Mapping):
        found_method, found_url = request.get("method"), request.get("url")
        method = found_method.upper() if isinstance(found_method, str) and found_method else None
        url = found_url if isinstance(found_url, str) and found_url else None
    elif request is not None:
        raise Unreadable(f"http.request is {_shown(request)}, not an object")
    status = None
    if isinstance(response, Mapping):
        status = _whole(response.get("status"))
    elif response is not None:
        raise Unreadable(f"http.response is {_shown(response)}, not an object")
    return method, url, status


def _attributes(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """Annotations, over OpenTelemetry attributes the ADOT exporter put in ``metadata.default``."""
    annotations = raw.get("annotations")
    if annotations is not None and not isinstance(annotations, Mapping):
        raise Unreadable(f"annotations is {_shown(annotations)}, not an object")
    metadata = raw.get("metadata")
    default = metadata.get("default") if isinstance(metadata, Mapping) else None
    if not isinstance(default, Mapping) or not default:
        return annotations or {}
    return {**default, **annotations} if annotations else default


def _origin(aws: object) -> tuple[str | None, bool, str | None]:
    """(instance, whether it is a container name all tasks share, the SDK) of a segment's ``aws`` block."""
    if not isinstance(aws, Mapping):
        return None, False, None
    xray = aws.get("xray")
    sdk = xray.get("sdk") if isinstance(xray, Mapping) else None
    sdk = sdk if isinstance(sdk, str) and sdk else None
    for platform, field in _UNIQUE_INSTANCE_FIELDS:
        found = aws.get(platform)
        if isinstance(found, Mapping) and isinstance(found.get(field), str | int) and found[field] != "":
            return str(found[field]), False, sdk
    ecs = aws.get("ecs")
    container = ecs.get("container") if isinstance(ecs, Mapping) else None
    if not isinstance(container, str) or not container:
        return None, False, sdk
    # The SDKs' ECS plugins record the host name (one per task); the ADOT exporter the container
    # name of the task definition, which every task of the service shares.
    return container, sdk is not None and sdk.lower().startswith("opentelemetry"), sdk


def _aws_call(raw: Mapping[str, Any]) -> AwsCall:
    aws = raw.get("aws")
    if not isinstance(aws, Mapping):
        aws = {}
    operation = aws.get("operation")
    resource = next(
        (str(aws[f]) for f in _AWS_RESOURCE_FIELDS if isinstance(aws.get(f), str | int) and aws[f] != ""),
        None,
    )
    if resource is None and isinstance(aws.get("table_names"), list) and aws["table_names"]:
        resource = str(aws["table_names"][0])
    return AwsCall(
        operation=operation if isinstance(operation, str) and operation else None,
        resource=resource,
        retries=_whole(aws.get("retries")),
        throttled=_throttling_code(raw.get("cause")),
    )


def _throttling_code(cause: object) -> bool:
    """Whether an exception of the cause names a throttling error code (in its type or message):
    Python's SDK records a ``ClientError`` whose message holds the code, Java an exception whose
    message says ``Error Code: …``, Node.js the code as the type."""
    if not isinstance(cause, Mapping):
        return False
    exceptions = cause.get("exceptions")
    if not isinstance(exceptions, list):
        return False
    for exception in exceptions:
        if not isinstance(exception, Mapping):
            continue
        text = f"{exception.get('type', '')} {exception.get('message', '')}"
        if any(word in THROTTLING_CODES for word in _CODE_WORDS.findall(text)):
            return True
    return False


def _whole(value: object) -> int | None:
    """A whole number, or None for anything else (a bool, a string, NaN, a fraction)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _shown(value: object) -> str:
    """A value as a one-line reason shows it: its JSON kind, and a short excerpt."""
    kind = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    text = repr(value)
    excerpt = text if len(text) <= 30 else text[:27] + "…"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return excerpt
    return f"{kind.get(type(value), type(value).__name__)} {excerpt}" if value is not None else "null"
