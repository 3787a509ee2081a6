"""Locust's documented user structures, after its documentation pages "TaskSet class" and
"SequentialTaskSet class" (https://docs.locust.io/en/latest/tasksets.html), "weight and
fixed_count attributes" (https://docs.locust.io/en/latest/writing-a-locustfile.html) and
"Increase performance with a faster HTTP client" (https://docs.locust.io/en/latest/increase-performance.html).

The documentation's tasks there are ``pass`` or GET /; here each one requests a shop route instead,
named after where it sits, so a run's request log shows which structure made each request:
a ``FastHttpUser`` whose tasks are a weighted ``TaskSet`` holding an inline nested ``TaskSet`` (each
leaving with ``self.interrupt()``) beside a plain task; a ``SequentialTaskSet`` that browses, looks at
an item and orders, in that order; and a ``fixed_count`` user beside ``weight``ed ones.
"""

from locust import FastHttpUser, HttpUser, SequentialTaskSet, TaskSet, constant, task


class ForumSection(TaskSet):
    wait_time = constant(1)

    @task(10)
    def view_thread(self):
        self.client.get("/catalog", name="section: catalog")

    @task
    class ThreadPage(TaskSet):
        @task
        def read(self):
            self.client.get("/catalog/sku-002", name="section: nested item")
            self.interrupt()

    @task
    def stop(self):
        self.interrupt()


class LoggedInUser(FastHttpUser):
    weight = 3
    wait_time = constant(1)
    tasks = {ForumSection: 2}

    @task
    def my_task(self):
        self.client.get("/health", name="user: health")


class CheckoutFlow(SequentialTaskSet):
    @task
    def browse(self):
        self.client.get("/catalog", name="sequence: 1 catalog")

    @task
    def look(self):
        self.client.get("/catalog/sku-003", name="sequence: 2 item")

    @task
    def order(self):
        self.client.post("/checkout", json={"item_id": "sku-003", "quantity": 1}, name="sequence: 3 order")
        self.interrupt()


class BuyingUser(FastHttpUser):
    weight = 1
    wait_time = constant(1)
    tasks = [CheckoutFlow]


class AdminUser(HttpUser):
    fixed_count = 1
    wait_time = constant(2)

    @task
    def status(self):
        self.client.get("/health", name="admin: health")
