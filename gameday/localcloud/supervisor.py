"""The supervisor: one asyncio process that owns a stack's tasks, listeners and stores.

This is the composition root. Start-up is ordered so that a user mistake costs nothing: the ports
that must be owned (control, entry) are bound before any task starts, and a service that cannot
come up stops everything and ends the process with one line on stderr and exit code 2.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from gameday.errors import InputError
from gameday.localcloud.api import PlatformState, QueueState
from gameday.localcloud.autoscaler_runner import Autoscaler
from gameday.localcloud.balancer import EntryBalancer
from gameday.localcloud.control import ControlApi
from gameday.localcloud.environment import Wiring
from gameday.localcloud.events import EventLog
from gameday.localcloud.health import HealthProbe
from gameday.localcloud.metrics import CLUSTER, MetricsRecorder
from gameday.localcloud.ports import HOST, PortInUse
from gameday.localcloud.proxy import DependencyProxy
from gameday.localcloud.roundrobin import RoundRobin
from gameday.localcloud.scheduler import ServiceScheduler
from gameday.localcloud.sqs import QueueStore, SqsEndpoint
from gameday.localcloud.sqs.faults import describe
from gameday.localcloud.stack import Stack
from gameday.localcloud.variants import load_stack_as
from gameday.localcloud.xray_daemon import XrayDaemon
from gameday.localcloud.zones import Zones

STARTUP_POLL_S = 0.1


class StartupFailed(Exception):
    """A service's tasks could not become healthy while the stack was starting."""


