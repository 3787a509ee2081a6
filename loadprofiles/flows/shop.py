"""The shop's shopper: browse the catalog, look at items, sometimes check out.

Paced at about one request per second per user so that a few dozen users stay modest on a two-core
laptop that also runs the stack. Item ids come from the catalog the shopper last saw, never from a
guess, so a 404 always means the shop lost an item rather than the flow inventing one.
"""

from __future__ import annotations

import random
from typing import Any

from locust import between, task
from locust.contrib.fasthttp import ResponseContextManager

from loadprofiles.flows.base import GamedayUser

DEGRADED_SUFFIX = " (degraded)"


class ShopUser(GamedayUser):
    """One shopper against the shop's bff (the stack's entry)."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.item_ids: list[Any] = []

    @task(6)
    def browse(self) -> None:
        with self.client.get("/catalog", name="GET /catalog", catch_response=True) as response:
            payload = judge(response)
        self.item_ids = _item_ids(payload) or self.item_ids

    @task(3)
    def view(self) -> None:
        if not self.item_ids:
            self.browse()
            return
        item_id = random.choice(self.item_ids)
        with self.client.get(
            f"/catalog/{item_id}", name="GET /catalog/[id]", catch_response=True
        ) as response:
            judge(response)

    @task(1)
    def checkout(self) -> None:
        if not self.item_ids:
            self.browse()
            return
        order = {"item_id": random.choice(self.item_ids), "quantity": random.randint(1, 3)}
        with self.client.post(
            "/checkout", name="POST /checkout", json=order, catch_response=True
        ) as response:
            judge(response, expected_status=201)


def judge(response: ResponseContextManager, expected_status: int | None = None) -> Any:
    """Fail a response that is not 2xx (or not ``expected_status``); return its JSON body, if any.

    A connection error (status 0) is left to Locust, which reports the socket error itself. A 200
    the bff served from its fallback (``"degraded": true``) is a success — the shopper got a page —
    but its request name gains a suffix so reports can tell it apart.
    """
    status = response.status_code
    if status == 0:
        return None
    if not 200 <= status < 300 or (expected_status is not None and status != expected_status):
        response.failure(f"HTTP {status}")
        return None
    try:
        payload = response.json()
    except ValueError:
        return None
    if isinstance(payload, dict) and payload.get("degraded") is True:
        response.request_meta["name"] += DEGRADED_SUFFIX
    return payload


def _item_ids(payload: Any) -> list[Any]:
    """Ids from a catalog body: ``{"items": [{"id": …}, …]}`` or a bare list of items."""
    items = payload.get("items") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        return []
    return [item["id"] for item in items if isinstance(item, dict) and "id" in item]
