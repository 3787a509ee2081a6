"""Users built from a flow declared in the scenario (``load.flow.http``), so no Python is needed.

Each declared request becomes a Locust task with its weight; a status outside ``expect_status``
(any 2xx when not given) is a recorded failure ``HTTP NNN``, exactly as the shop flow fails one.
"""

from __future__ import annotations

from collections.abc import Callable

from locust import between

from gameday.flowspecs import HttpFlow, HttpRequest
from loadprofiles.flows.base import GamedayUser

Task = Callable[[GamedayUser], None]


def http_user_class(flow: HttpFlow) -> type[GamedayUser]:
    """A user class that runs ``flow``: one weighted task per declared request."""
    tasks: dict[Task, int] = {_task(request): request.weight for request in flow.requests}
    return type(
        "HttpFlowUser",
        (GamedayUser,),
        {
            "__doc__": "A user of a flow declared in the scenario.",
            "__module__": __name__,
            "tasks": tasks,
            "wait_time": between(flow.wait.min, flow.wait.max),
        },
    )


def _task(request: HttpRequest) -> Task:
    headers = dict(request.headers) or None

    def send(user: GamedayUser) -> None:
        with user.client.request(
            request.method,
            request.path,
            name=request.label,
            headers=headers,
            json=request.json_body,
            catch_response=True,
        ) as response:
            if response.status_code == 0:
                return  # a connection error: Locust reports the socket error itself
            if request.expected(response.status_code):
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

    send.__name__ = f"{request.method.lower()}_{request.path}"
    return send
