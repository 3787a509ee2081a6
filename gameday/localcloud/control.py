"""The control API: how the harness sees and acts on localcloud (JSON over HTTP on loopback).

It is the local stand-in for the ECS, CloudWatch and X-Ray APIs: state, stopping a task, changing
a service's desired count, suspending its auto scaling, CPU stress in its tasks, task events,
metrics, scaling activities, trace documents, setting and clearing network faults on dependency
edges and Availability Zones and faults on queues, and shutting the whole platform down. Every
request body is read through, and every answer written from, a model of
:mod:`gameday.localcloud.api`, so a body that does not fit is a 400 naming the field and an answer
always has the shape the client reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from gameday.localcloud.api import (
    PATH_FAULT,
    ActivitiesAnswer,
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
    StopCode,
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
from gameday.localcloud.autoscaler_activities import ActivityLog
from gameday.localcloud.autoscaler_runner import Autoscaler, NotScaled
from gameday.localcloud.events import EventLog
from gameday.localcloud.faultmodes import path_fault
from gameday.localcloud.metrics import MetricsRecorder
from gameday.localcloud.ports import HOST, PortInUse, is_in_use
from gameday.localcloud.proxy import DependencyProxy, FaultSlot
from gameday.localcloud.scheduler import ServiceScheduler
from gameday.localcloud.sqs import QueueStore
from gameday.localcloud.sqs.errors import SqsError
from gameday.localcloud.sqs.faults import InjectedFaults
from gameday.localcloud.stress import StressRefused, start_stress, stop_stress
from gameday.localcloud.xray_daemon import XrayDaemon
from gameday.localcloud.zones import Zone, Zones

Body = TypeVar("Body")
Slot = TypeVar("Slot", bound=FaultSlot)


class ControlApi:
    def __init__(
        self,
        *,
        state: Callable[[], PlatformState],
        schedulers: Mapping[str, ServiceScheduler],
        paths: Mapping[str, DependencyProxy],
        zones: Zones,
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
        self._zones = zones
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
                web.put("/zones/{zone}/fault", self._put_zone_fault),
                web.delete("/zones/{zone}/fault", self._delete_zone_fault),
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
        return _found(self._paths.get(edge), "path", edge, sorted(self._paths))

    def _zone(self, name: str) -> Zone:
        return _found(self._zones.get(name), "zone", name, self._zones.names)

    async def _get_state(self, request: web.Request) -> web.Response:
        return _answer(self._state())

    async def _stop_task(self, request: web.Request) -> web.Response:
        service, task_id = request.match_info["service"], request.match_info["task_id"]
        scheduler = self._scheduler(service)
        stop = await _body(request, TaskStopRequest.model_validate_json)
        task = await scheduler.stop_task(task_id, stop.reason)
        if task is None:
            return _error(404, f"service '{service}' has no running task '{task_id}'")
        return _answer(TaskStopped(task_id=task.id, stop_code=StopCode.USER))

    async def _put_desired(self, request: web.Request) -> web.Response:
        service = request.match_info["service"]
        scheduler = self._scheduler(service)
        desired = await _body(request, DesiredCount.model_validate_json)
        previous = await scheduler.set_desired(desired.count)
        return _answer(DesiredChanged(service=service, desired=desired.count, previous=previous))

    async def _put_scaling_suspended(self, request: web.Request) -> web.Response:
        """Like RegisterScalableTarget with only SuspendedState: which scaling directions are held."""
        service = request.match_info["service"]
        self._scheduler(service)
        state = await _body(request, SuspendedState.model_validate_json)
        try:
            if self._autoscaler is None:
                raise NotScaled(service)
            previous = self._autoscaler.suspend(service, state)
        except NotScaled:
            return _error(409, f"service '{service}' has no auto scaling to suspend")
        return _answer(SuspensionChanged(service=service, suspended_state=state, previous=previous))

    async def _put_stress(self, request: web.Request) -> web.Response:
        service = request.match_info["service"]
        scheduler = self._scheduler(service)
        stress = await _body(request, StressRequest.model_validate_json)
        try:
            burners = await start_stress(scheduler.tasks, stress)
        except StressRefused as refused:
            return _error(409, f"service '{service}': {refused}")
        return _answer(StressStarted(service=service, burners=burners))

    async def _delete_stress(self, request: web.Request) -> web.Response:
        service = request.match_info["service"]
        scheduler = self._scheduler(service)
        stopped = stop_stress(scheduler.tasks, await _body(request, StressStopRequest.model_validate_json))
        return _answer(StressStopped(service=service, stopped=stopped))

    async def _put_path_fault(self, request: web.Request) -> web.Response:
        edge = request.match_info["edge"]
        spec = await _set_fault(request, self._path(edge))
        return _answer(PathFaultSet(path=edge, fault=spec))

    async def _delete_path_fault(self, request: web.Request) -> web.Response:
        edge = request.match_info["edge"]
        proxy = self._path(edge)
        proxy.clear_fault()
        return _answer(PathFaultCleared(path=edge))

    async def _put_zone_fault(self, request: web.Request) -> web.Response:
        zone = request.match_info["zone"]
        return _answer(ZoneFaultSet(zone=zone, fault=await _set_fault(request, self._zone(zone))))

    async def _delete_zone_fault(self, request: web.Request) -> web.Response:
        zone = request.match_info["zone"]
        self._zone(zone).clear_fault()
        return _answer(ZoneFaultCleared(zone=zone))

    async def _put_queue_fault(self, request: web.Request) -> web.Response:
        name = request.match_info["queue"]
        if name not in self._queues.names():
            return _error(404, f"no queue named '{name}'")
        spec = await _body(request, QueueFaultSpec.model_validate_json)
        self._queues.set_faults(name, InjectedFaults(spec))
        return _answer(QueueFaultSet(queue=name, fault=spec))

    async def _delete_queue_fault(self, request: web.Request) -> web.Response:
        name = request.match_info["queue"]
        try:
            self._queues.set_faults(name, None)
        except SqsError:
            return _error(404, f"no queue named '{name}'")
        return _answer(QueueFaultCleared(queue=name))

    async def _get_events(self, request: web.Request) -> web.Response:
        return _answer(EventsAnswer(events=self._events.between(*_window(request))))

    async def _get_metrics(self, request: web.Request) -> web.Response:
        return _answer(MetricsAnswer(metrics=self._metrics.between(*_window(request))))

    async def _get_traces(self, request: web.Request) -> web.Response:
        return _answer(TracesAnswer(documents=self._xray.documents_between(*_window(request))))

    async def _get_scaling_activities(self, request: web.Request) -> web.Response:
        return _answer(ActivitiesAnswer(activities=self._activities.between(*_window(request))))

    async def _post_shutdown(self, request: web.Request) -> web.Response:
        self._shutdown()
        return _answer(ShutdownAnswer(stopping=True))


def _window(request: web.Request) -> tuple[float, float]:
    """``since`` and ``until`` query parameters (epoch seconds); both optional."""
    try:
        since = float(request.query.get("since", 0.0))
        until = float(request.query.get("until", math.inf))
    except ValueError:
        raise _refusal(web.HTTPBadRequest, "since and until must be epoch seconds") from None
    return since, until


def _found(slot: Slot | None, kind: str, name: str, known: Iterable[str]) -> Slot:
    """The edge's proxy or the zone asked for; a 404 answer listing the known ones when there is none."""
    if slot is None:
        raise _refusal(web.HTTPNotFound, f"no {kind} named '{name}' ({kind}s: {', '.join(known)})")
    return slot


async def _set_fault(request: web.Request, slot: FaultSlot) -> PathFaultSpec:
    """Set the path fault the body asks for on an edge or a zone; the spec as set."""
    spec = await _body(request, PATH_FAULT.validate_json)
    slot.set_fault(path_fault(spec))
    return spec


async def _body(request: web.Request, read: Callable[[bytes], Body]) -> Body:
    """The request's JSON body read by ``read`` (a model's validator); no body at all reads as ``{}``,
    so the fields' defaults apply. A body that does not fit is a 400 naming each bad field."""
    try:
        return read(await request.read() or b"{}")
    except ValidationError as error:
        raise _refusal(web.HTTPBadRequest, describe_validation(error)) from None


def _answer(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(text=model.model_dump_json(), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _answer(ErrorAnswer(error=message), status)


def _refusal(answer: type[web.HTTPException], message: str) -> web.HTTPException:
    """The same ``{"error": ...}`` body as :func:`_error`, raised from a helper deep in a handler."""
    return answer(text=ErrorAnswer(error=message).model_dump_json(), content_type="application/json")
