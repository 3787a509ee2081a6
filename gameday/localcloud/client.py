"""A small synchronous client for the control API, for the orchestrator, faults and the CLI.

Plain urllib and JSON: the orchestrator is synchronous and must not pull an event loop in just to
ask localcloud a question. Requests are built from, and answers read into, the models of
:mod:`gameday.localcloud.api`, so callers get typed attributes, never string keys.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gameday.errors import EnvironmentProblem
from gameday.evidence.records import MetricPoint, TaskEvent
from gameday.localcloud.api import (
    DEFAULT_STOP_REASON,
    PATH_FAULT,
    ActivitiesAnswer,
    DescribedActivity,
    DesiredChanged,
    DesiredCount,
    ErrorAnswer,
    EventsAnswer,
    MetricsAnswer,
    PathFaultCleared,
    PathFaultSet,
    PathFaultSpec,
    PlatformState,
    QueueFaultCleared,
    QueueFaultSet,
    QueueFaultSpec,
    ShutdownAnswer,
    StressRequest,
    StressStarted,
    StressStopped,
    StressStopRequest,
    SuspendedState,
    SuspensionChanged,
    TaskStopped,
    TaskStopRequest,
    TracesAnswer,
    ZoneFaultCleared,
    ZoneFaultSet,
    describe_validation,
)

DEFAULT_TIMEOUT_S = 15.0  # a stop call waits for the task's process to be gone (SIGKILL after 2 s)

Answer = TypeVar("Answer", bound=BaseModel)


class LocalcloudError(EnvironmentProblem):
    """The control API answered with an error (``status``) or could not be reached (``status`` 0).

    A request its model refuses is never sent: it fails with status 400 and the words the control
    API would have answered with. An answer that does not fit its model has status 0.
    """

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
            self._send("GET", "/state", timeout_s=2.0)  # whatever its version: it answers
        except LocalcloudError:
            return False
        return True

    def state(self) -> PlatformState:
        return self._call("GET", "/state", PlatformState)

    def stop_task(self, service: str, task_id: str, reason: str = DEFAULT_STOP_REASON) -> TaskStopped:
        """Stop one task (stop code UserInitiated); returns once its process is gone."""
        path = f"/services/{_quoted(service)}/tasks/{_quoted(task_id)}/stop"
        return self._call("POST", path, TaskStopped, lambda: TaskStopRequest(reason=reason))

    def set_desired(self, service: str, count: int) -> int:
        """Change a service's desired task count (like ECS UpdateService); returns the previous count."""
        path = f"/services/{_quoted(service)}/desired"
        return self._call("PUT", path, DesiredChanged, lambda: DesiredCount(count=count)).previous

    def set_scaling_suspended(self, service: str, *, scale_in: bool, scale_out: bool) -> SuspendedState:
        """Suspend or resume the service's dynamic scaling in and out (like a scalable target's
        SuspendedState); returns the previous state."""
        path = f"/services/{_quoted(service)}/scaling/suspended"
        held = self._call(
            "PUT", path, SuspensionChanged, lambda: SuspendedState(scale_in=scale_in, scale_out=scale_out)
        )
        return held.previous

    def start_stress(self, service: str, load_percent: int, tasks: list[str] | None = None) -> dict[str, int]:
        """Burn ``load_percent`` of a core in each of ``tasks`` (every running one if None); task id → pid."""
        path = f"/services/{_quoted(service)}/stress"
        started = self._call(
            "PUT", path, StressStarted, lambda: StressRequest(load_percent=load_percent, tasks=tasks)
        )
        return started.burners

    def stop_stress(self, service: str, tasks: list[str] | None = None) -> list[str]:
        """Stop the CPU stress in ``tasks`` (every stressed one if None); the ids that had a burner."""
        path = f"/services/{_quoted(service)}/stress"
        return self._call("DELETE", path, StressStopped, lambda: StressStopRequest(tasks=tasks)).stopped

    def set_path_fault(self, edge: str, mode: str, **params: Any) -> PathFaultSpec:
        """Break the dependency edge ``edge`` (``"bff->orders"``); returns the fault as applied.

        ``mode`` is ``blackhole``, ``reset``, ``latency`` (``delay_ms``, ``jitter_ms``) or
        ``http-errors`` (``share`` 0-1, ``status`` 429 or 5xx).
        """
        return self._put_fault(f"/paths/{_quoted(edge)}/fault", PathFaultSet, mode, params)

    def clear_path_fault(self, edge: str) -> None:
        """Let the edge relay normally again; fine when no fault is set."""
        self._call("DELETE", f"/paths/{_quoted(edge)}/fault", PathFaultCleared)

    def set_zone_fault(self, zone: str, mode: str, **params: Any) -> PathFaultSpec:
        """Impair the Availability Zone ``zone``: every connection into its tasks (from the entry,
        each dependency edge and the health checks) suffers the path fault ``mode`` with ``params``,
        as :meth:`set_path_fault` takes them; returns the fault as applied."""
        return self._put_fault(f"/zones/{_quoted(zone)}/fault", ZoneFaultSet, mode, params)

    def clear_zone_fault(self, zone: str) -> None:
        """Lift the zone's fault; fine when none is set."""
        self._call("DELETE", f"/zones/{_quoted(zone)}/fault", ZoneFaultCleared)

    def _put_fault(
        self, path: str, answer: type[PathFaultSet | ZoneFaultSet], mode: str, params: dict[str, Any]
    ) -> PathFaultSpec:
        spec = {"mode": mode, **params}
        return self._call("PUT", path, answer, lambda: PATH_FAULT.validate_python(spec)).fault

    def set_queue_fault(
        self, queue: str, *, throttle_share: float = 0.0, delay_s: float = 0.0
    ) -> QueueFaultSpec:
        """Reject ``throttle_share`` of SendMessage calls with RequestThrottled and hold every admitted
        message ``delay_s`` longer; returns the fault as applied."""
        path = f"/queues/{_quoted(queue)}/fault"
        fault = self._call(
            "PUT", path, QueueFaultSet, lambda: QueueFaultSpec(throttle_share=throttle_share, delay_s=delay_s)
        )
        return fault.fault

    def clear_queue_fault(self, queue: str) -> None:
        self._call("DELETE", f"/queues/{_quoted(queue)}/fault", QueueFaultCleared)

    def events(self, since: float, until: float) -> list[TaskEvent]:
        return self._call("GET", _windowed("/events", since, until), EventsAnswer).events

    def metrics(self, since: float, until: float) -> list[MetricPoint]:
        return self._call("GET", _windowed("/metrics", since, until), MetricsAnswer).metrics

    def scaling_activities(self, since: float, until: float) -> list[DescribedActivity]:
        """Scaling activities that started in the window, shaped like DescribeScalingActivities'."""
        return self._call("GET", _windowed("/scaling/activities", since, until), ActivitiesAnswer).activities

    def traces(self, since: float, until: float) -> list[dict[str, Any]]:
        """The raw X-Ray documents the daemon received in the window."""
        return self._call("GET", _windowed("/traces", since, until), TracesAnswer).documents

    def shutdown(self) -> None:
        """Ask localcloud to stop every task and exit; returns at once (poll :meth:`reachable`)."""
        self._call("POST", "/shutdown", ShutdownAnswer)

    def _call(
        self,
        method: str,
        path: str,
        answer: type[Answer],
        body: Callable[[], BaseModel] | None = None,
        timeout_s: float | None = None,
    ) -> Answer:
        """Send the request ``body`` builds and read the answer into ``answer``."""
        raw = self._send(method, path, body, timeout_s)
        try:
            return answer.model_validate_json(raw)
        except ValidationError as error:
            raise LocalcloudError(
                f"localcloud: {method} {path}: the answer does not fit {answer.__name__}: "
                f"{describe_validation(error)} (does another version of gameday run that localcloud?)"
            ) from None

    def _send(
        self,
        method: str,
        path: str,
        body: Callable[[], BaseModel] | None = None,
        timeout_s: float | None = None,
    ) -> bytes:
        """The raw answer. ``body`` builds the request's model here, so a request the model refuses
        is a LocalcloudError like the control API's own 400, and is never sent."""
        try:
            data = body().model_dump_json().encode() if body is not None else None
        except ValidationError as error:
            raise LocalcloudError(f"localcloud: {method} {path}: {describe_validation(error)}", 400) from None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s or self.timeout_s) as response:
                raw: bytes = response.read()
        except urllib.error.HTTPError as error:
            raise LocalcloudError(f"localcloud: {method} {path}: {_error_text(error)}", error.code) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise LocalcloudError(f"localcloud is not reachable at {self.base_url} ({reason})") from None
        return raw


def _quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _windowed(path: str, since: float, until: float) -> str:
    return f"{path}?{urllib.parse.urlencode({'since': repr(since), 'until': repr(until)})}"


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        return ErrorAnswer.model_validate_json(error.read()).error
    except ValidationError:
        return f"HTTP {error.code}"
