"""Locust's own example from its documentation, "Writing a locustfile"
(https://docs.locust.io/en/latest/writing-a-locustfile.html): the ``QuickstartUser``, an
``HttpUser`` with weighted ``@task``s, ``wait_time = between(…)`` and an ``on_start`` login.

Adapted only in paths, to the shop's entry: /hello and /world are GET /catalog and GET /health;
/item?id=N is GET /catalog/sku-00N (sku-000 does not exist: a 404, which HttpUser records as a
failure); the login posts to /checkout, which refuses a body that is no order (400, a failure too).
"""

import time

from locust import HttpUser, between, task


class QuickstartUser(HttpUser):
    wait_time = between(1, 5)

    @task
    def hello_world(self):
        self.client.get("/catalog")
        self.client.get("/health")

    @task(3)
    def view_items(self):
        for item_id in range(10):
            self.client.get(f"/catalog/sku-{item_id:03d}", name="/catalog/[id]")
            time.sleep(1)

    def on_start(self):
        self.client.post("/checkout", json={"username": "foo", "password": "bar"})
