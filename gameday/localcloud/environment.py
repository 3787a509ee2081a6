"""The environment a task process starts with.

These are exactly the variables an ECS task definition would set for the same service on AWS, so
service code reads its wiring the same way in both places and never knows about localcloud.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from gameday.localcloud.stack import REGION, Service, env_name


@dataclass(frozen=True)
class Wiring:
    """Where the platform's endpoints listen once they are bound."""

    proxy_ports: dict[tuple[str, str], int]  # (service, dependency) → port of that edge's proxy
    sqs_endpoint: str
    queue_urls: dict[str, str]
    xray_address: str

    def service_variables(self, name: str, service: Service) -> dict[str, str]:
        """Variables shared by every task of ``name``; PORT, SERVICE_NAME and TASK_ID come per task."""
        variables = {
            "AWS_XRAY_DAEMON_ADDRESS": self.xray_address,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }
        for dependency in service.depends_on:
            port = self.proxy_ports[(name, dependency)]
            variables[f"{env_name(dependency)}_URL"] = f"http://127.0.0.1:{port}"
        for queue in service.queues:
            variables[f"{env_name(queue)}_QUEUE_URL"] = self.queue_urls[queue]
        if service.queues:
            variables["SQS_ENDPOINT_URL"] = self.sqs_endpoint
        return variables


def task_environment(
    shared: dict[str, str], service: Service, *, name: str, task_id: str, port: int
) -> dict[str, str]:
    """The full environment of one task: the supervisor's own, the wiring, then the service's ``env``."""
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",  # task output reaches the log as it happens
        **shared,
        "PORT": str(port),
        "SERVICE_NAME": name,
        "TASK_ID": task_id,
        **service.env,
    }
