"""The control API: how the harness sees and acts on localcloud (JSON over HTTP on loopback).

It is the local stand-in for the ECS, CloudWatch and X-Ray APIs: state, stopping a task, changing
a service's desired count, suspending its auto scaling, CPU stress in its tasks, task events,
metrics, scaling activities,
trace documents, setting and clearing network faults on dependency edges and faults on queues, and
shutting the whole platform down.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gameday.localcloud.autoscaler_activities import ActivityLog
from gameday.localcloud.autoscaler_runner import Autoscaler, NotScaled, SuspendedState
from gameday.localcloud.events import EventLog
from gameday.localcloud.faultmodes import FaultSpecError, describe_validation, parse_path_fault
from gameday.localcloud.metrics import MetricsRecorder
from gameday.localcloud.ports import HOST, PortInUse, is_in_use
from gameday.localcloud.proxy import DependencyProxy
from gameday.localcloud.scheduler import ServiceScheduler
from gameday.localcloud.sqs import QueueStore
from gameday.localcloud.sqs.errors import SqsError
from gameday.localcloud.sqs.faults import InjectedFaults, QueueFaultSpec, describe
from gameday.localcloud.stack import MAX_TASKS
from gameday.localcloud.stress import StopRequest, StressRefused, StressRequest, start_stress, stop_stress
from gameday.localcloud.tasks import StopCode
from gameday.localcloud.xray_daemon import XrayDaemon

DEFAULT_STOP_REASON = "Task stopped by user"


class DesiredCount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = Field(ge=0, le=MAX_TASKS, strict=True)


class ControlApi:
    def __init__(
        self,
        *,
        state: Callable[[], dict[str, Any]],
        schedulers: Mapping[str, ServiceScheduler],
        paths: Mapping[str, DependencyProxy],
        queues: QueueStore,
        events: EventLog,
        metrics: MetricsRecorder,
        activities: ActivityLog,
        xray: XrayDaemon,
        autoscaler: Autoscaler | None = None,
        shutdown: Callable[[], None],
    ) -> None:
        self._state = state
        self._schedulers = schedulers
        self._paths = paths
        self._queues = queues
        self._events = events
        self._metrics = metrics
        self._activities = activities
        self._autoscaler = autoscaler
        self._xray = xray
        self._shutdown = shutdown
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, port: int) -> int:
        """Bind 127.0.0.1:``port`` (0 = any); raises PortInUse when it is taken."""
        app = web.Application()
        app.add_routes(
            [
                web.get("/state", self._get_state),
                web.post("/services/{service}/tasks/{task_id}/stop", self._stop_task),
                web.put("/services/{service}/desired", self._put_desired),
                web.put("/services/{service}/scaling/suspended", self._put_scaling_suspended),
                web.put("/services/{service}/stress", self._put_stress),
                web.delete("/services/{service}/stress", self._delete_stress),
                web.put("/paths/{edge}/fault", self._put_path_fault),
                web.delete("/paths/{edge}/fault", self._delete_path_fault),
                web.put("/queues/{queue}/fault", self._put_queue_fault),
                web.delete("/queues/{queue}/fault", self._delete_queue_fault),
                web.get("/events", self._get_events),
                web.get("/metrics", self._get_metrics),
                web.get("/traces", self._get_traces),
                web.get("/scaling/activities", self._get_scaling_activities),
                web.post("/shutdown", self._post_shutdown),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, HOST, port).start()
        except OSError as error:
            await self._runner.cleanup()
            if is_in_use(error):
                raise PortInUse(port, "control API; is another localcloud running?") from None
            raise
        self.port = self._runner.addresses[0][1]
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _scheduler(self, service: str) -> ServiceScheduler:
        """The service's scheduler; a 404 answer naming the service when there is none."""
        scheduler = self._schedulers.get(service)
        if scheduler is None:
            raise _refusal(web.HTTPNotFound, f"no service named '{service}'")
        return scheduler

    def _path(self, edge: str) -> DependencyProxy:
        """The edge's proxy; a 404 answer listing the paths when there is none."""
        proxy = self._paths.get(edge)
        if proxy is None:
            raise _refusal(
                web.HTTPNotFound, f"no path named '{edge}' (paths: {', '.join(sorted(self._paths))})"
            )
        return proxy

    async def _get_state(self, request: web.Request) -> web.Response:
        return web.json_response(self._state())

    async def _stop_task(self, request: web.Request) -> web.Response:
        service, task_id = request.match_info["service"], request.match_info["task_id"]
        scheduler = self._scheduler(service)
        reason = DEFAULT_STOP_REASON
        if request.can_read_body:
            try:
                body = await request.json()
            except json.JSONDecodeError:
                return _error(400, 'the body must be JSON, e.g. {"reason": "..."}')
            reason = str(body.get("reason") or reason) if isinstance(body, dict) else reason
        task = await scheduler.stop_task(task_id, reason)
        if task is None:
            return _error(404, f"service '{service}' has no running task '{task_id}'")
        return web.json_response({"task_id": task.id, "stop_code": StopCode.USER.value})

    async def _put_desired(self, request: web.Request) -> web.Response:
        service = request.match_info["service"]
        scheduler = self._scheduler(service)
        try:
            desired = DesiredCount.model_validate(await _json_body(request))
        except ValidationError as error:
            return _error(400, describe_validation(error))
        previous = await scheduler.set_desired(desired.count)
        return web.json_response({"service": service, "desired": desired.count, "previous": previous})

    async def _put_scaling_suspended(self, request: web.Request) -> web.Response:
        """Like RegisterScalableTarget with only SuspendedState: which scaling directions are held."""
        service = request.match_info["service"]
        self._scheduler(service)
        try:
            state = SuspendedState.model_validate(await _json_body(request))
            if self._autoscaler is None:
                raise NotScaled(service)
            previous = self._autoscaler.suspend(service, state)
        except ValidationError as error:
            return _error(400, describe_validation(error))
        except NotScaled:
            return _error(409, f"service '{service}' has no auto scaling to suspend")
        return web.json_response(
            {"service": service, "suspended_state": state.as_aws(), "previous": previous.as_aws()}
        )

    async def _put_stress(self, request: web.Request) -> web.Response:
        service = request.match_info["service"]
        scheduler = self._scheduler(service)
        try:
            stress = StressRequest.model_validate(await _json_body(request))
            burners = await start_stress(scheduler.tasks, stress)
        except ValidationError as error:
            return _error(400, describe_validation(error))
        except StressRefused as refused:
            return _error(409, f"service '{service}': {refused}")
        return web.json_response({"service": service, "burners": burners})

    async def _delete_stress(self, request: web.Request) -> web.Response:
        service = request.match_info["service"]
        scheduler = self._scheduler(service)
        try:
            body = await _json_body(request) if request.can_read_body else {}
            stopped = stop_stress(scheduler.tasks, StopRequest.model_validate(body))
        except ValidationError as error:
            return _error(400, describe_validation(error))
        return web.json_response({"service": service, "stopped": stopped})

    async def _put_path_fault(self, request: web.Request) -> web.Response:
        edge = request.match_info["edge"]
        proxy = self._path(edge)
        try:
            fault = parse_path_fault(await _json_body(request))
        except FaultSpecError as error:
            return _error(400, str(error))
        proxy.set_fault(fault)
        return web.json_response({"path": edge, "fault": fault.describe()})

    async def _delete_path_fault(self, request: web.Request) -> web.Response:
        edge = request.match_info["edge"]
        proxy = self._path(edge)
        proxy.clear_fault()
        return web.json_response({"path": edge, "fault": None})

    async def _put_queue_fault(self, request: web.Request) -> web.Response:
        name = request.match_info["queue"]
        if name not in self._queues.names():
            return _error(404, f"no queue named '{name}'")
        try:
            spec = QueueFaultSpec.model_validate(await _json_body(request))
        except ValidationError as error:
            return _error(400, describe_validation(error))
        self._queues.set_faults(name, InjectedFaults(spec))
        return web.json_response({"queue": name, "fault": describe(self._queues.queue(name).faults)})

    async def _delete_queue_fault(self, request: web.Request) -> web.Response:
        name = request.match_info["queue"]
        try:
            self._queues.set_faults(name, None)
        except SqsError:
            return _error(404, f"no queue named '{name}'")
        return web.json_response({"queue": name, "fault": None})

    async def _get_events(self, request: web.Request) -> web.Response:
        since, until = _window(request)
        events = [event.model_dump(mode="json") for event in self._events.between(since, until)]
        return web.json_response({"events": events})

    async def _get_metrics(self, request: web.Request) -> web.Response:
        since, until = _window(request)
        return web.json_response({"metrics": self._metrics.between(since, until)})

    async def _get_traces(self, request: web.Request) -> web.Response:
        since, until = _window(request)
        return web.json_response({"documents": self._xray.documents_between(since, until)})

    async def _get_scaling_activities(self, request: web.Request) -> web.Response:
        since, until = _window(request)
        return web.json_response({"activities": self._activities.between(since, until)})

    async def _post_shutdown(self, request: web.Request) -> web.Response:
        self._shutdown()
        return web.json_response({"stopping": True})


def _window(request: web.Request) -> tuple[float, float]:
    """``since`` and ``until`` query parameters (epoch seconds); both optional."""
    try:
        since = float(request.query.get("since", 0.0))
        until = float(request.query.get("until", math.inf))
    except ValueError:
        raise _refusal(web.HTTPBadRequest, "since and until must be epoch seconds") from None
    return since, until


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except json.JSONDecodeError:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "the body must be a JSON object"}), content_type="application/json"
        ) from None


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _refusal(answer: type[web.HTTPException], message: str) -> web.HTTPException:
    """The same ``{"error": ...}`` body as :func:`_error`, raised from a helper deep in a handler."""
    return answer(text=json.dumps({"error": message}), content_type="application/json")
