"""HTTP health checks, the way an ALB target group checks its targets."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp

from gameday.localcloud.ports import HOST
from gameday.localcloud.stack import HealthCheck

if TYPE_CHECKING:
    from gameday.localcloud.faultmodes import PathFault


class HealthProbe:
    """One GET per check on a fresh connection, so a stale pooled socket never fakes a failure."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def passes(self, port: int, check: HealthCheck, path: PathFault | None = None) -> bool:
        """True on a 2xx answer within the check's timeout; ``path`` is a fault on the way to the task."""
        assert self._session is not None, "start() first"
        url = f"http://{HOST}:{port}{check.path}"
        try:
            async with asyncio.timeout(check.timeout):
                if path is not None and await path.intercept() is not None:
                    return False
                async with self._session.get(url) as response:
                    await response.read()
                    return 200 <= response.status < 300
        except (aiohttp.ClientError, OSError, TimeoutError):
            return False
