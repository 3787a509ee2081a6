"""Long-poll receivers parked on a queue until a message turns visible.

The queue itself stays synchronous; it only calls ``wake_all`` whenever something becomes
visible. Waking everyone is cheap (few pollers per queue) and each woken poller simply tries to
receive again, so no message is ever promised to a particular poller.
"""

from __future__ import annotations

import asyncio


class Waiters:
    def __init__(self) -> None:
        self._parked: set[asyncio.Future[None]] = set()

    async def wait(self, timeout_s: float) -> None:
        """Return when woken or after ``timeout_s``, whichever comes first."""
        parked = asyncio.get_running_loop().create_future()
        self._parked.add(parked)
        try:
            await asyncio.wait_for(parked, timeout_s)
        except TimeoutError:
            pass
        finally:
            self._parked.discard(parked)

    def wake_all(self) -> None:
        for parked in self._parked:
            if not parked.done():
                parked.set_result(None)
        self._parked.clear()
