"""bff, the entry service: the shop's public API, composed from catalog and orders.

Each dependency sits behind its own breaker and retry policy (see :mod:`gameday.shop.downstream`). While
catalog's breaker is open, browsing degrades to a short static list (200, ``"degraded": true``);
while orders' is open, checkout fails fast with 503 instead of queueing behind a dead dependency.
A call that fails after its retries with the breaker still closed answers 502.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from aiohttp import web

from gameday.shop import server
from gameday.shop.breaker import BreakerSettings, CircuitBreaker
from gameday.shop.config import ServiceEnv, base_url
from gameday.shop.downstream import CircuitOpen, Dependency, DependencyFailed, Reply, client_session
from gameday.shop.items import FALLBACK_ITEMS
from gameday.shop.orders import IDEMPOTENCY_HEADER
from gameday.shop.retry import RetryPolicy

CATALOG: web.AppKey[Dependency] = web.AppKey("catalog")
ORDERS: web.AppKey[Dependency] = web.AppKey("orders")


async def list_catalog(request: web.Request) -> web.Response:
    try:
        reply = await request.app[CATALOG].call("GET", "/items")
    except CircuitOpen:
        return web.json_response({"items": list(FALLBACK_ITEMS), "degraded": True})
    except DependencyFailed:
        return _unavailable("catalog", 502)
    if reply.status != 200:
        return _relay(reply)
    return web.json_response({"items": reply.body["items"], "degraded": False})


async def get_catalog_item(request: web.Request) -> web.Response:
    item_id = request.match_info["item_id"]
    try:
        reply = await request.app[CATALOG].call("GET", f"/items/{quote(item_id, safe='')}")
    except CircuitOpen:
        cached = next((item for item in FALLBACK_ITEMS if item["id"] == item_id), None)
        if cached is None:
            return web.json_response({"error": "catalog unavailable", "degraded": True}, status=503)
        return web.json_response({"item": cached, "degraded": True})
    except DependencyFailed:
        return _unavailable("catalog", 502)
    if reply.status != 200:
        return _relay(reply)
    return web.json_response({"item": reply.body, "degraded": False})


async def checkout(request: web.Request) -> web.Response:
    """Place an order; one idempotency key for all attempts, so a retried POST orders once."""
    try:
        order = await request.json()
    except ValueError:
        order = None
    if not isinstance(order, dict):
        return web.json_response({"error": "the body must be a JSON object"}, status=400)
    headers = {IDEMPOTENCY_HEADER: uuid.uuid4().hex}
    try:
        reply = await request.app[ORDERS].call("POST", "/orders", body=order, headers=headers)
    except CircuitOpen:
        return web.json_response({"error": "checkout unavailable"}, status=503)
    except DependencyFailed:
        return _unavailable("orders", 502)
    return _relay(reply)


def _relay(reply: Reply) -> web.Response:
    return web.json_response(reply.body, status=reply.status)


def _unavailable(dependency: str, status: int) -> web.Response:
    return web.json_response({"error": f"{dependency} unavailable"}, status=status)


def build(env: ServiceEnv) -> web.Application:
    """Downstream URLs from ``CATALOG_URL`` and ``ORDERS_URL``; resilience from ``BREAKER_*``/``RETRY_*``;
    how calls are traced from ``SHOP_TRACING`` (:mod:`gameday.shop.downstream`)."""
    catalog_url, orders_url = base_url("CATALOG_URL"), base_url("ORDERS_URL")
    policy, settings = RetryPolicy.from_env(), BreakerSettings.from_env()
    session = client_session(env.tracing)

    def dependency(name: str, url: str) -> Dependency:
        return Dependency(name, url, session, CircuitBreaker(name, settings), policy, env.tracing)

    app = server.new_app(env)
    app[CATALOG] = dependency("catalog", catalog_url)
    app[ORDERS] = dependency("orders", orders_url)
    app.router.add_get("/catalog", list_catalog)
    app.router.add_get("/catalog/{item_id}", get_catalog_item)
    app.router.add_post("/checkout", checkout)

    async def close_session(app: web.Application) -> None:
        await session.close()

    app.on_cleanup.append(close_session)
    return app


if __name__ == "__main__":
    server.run("bff", build)
