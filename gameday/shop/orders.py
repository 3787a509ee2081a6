"""orders: check an order, put it on the "orders" queue, answer 201 with its id.

The order id is the caller's ``Idempotency-Key`` when there is one. bff retries a POST whose
first attempt may already have reached the queue (a timeout after the send), and the worker drops
an id it has seen, so a retried checkout never ships twice.
"""

from __future__ import annotations

import json
import re
import time
import uuid

from aiohttp import web
from botocore.exceptions import BotoCoreError, ClientError

from gameday.shop import server
from gameday.shop.config import ServiceEnv, text
from gameday.shop.items import ITEMS_BY_ID
from gameday.shop.queue import SqsQueue, sqs_client
from gameday.shop.work import do_work

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_QUANTITY = 99
_ORDER_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class InvalidOrder(ValueError):
    """The caller's mistake: answered 400, never retried."""


ORDER_QUEUE: web.AppKey[SqsQueue] = web.AppKey("order_queue")


def parse_order(payload: object) -> tuple[str, int]:
    """``(item_id, quantity)`` from a request body, or :class:`InvalidOrder` saying what is wrong."""
    if not isinstance(payload, dict):
        raise InvalidOrder("the body must be a JSON object")
    item_id, quantity = payload.get("item_id"), payload.get("quantity")
    if not isinstance(item_id, str) or item_id not in ITEMS_BY_ID:
        raise InvalidOrder(f"unknown item_id {item_id!r}")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidOrder(f"quantity must be a whole number from 1 to {MAX_QUANTITY}")
    return item_id, quantity


def order_id_for(idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return uuid.uuid4().hex
    if not _ORDER_ID.match(idempotency_key):
        raise InvalidOrder(f"{IDEMPOTENCY_HEADER} must be 8 to 64 letters, digits or '-'")
    return idempotency_key


async def create_order(request: web.Request) -> web.Response:
    try:
        item_id, quantity = parse_order(await _json_or_none(request))
        order_id = order_id_for(request.headers.get(IDEMPOTENCY_HEADER))
    except InvalidOrder as error:
        return web.json_response({"error": str(error)}, status=400)
    await do_work(order_id)
    message = {"order_id": order_id, "item_id": item_id, "quantity": quantity, "created_at": time.time()}
    try:
        await request.app[ORDER_QUEUE].send(json.dumps(message))
    except (BotoCoreError, ClientError):
        # The cause is on the request's SQS subsegment; a log line per failed order would flood.
        return web.json_response({"error": "order queue unavailable"}, status=503)
    return web.json_response({"order_id": order_id}, status=201)


async def _json_or_none(request: web.Request) -> object:
    try:
        return await request.json()
    except ValueError:
        return None


def build(env: ServiceEnv) -> web.Application:
    app = server.new_app(env)
    app[ORDER_QUEUE] = SqsQueue(sqs_client(), text("ORDERS_QUEUE_URL"), env.tracing)
    app.router.add_post("/orders", create_order)
    return app


if __name__ == "__main__":
    server.run("orders", build)
