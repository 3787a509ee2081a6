"""worker: consume the "orders" queue, one X-Ray segment per message.

Each segment continues the trace carried in the message's ``AWSTraceHeader``, whose parent is
orders' SendMessage subsegment, so one trace runs bff → orders → queue → worker. The consumer is a
task on the serving loop, because X-Ray's context lives on loop tasks; ``/health`` answers 503 if
it ever stops, so the platform replaces the task instead of leaving a silent consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from aws_xray_sdk.core import xray_recorder
from aws_xray_sdk.core.models.trace_header import TraceHeader
from aws_xray_sdk.ext.util import calculate_sampling_decision
from botocore.exceptions import BotoCoreError, ClientError

from gameday.shop import server
from gameday.shop.config import ServiceEnv, integer, text
from gameday.shop.queue import SqsQueue, sqs_client
from gameday.shop.tracing import current_stack
from gameday.shop.work import do_work

_REMEMBERED_ORDERS = 10_000
_RETRY_RECEIVE_S = 1.0
log = logging.getLogger("gameday.shop.worker")


class Consumer:
    """Receive, process, delete; repeated order ids (retried checkouts) are deleted unprocessed."""

    def __init__(self, service: str, queue: SqsQueue, wait_s: int) -> None:
        self._service = service
        self._queue = queue
        self._wait_s = wait_s
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    def is_running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run_in_background(self, app: web.Application) -> AsyncIterator[None]:
        """An aiohttp cleanup context: consume while the app serves, stop when it stops."""
        self._task = asyncio.create_task(self._consume(), name="consumer")
        yield
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _consume(self) -> None:
        receiving = True
        while True:
            try:
                messages = await self._queue.receive(self._wait_s)
            except (BotoCoreError, ClientError) as error:
                if receiving:  # once per outage, not once per retry
                    log.warning("cannot receive from %s: %s", self._queue.url, error)
                receiving = False
                await asyncio.sleep(_RETRY_RECEIVE_S)
                continue
            if not receiving:
                log.info("receiving from %s again", self._queue.url)
                receiving = True
            for message in messages:
                await self._process(message)

    async def _process(self, message: dict[str, Any]) -> None:
        header = TraceHeader.from_header_str(message.get("Attributes", {}).get("AWSTraceHeader"))
        segment = xray_recorder.begin_segment(
            self._service,
            traceid=header.root,
            parent_id=header.parent,
            sampling=calculate_sampling_decision(header, xray_recorder, {"service": self._service}),
        )
        try:
            segment.put_metadata("message_id", message["MessageId"])
            order_id = str(json.loads(message["Body"])["order_id"])
            duplicate = order_id in self._seen
            segment.put_annotation("order_id", order_id)
            segment.put_annotation("duplicate", duplicate)
            if not duplicate:
                await do_work(order_id)
                self._remember(order_id)
            await self._queue.delete(message["ReceiptHandle"])
        except Exception as error:
            # Left on the queue: it comes back after the visibility timeout, as SQS intends.
            segment.add_exception(error, current_stack())
            log.warning("message %s not processed: %r", message.get("MessageId"), error)
        finally:
            xray_recorder.end_segment()

    def _remember(self, order_id: str) -> None:
        self._seen[order_id] = None
        if len(self._seen) > _REMEMBERED_ORDERS:
            self._seen.popitem(last=False)


def build(env: ServiceEnv) -> web.Application:
    """``WORKER_WAIT_SECONDS`` is the long-poll wait (0-20 s, default 20, SQS's maximum)."""
    wait_s = integer("WORKER_WAIT_SECONDS", 20, minimum=0, maximum=20)
    queue = SqsQueue(sqs_client(read_timeout_s=wait_s + 10), text("ORDERS_QUEUE_URL"), env.tracing)
    consumer = Consumer(env.name, queue, wait_s)
    app = server.new_app(env)
    app[server.HEALTH_CHECK] = consumer.is_running
    app.cleanup_ctx.append(consumer.run_in_background)
    return app


if __name__ == "__main__":
    server.run("worker", build)
