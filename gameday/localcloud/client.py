"""A small synchronous client for the control API, for the orchestrator, faults and the CLI.

Plain urllib and JSON: the orchestrator is synchronous and must not pull an event loop in just to
ask localcloud a question.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from gameday.errors import EnvironmentProblem

DEFAULT_TIMEOUT_S = 15.0  # a stop call waits for the task's process to be gone (SIGKILL after 2 s)


class LocalcloudError(EnvironmentProblem):
    """The control API answered with an error (``status``) or could not be reached (``status`` 0)."""

    def __init__(self, message: str, status: int = 0) -> None:
        self.status = status
        super().__init__(message)


class LocalcloudClient:
    def __init__(self, base_url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def reachable(self) -> bool:
        """True when a localcloud answers at ``base_url``."""
        try:
            self._call("GET", "/state", timeout_s=2.0)
        except LocalcloudError:
            return False
        return True

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/state")
        return result

    def stop_task(self, service: str, task_id: str, reason: str = "Task stopped by user") -> dict[str, Any]:
        """Stop one task (stop code UserInitiated); returns once its process is gone."""
        path = f"/services/{urllib.parse.quote(service)}/tasks/{urllib.parse.quote(task_id)}/stop"
        result: dict[str, Any] = self._call("POST", path, {"reason": reason})
        return result

    def set_desired(self, service: str, count: int) -> int:
        """Change a service's desired task count (like ECS UpdateService); returns the previous count."""
        path = f"/services/{_quoted(service)}/desired"
        previous: int = self._call("PUT", path, {"count": count})["previous"]
        return previous

    def set_scaling_suspended(self, service: str, *, scale_in: bool, scale_out: bool) -> dict[str, bool]:
        """Suspend or resume the service's dynamic scaling in and out (like a scalable target's
        SuspendedState); returns the previous state, ``DynamicScalingIn/OutSuspended`` booleans."""
        body = {"DynamicScalingInSuspended": scale_in, "DynamicScalingOutSuspended": scale_out}
        path = f"/services/{_quoted(service)}/scaling/suspended"
        previous: dict[str, bool] = self._call("PUT", path, body)["previous"]
        return previous

    def start_stress(self, service: str, load_percent: int, tasks: list[str] | None = None) -> dict[str, int]:
        """Burn ``load_percent`` of a core in each of ``tasks`` (every running one if None); task id → pid."""
        body: dict[str, Any] = {"load_percent": load_percent, "tasks": tasks}
        burners: dict[str, int] = self._call("PUT", f"/services/{_quoted(service)}/stress", body)["burners"]
        return burners

    def stop_stress(self, service: str, tasks: list[str] | None = None) -> list[str]:
        """Stop the CPU stress in ``tasks`` (every stressed one if None); the ids that had a burner."""
        stopped: list[str] = self._call("DELETE", f"/services/{_quoted(service)}/stress", {"tasks": tasks})[
            "stopped"
        ]
        return stopped

    def set_path_fault(self, edge: str, mode: str, **params: Any) -> dict[str, Any]:
        """Break the dependency edge ``edge`` (``"bff->orders"``); returns the fault as applied.

        ``mode`` is ``blackhole``, ``reset``, ``latency`` (``delay_ms``, ``jitter_ms``) or
        ``http-errors`` (``share`` 0-1, ``status`` 429 or 5xx).
        """
        fault: dict[str, Any] = self._call("PUT", f"/paths/{_quoted(edge)}/fault", {"mode": mode, **params})
        return fault["fault"]

    def clear_path_fault(self, edge: str) -> None:
        """Let the edge relay normally again; fine when no fault is set."""
        self._call("DELETE", f"/paths/{_quoted(edge)}/fault")

    def set_queue_fault(
        self, queue: str, *, throttle_share: float = 0.0, delay_s: float = 0.0
    ) -> dict[str, Any]:
        """Reject ``throttle_share`` of SendMessage calls with RequestThrottled and hold every admitted
        message ``delay_s`` longer; returns the fault as applied."""
        body = {"throttle_share": throttle_share, "delay_s": delay_s}
        fault: dict[str, Any] = self._call("PUT", f"/queues/{_quoted(queue)}/fault", body)["fault"]
        return fault

    def clear_queue_fault(self, queue: str) -> None:
        self._call("DELETE", f"/queues/{_quoted(queue)}/fault")

    def events(self, since: float, until: float) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self._call("GET", _windowed("/events", since, until))["events"]
        return events

    def metrics(self, since: float, until: float) -> list[dict[str, Any]]:
        metrics: list[dict[str, Any]] = self._call("GET", _windowed("/metrics", since, until))["metrics"]
        return metrics

    def scaling_activities(self, since: float, until: float) -> list[dict[str, Any]]:
        """Scaling activities that started in the window, shaped like DescribeScalingActivities'."""
        path = _windowed("/scaling/activities", since, until)
        activities: list[dict[str, Any]] = self._call("GET", path)["activities"]
        return activities

    def traces(self, since: float, until: float) -> list[dict[str, Any]]:
        documents: list[dict[str, Any]] = self._call("GET", _windowed("/traces", since, until))["documents"]
        return documents

    def shutdown(self) -> None:
        """Ask localcloud to stop every task and exit; returns at once (poll :meth:`reachable`)."""
        self._call("POST", "/shutdown", {})

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s or self.timeout_s) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise LocalcloudError(f"localcloud: {method} {path}: {_error_text(error)}", error.code) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise LocalcloudError(f"localcloud is not reachable at {self.base_url} ({reason})") from None


def _quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _windowed(path: str, since: float, until: float) -> str:
    return f"{path}?{urllib.parse.urlencode({'since': repr(since), 'until': repr(until)})}"


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read())["error"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {error.code}"
