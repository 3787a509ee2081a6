"""X-Ray set-up shared by every shop service, and the few helpers they trace with.

* The recorder's context is an ``AsyncContext`` bound to the serving loop: trace entities live on
  the asyncio task handling a request, so concurrent requests never see each other's segments.
  X-Ray calls therefore happen on the loop only, never in worker threads (see :mod:`gameday.shop.queue`).
* Sampling is a ``LocalSampler`` with a 100 % default rule: a game day scores retries and breakers
  from traces, so every request must be traced, not a reservoir of one per second.
* ``/health`` is not traced: probes from the load balancer are not user traffic and, one per
  second per task, would drown the evidence.
* Context missing is a ``RUNTIME_ERROR``: shop only records inside a segment, so a missing one is a
  bug that should fail loudly in tests rather than silently lose evidence.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web
from aws_xray_sdk.core import xray_recorder
from aws_xray_sdk.core.async_context import AsyncContext
from aws_xray_sdk.core.models import http
from aws_xray_sdk.core.models.trace_header import TraceHeader
from aws_xray_sdk.core.sampling.local.sampler import LocalSampler
from aws_xray_sdk.core.utils import stacktrace
from aws_xray_sdk.ext.aiohttp.middleware import middleware as xray_middleware

TRACE_HEADER = http.XRAY_HEADER
UNTRACED_PATHS = frozenset({"/health"})
TRACE_EVERYTHING = {"version": 2, "rules": [], "default": {"fixed_target": 1, "rate": 1.0}}
_ECS_METADATA_VARIABLES = ("ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def configure_tracing(service: str, task_id: str, loop: asyncio.AbstractEventLoop) -> None:
    """Point the process-wide recorder at this service; call once, on the loop that serves.

    The daemon address comes from ``AWS_XRAY_DAEMON_ADDRESS`` (the SDK reads it itself; the default
    is the daemon's 127.0.0.1:2000). Each segment says which task sent it, as breaker scores judge
    every task's breakers apart: on ECS the ECS plugin adds the container (its hostname); elsewhere
    (localcloud) the same ``aws.ecs.container`` field holds the task id.
    """
    on_ecs = any(os.environ.get(name) for name in _ECS_METADATA_VARIABLES)
    xray_recorder.configure(
        service=service,
        context=AsyncContext(loop=loop),
        sampling=True,
        sampler=LocalSampler(TRACE_EVERYTHING),
        context_missing="RUNTIME_ERROR",
        daemon_address=os.environ.get("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000"),
        plugins=("ECSPlugin",) if on_ecs else (),
    )
    if not on_ecs:
        # What the ECS plugin would add, for the SDK copies it into every segment's ``aws`` block.
        xray_recorder._aws_metadata["ecs"] = {"container": task_id}


@web.middleware
async def tracing_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The SDK's aiohttp middleware (segment per request, continuing ``X-Amzn-Trace-Id``), minus probes."""
    if request.path in UNTRACED_PATHS:
        return await handler(request)
    response: web.StreamResponse = await xray_middleware(request, handler)
    return response


def trace_header(entity: Any) -> str:
    """The ``X-Amzn-Trace-Id`` / ``AWSTraceHeader`` value that makes ``entity`` the callee's parent."""
    header = TraceHeader(root=entity.trace_id, parent=entity.id, sampled=1 if entity.sampled else 0)
    value: str = header.to_header_str()
    return value


@contextmanager
def open_subsegment(name: str, namespace: str = "local") -> Iterator[Any]:
    """A subsegment of whatever is open on this task, ended however the block ends; it records nothing."""
    entity = xray_recorder.begin_subsegment(name, namespace)
    if entity is None:
        raise RuntimeError(f"no X-Ray segment is open for subsegment {name!r}")
    try:
        yield entity
    finally:
        xray_recorder.end_subsegment()


@contextmanager
def subsegment(name: str, namespace: str = "local") -> Iterator[Any]:
    """A subsegment of whatever is open on this task; an exception escaping it is recorded as its cause."""
    with open_subsegment(name, namespace) as entity:
        try:
            yield entity
        except Exception as error:
            entity.add_exception(error, current_stack())
            raise


def current_stack() -> list[Any]:
    """The stack of the exception being handled, as the SDK records it in a cause."""
    stack: list[Any] = stacktrace.get_stacktrace(limit=xray_recorder.max_trace_back)
    return stack