class Supervisor:
    def __init__(self, stack: Stack, variant: str | None = None) -> None:
        self.stack = stack
        self.variant = variant  # shown in /state so a run can refuse a stack in another variant
        self.started_at = time.time()
        self.events = EventLog()
        self.queues = QueueStore()
        self.sqs = SqsEndpoint(self.queues)
        self.xray = XrayDaemon()
        self._probe = HealthProbe()
        self.zones = Zones(stack.zones)
        self.schedulers = {
            name: ServiceScheduler(name, service, self._probe, self.events, self.zones)
            for name, service in stack.services.items()
        }
        entry = RoundRobin(self.schedulers[stack.entry.service])
        self.balancer = EntryBalancer(entry, stack.entry.port, self.zones)
        self.proxies = [
            DependencyProxy(name, RoundRobin(self.schedulers[dependency]), self.zones)
            for name, service in stack.services.items()
            for dependency in service.depends_on
        ]
        self.metrics = MetricsRecorder(stack.name, self.schedulers, self.balancer, self.queues)
        self.autoscaler = Autoscaler(stack, self.schedulers, self.metrics)
        self.control = ControlApi(
            state=self.state,
            schedulers=self.schedulers,
            paths={proxy.edge: proxy for proxy in self.proxies},
            zones=self.zones,
            queues=self.queues,
            events=self.events,
            metrics=self.metrics,
            activities=self.autoscaler.activities,
            xray=self.xray,
            autoscaler=self.autoscaler,
            shutdown=self.request_shutdown,
        )
        self._shutdown = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []

    @property
    def ready(self) -> bool:
        return all(scheduler.ready for scheduler in self.schedulers.values())

    def request_shutdown(self) -> None:
        self._shutdown.set()

    async def start(self, control_port: int) -> None:
        """Bring the whole stack up; returns once every service is ready (or a shutdown was asked for).

        Raises PortInUse or StartupFailed; the caller must still call :meth:`close`.
        """
        await self.control.start(control_port)
        await self.balancer.start()
        for name, queue in self.stack.queues.items():
            self.queues.create_queue(name, visibility_timeout_s=queue.visibility_timeout)
        await self.sqs.start(HOST, 0)
        await self.xray.start(HOST, 0)
        for proxy in self.proxies:
            await proxy.start()
        wiring = Wiring(
            proxy_ports={(proxy.source, proxy.dependency): proxy.port for proxy in self.proxies},
            sqs_endpoint=self.sqs.url,
            queue_urls={name: self.sqs.queue_url(name) for name in self.stack.queues},
            xray_address=self.xray.address,
        )
        await self._probe.start()
        for name, scheduler in self.schedulers.items():
            await scheduler.start(wiring.service_variables(name, scheduler.service))
        self._background.append(asyncio.get_running_loop().create_task(self.metrics.run()))
        await self._wait_until_ready()
        self._background.append(asyncio.get_running_loop().create_task(self.autoscaler.run()))

    async def _wait_until_ready(self) -> None:
        while not self.ready and not self._shutdown.is_set():
            for name, scheduler in self.schedulers.items():
                if scheduler.start_failure:
                    raise StartupFailed(f"service '{name}' did not start: {scheduler.start_failure}")
            await asyncio.sleep(STARTUP_POLL_S)

    async def serve_until_shutdown(self) -> None:
        await self._shutdown.wait()

    async def close(self) -> None:
        """Stop every task (SIGTERM, then SIGKILL after a grace), then every listener."""
        for background in self._background:
            background.cancel()
        self.zones.clear()  # a blackholed zone holds requests open until it is lifted
        await self.balancer.stop()
        await asyncio.gather(*(scheduler.close() for scheduler in self.schedulers.values()))
        for proxy in self.proxies:
            await proxy.stop()
        await self.sqs.stop()
        await self.xray.stop()
        await self._probe.close()
        await self.control.stop()

    def state(self) -> PlatformState:
        """The platform as the control API's GET /state shows it."""
        return PlatformState(
            stack=self.stack.name,
            variant=self.variant,
            cluster=CLUSTER,
            started_at=self.started_at,
            pid=os.getpid(),
            control_url=f"http://{HOST}:{self.control.port}",
            entry_url=self.balancer.url,
            sqs_endpoint=self.sqs.url,
            xray_daemon=self.xray.address,
            ready=self.ready,
            services={
                name: scheduler.snapshot(self.autoscaler.describe(name))
                for name, scheduler in self.schedulers.items()
            },
            paths={proxy.edge: f"http://{HOST}:{proxy.port}" for proxy in self.proxies},
            queues={name: self._queue_state(name) for name in self.queues.names()},
            path_faults={proxy.edge: proxy.describe_fault() for proxy in self.proxies},
            queue_faults={name: describe(self.queues.queue(name).faults) for name in self.queues.names()},
            zones=self.zones.names,
            zone_faults=self.zones.describe(),
        )

    def _queue_state(self, name: str) -> QueueState:
        stats = self.queues.stats(name)
        return QueueState(
            url=self.sqs.queue_url(name),
            visible=stats.visible,
            in_flight=stats.in_flight,
            delayed=stats.delayed,
        )


def serve(stack_path: Path, control_port: int, ready_file: Path | None, variant: str | None = None) -> int:
    """Run localcloud until SIGINT, SIGTERM or POST /shutdown; the process's exit code."""
    try:
        stack = load_stack_as(stack_path, variant)
    except InputError as error:
        for problem in error.problems:
            _fail(str(problem))
        return 2
    return asyncio.run(_serve(Supervisor(stack, variant), control_port, ready_file))


async def _serve(supervisor: Supervisor, control_port: int, ready_file: Path | None) -> int:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, supervisor.request_shutdown)
    try:
        await supervisor.start(control_port)
        if supervisor.ready:  # else a shutdown was asked for while starting
            if ready_file is not None:
                _write_atomically(ready_file, supervisor.state().model_dump_json(indent=2))
            print(f"ready: control API on {supervisor.state().control_url}", flush=True)
        await supervisor.serve_until_shutdown()
        return 0
    except (PortInUse, StartupFailed) as error:
        _fail(str(error))
        return 2
    finally:
        await supervisor.close()


def _fail(message: str) -> None:
    """The one line the launcher shows the user (it looks for the ``localcloud:`` prefix on stderr)."""
    print(f"localcloud: {message}", file=sys.stderr, flush=True)


def _write_atomically(path: Path, text: str) -> None:
    """Readers polling for the file never see it half written."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
