"""catalog: the product list over HTTP (``GET /items``, ``GET /items/{item_id}``)."""

from __future__ import annotations

from aiohttp import web

from gameday.shop import server
from gameday.shop.config import ServiceEnv
from gameday.shop.items import ITEMS, ITEMS_BY_ID
from gameday.shop.work import do_work


async def list_items(request: web.Request) -> web.Response:
    await do_work("items")
    return web.json_response({"items": list(ITEMS)})


async def get_item(request: web.Request) -> web.Response:
    item_id = request.match_info["item_id"]
    await do_work(item_id)
    item = ITEMS_BY_ID.get(item_id)
    if item is None:
        return web.json_response({"error": f"no item {item_id!r}"}, status=404)
    return web.json_response(item)


def build(env: ServiceEnv) -> web.Application:
    app = server.new_app(env)
    app.router.add_get("/items", list_items)
    app.router.add_get("/items/{item_id}", get_item)
    return app


if __name__ == "__main__":
    server.run("catalog", build)
