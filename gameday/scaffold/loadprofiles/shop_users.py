"""The shop's traffic as Locust users: people who browse, and people who buy.

A scenario names these classes as its load (``flow: {locustfile: loadprofiles/shop_users.py,
user_classes: [Browser, Buyer]}``); gameday runs them under the scenario's load shape, against the
target's entry URL, and records every request. Replace them with your own traffic model: any
Locust ``HttpUser`` or ``FastHttpUser`` with tasks, ``wait_time`` and ``weight`` works. The same
file runs on its own, too: ``locust -f loadprofiles/shop_users.py --host http://127.0.0.1:8080``.
"""

from __future__ import annotations

import random
from typing import Any

from locust import HttpUser, between, task


def item_ids(user: HttpUser) -> list[Any]:
    """The ids the catalog lists now; an empty list (and a failed request) when it lists none."""
    with user.client.get("/catalog", name="GET /catalog", catch_response=True) as response:
        items = response.json().get("items", []) if response.ok else []
        if response.ok and not items:
            response.failure("the catalog listed no items")
    return [item["id"] for item in items]


class Browser(HttpUser):
    """Looks at the catalog and at single items; never buys. Most visitors."""

    weight = 3
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.seen: list[Any] = []

    @task(3)
    def catalog(self) -> None:
        self.seen = item_ids(self) or self.seen

    @task(1)
    def item(self) -> None:
        if self.seen:
            self.client.get(f"/catalog/{random.choice(self.seen)}", name="GET /catalog/[id]")
        else:
            self.catalog()


class Buyer(HttpUser):
    """Finds an item in the catalog and checks it out: the path that makes money."""

    weight = 1
    wait_time = between(1, 2)

    @task
    def buy(self) -> None:
        ids = item_ids(self)
        if not ids:
            return
        order = {"item_id": random.choice(ids), "quantity": random.randint(1, 3)}
        with self.client.post("/checkout", json=order, name="POST /checkout", catch_response=True) as reply:
            if reply.status_code != 201:
                reply.failure(f"checkout answered HTTP {reply.status_code}, not 201")
