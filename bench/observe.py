"""What the target shows, asked directly: the control API's state and plain HTTP probes.

These are the benchmarks' own eyes, apart from the injectors they time.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request

from gameday.localcloud.client import LocalcloudClient, LocalcloudError

PROBE_TIMEOUT_S = 1.0


def running_tasks(client: LocalcloudClient, service: str) -> set[str]:
    tasks = client.state().services[service].tasks
    return {task.id for task in tasks if task.status == "RUNNING"}


def path_fault_shown(client: LocalcloudClient, edge: str) -> bool:
    try:
        return client.state().path_faults.get(edge) is not None
    except LocalcloudError:
        return False


def answers(base_url: str) -> bool:
    """True when ``GET /health`` through ``base_url`` gets a 200 on a new connection."""
    try:
        with urllib.request.urlopen(base_url + "/health", timeout=PROBE_TIMEOUT_S) as response:
            response.read()
            return response.status == 200
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return False
