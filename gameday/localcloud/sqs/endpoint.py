"""The HTTP face of the queue store: SQS's JSON 1.0 protocol as botocore speaks it.

Plain boto3 with ``endpoint_url`` and an unsigned config talks to this exactly as it talks to SQS
(``POST /`` with ``X-Amz-Target: AmazonSQS.<Operation>``), so shop's queue code is the code it
would run on AWS. Requests are not signed and signatures are not checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

from aiohttp import web

from gameday.localcloud.sqs import errors
from gameday.localcloud.sqs.operations import Context, operation_for
from gameday.localcloud.sqs.store import QueueStore
from gameday.localcloud.sqs.wire import ACCOUNT_ID

_CONTENT_TYPE = "application/x-amz-json-1.0"
_TICK_S = 0.5  # idle queues still return expired in-flight messages promptly
_SHUTDOWN_GRACE_S = 0.1  # long polls in progress at shutdown are cut off, not waited for (up to 20 s)
_MAX_REQUEST_BYTES = 8 * 1024 * 1024  # a 1 MiB message, JSON-escaped, must fit (aiohttp's default is 1 MiB)

log = logging.getLogger(__name__)


class SqsEndpoint:
    def __init__(self, store: QueueStore) -> None:
        self._store = store
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._port: int | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen and return the bound port; an ``OSError`` (e.g. port in use) is the caller's to report."""
        app = web.Application(client_max_size=_MAX_REQUEST_BYTES)
        app.router.add_post("/{path:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=_SHUTDOWN_GRACE_S)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]
        self._ticker = asyncio.create_task(self._tick_forever(), name="sqs-tick")
        return self._port

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the SQS endpoint is not started")
        return f"http://127.0.0.1:{self._port}"

    def queue_url(self, name: str) -> str:
        return f"{self.url}/{ACCOUNT_ID}/{name}"

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(_TICK_S)
            self._store.tick()

    async def _handle(self, request: web.Request) -> web.Response:
        request_id = str(uuid.uuid4())
        try:
            operation = operation_for(request.headers.get("X-Amz-Target"))
            body = await _json_body(request)
            result = await operation(Context(self._store, self.queue_url), body)
        except errors.SqsError as error:
            return _error_response(error, request_id)
        except Exception:
            log.exception("SQS request failed")
            return _error_response(errors.internal_error(), request_id)
        return _json_response(200, result, request_id)


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    try:
        body = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        body = None
    if not isinstance(body, dict):
        raise errors.serialization_error()
    return body


def _error_response(error: errors.SqsError, request_id: str) -> web.Response:
    response = _json_response(error.status, error.body(), request_id)
    response.headers["x-amzn-query-error"] = error.query_error_header
    return response


def _json_response(status: int, payload: dict[str, Any], request_id: str) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": _CONTENT_TYPE, "x-amzn-RequestId": request_id},
    )
