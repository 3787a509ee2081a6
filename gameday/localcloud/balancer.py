"""The entry listener: an HTTP reverse proxy that behaves like an Application Load Balancer.

Requests go round robin to the entry service's healthy tasks; with none healthy the balancer
answers 503 itself, when the chosen task cannot be reached 502, when it does not answer in time
504 — and counts each second what CloudWatch would publish for an ALB. A request routed to a task
in a faulted zone suffers the zone's fault on its way there (held, delayed, reset or answered
with an error), as it would crossing into an impaired Availability Zone.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, MultiMapping
from yarl import URL

from gameday.localcloud.faultmodes import INJECTED_ERROR
from gameday.localcloud.ports import HOST, PortInUse, is_in_use
from gameday.localcloud.roundrobin import RoundRobin
from gameday.localcloud.tasks import Task
from gameday.localcloud.zones import Zones

IDLE_TIMEOUT_S = 60.0  # the ALB default idle timeout
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",  # recomputed for the body actually sent
    }
)


@dataclass
class TrafficCounts:
    """What happened on the listener since the counts were last taken."""

    requests: int = 0  # requests a target was chosen for (ALB RequestCount)
    target_5xx: int = 0
    elb_5xx: int = 0
    target_responses: int = 0
    response_time_total_s: float = 0.0


class EntryBalancer:
    def __init__(self, targets: RoundRobin, port: int, zones: Zones) -> None:
        self._targets = targets
        self._zones = zones
        self._requested_port = port
        self._counts = TrafficCounts()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.ServerRunner | None = None
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def start(self) -> int:
        """Bind the listener; raises PortInUse when the port is taken."""
        self._runner = web.ServerRunner(web.Server(self._forward, access_log=None), shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self._requested_port)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            if is_in_use(error):
                raise PortInUse(self._requested_port, f"entry listener for {self._targets.service}") from None
            raise
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            auto_decompress=False,  # pass bodies through byte for byte
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=IDLE_TIMEOUT_S),
        )
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def take_counts(self) -> TrafficCounts:
        counts, self._counts = self._counts, TrafficCounts()
        return counts

    async def _forward(self, request: web.BaseRequest) -> web.StreamResponse:
        task = self._targets.next()
        if task is None:
            self._counts.elb_5xx += 1
            return _elb_error(503, "Service Temporarily Unavailable")
        assert self._session is not None
        self._counts.requests += 1
        body = await request.read()
        url = URL(f"http://{HOST}:{task.port}{request.raw_path}", encoded=True)
        sent = time.monotonic()
        try:
            injected = await self._cross_zone(task)
            if injected is not None:
                self._count_target_answer(injected, sent)
                return web.Response(status=injected, body=INJECTED_ERROR, content_type="application/json")
            async with self._session.request(
                request.method,
                url,
                headers=self._upstream_headers(request),
                data=body or None,
                allow_redirects=False,
            ) as upstream:
                payload = await upstream.read()
                status, reason, headers = upstream.status, upstream.reason, _end_to_end(upstream.headers)
        except TimeoutError:
            self._counts.elb_5xx += 1
            return _elb_error(504, "Gateway Time-out")
        except (aiohttp.ClientError, ConnectionResetError):
            self._counts.elb_5xx += 1
            return _elb_error(502, "Bad Gateway")
        self._count_target_answer(status, sent)
        return web.Response(status=status, reason=reason, body=payload, headers=headers)

    async def _cross_zone(self, task: Task) -> int | None:
        """The fault of the task's zone on this request: None to forward it, else the status it is
        answered with. A blackhole holds it until lifted, within the idle timeout (then a 504)."""
        fault = self._zones[task.zone].fault
        if fault is None:
            return None
        async with asyncio.timeout(IDLE_TIMEOUT_S):
            return await fault.intercept()

    def _count_target_answer(self, status: int, sent: float) -> None:
        self._counts.target_responses += 1
        self._counts.response_time_total_s += time.monotonic() - sent
        if status >= 500:
            self._counts.target_5xx += 1

    def _upstream_headers(self, request: web.BaseRequest) -> CIMultiDict[str]:
        headers = _end_to_end(request.headers)
        if "X-Amzn-Trace-Id" not in headers:
            headers["X-Amzn-Trace-Id"] = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
        peer = request.remote or ""
        forwarded = headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{forwarded}, {peer}" if forwarded else peer
        headers["X-Forwarded-Proto"] = "http"
        headers["X-Forwarded-Port"] = str(self.port)
        return headers


def _end_to_end(headers: MultiMapping[str]) -> CIMultiDict[str]:
    """Copy every header a proxy must pass on, keeping repeated ones (Set-Cookie)."""
    return CIMultiDict((name, value) for name, value in headers.items() if name.lower() not in _HOP_BY_HOP)


def _elb_error(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=f"{status} {text}\n")
