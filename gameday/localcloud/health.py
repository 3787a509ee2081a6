"""HTTP health checks, the way an ALB target group checks its targets."""

from __future__ import annotations

import aiohttp

from gameday.localcloud.ports import HOST
from gameday.localcloud.stack import HealthCheck


class HealthProbe:
    """One GET per check on a fresh connection, so a stale pooled socket never fakes a failure."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def passes(self, port: int, check: HealthCheck) -> bool:
        """True on a 2xx answer within the check's timeout."""
        assert self._session is not None, "start() first"
        url = f"http://{HOST}:{port}{check.path}"
        try:
            async with self._session.get(url, timeout=aiohttp.ClientTimeout(total=check.timeout)) as response:
                await response.read()
                return 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError):
            return False
