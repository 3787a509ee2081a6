"""A tiny task for localcloud's tests: tells who it is, echoes requests, and misbehaves on demand.

Run by localcloud with PORT, TASK_ID and SERVICE_NAME set, like any service. Routes:
GET /health (200 until POST /sick), GET /whoami, GET /env, GET /call/{dependency} (asks the
dependency's /whoami through <DEPENDENCY>_URL on a fresh connection), GET /status/{code},
GET /drop (closes the connection without answering), POST /crash (exits with code 3), and any
other request is echoed back as JSON.
"""

from __future__ import annotations

import asyncio
import os

import aiohttp
from aiohttp import web

TASK_ID = os.environ["TASK_ID"]
SERVICE = os.environ["SERVICE_NAME"]
state = {"healthy": True}


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok") if state["healthy"] else web.Response(status=500, text="sick")


async def whoami(request: web.Request) -> web.Response:
    return web.json_response({"task_id": TASK_ID, "service": SERVICE, "pid": os.getpid()})


async def environment(request: web.Request) -> web.Response:
    return web.json_response(dict(os.environ))


async def call(request: web.Request) -> web.Response:
    base = os.environ[request.match_info["dependency"].upper().replace("-", "_") + "_URL"]
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session,
        session.get(f"{base}/whoami") as response,
    ):
        return web.json_response(await response.json())


async def status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), text=TASK_ID)


async def drop(request: web.Request) -> web.Response:
    assert request.transport is not None
    request.transport.close()
    await asyncio.sleep(1)
    return web.Response()


async def sick(request: web.Request) -> web.Response:
    state["healthy"] = False
    return web.Response(text="sick now")


async def crash(request: web.Request) -> web.Response:
    asyncio.get_running_loop().call_later(0.05, os._exit, 3)
    return web.Response(text="crashing")


async def echo(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "task_id": TASK_ID,
            "method": request.method,
            "path": request.path,
            "query": request.query_string,
            "body": (await request.read()).decode(),
            "headers": dict(request.headers),
        },
        headers={"X-Echo-Task": TASK_ID},
    )


def main() -> None:
    app = web.Application()
    app.add_routes(
        [
            web.get("/health", health),
            web.get("/whoami", whoami),
            web.get("/env", environment),
            web.get("/call/{dependency}", call),
            web.get("/status/{code}", status),
            web.get("/drop", drop),
            web.post("/sick", sick),
            web.post("/crash", crash),
            web.route("*", "/{tail:.*}", echo),
        ]
    )
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None)


if __name__ == "__main__":
    main()
