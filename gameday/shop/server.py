"""Run one shop service: the process lifecycle every ``python -m gameday.shop.<name>`` shares.

The loop is created first so the X-Ray context can be bound to it; the app is served with an
``AppRunner`` (not ``web.run_app``) so that this module, not aiohttp, owns the signals: SIGTERM
(ECS and localcloud stopping a task) and SIGINT both drain and exit 0. A bad environment or a
port in use ends the process with one line on stderr and a non-zero status.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

from aiohttp import web

from gameday.shop.config import ConfigError, ServiceEnv
from gameday.shop.tracing import configure_tracing, tracing_middleware

AppBuilder = Callable[[ServiceEnv], web.Application]

HEALTH_CHECK: web.AppKey[Callable[[], bool]] = web.AppKey("health_check")
"""Set on an app to make ``/health`` depend on more than the process answering (the worker's consumer)."""

_SHUTDOWN_GRACE_S = 1.0  # localcloud SIGKILLs 2 s after SIGTERM; in-flight requests get half of it
log = logging.getLogger("shop")


def run(default_name: str, build: AppBuilder) -> None:
    """Serve the app ``build`` makes until SIGTERM/SIGINT; never returns normally."""
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    logging.getLogger("aws_xray_sdk").setLevel(logging.WARNING)
    try:
        asyncio.run(_serve(default_name, build))
    except ConfigError as error:
        print(f"{default_name}: {error}", file=sys.stderr)
        sys.exit(2)
    except OSError as error:
        print(f"{default_name}: cannot listen: {error.strerror or error}", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)


def new_app(env: ServiceEnv) -> web.Application:
    """An application with X-Ray tracing and the ``/health`` probe every service answers."""
    app = web.Application(middlewares=[tracing_middleware])
    app.router.add_get("/health", _health_of(env))
    return app


def _health_of(env: ServiceEnv) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def health(request: web.Request) -> web.Response:
        check = request.app.get(HEALTH_CHECK)
        healthy = check() if check is not None else True
        body = {"status": "ok" if healthy else "unhealthy", "service": env.name, "task": env.task_id}
        return web.json_response(body, status=200 if healthy else 503)

    return health


async def _serve(default_name: str, build: AppBuilder) -> None:
    env = ServiceEnv.from_env(default_name)
    loop = asyncio.get_running_loop()
    configure_tracing(env.name, env.task_id, loop)
    app = build(env)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=_SHUTDOWN_GRACE_S)
    await runner.setup()
    try:
        await web.TCPSite(runner, env.host, env.port).start()
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        log.info("%s (%s) listening on %s:%d", env.name, env.task_id, env.host, env.port)
        await stop.wait()
        log.info("%s (%s) stopping", env.name, env.task_id)
    finally:
        await runner.cleanup()
