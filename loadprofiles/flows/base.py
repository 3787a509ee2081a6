"""What every flow's user shares: FastHttpUser with timeouts bounded for game days."""

from __future__ import annotations

from locust import FastHttpUser


class GamedayUser(FastHttpUser):
    """Bounded timeouts, so a blackholed path turns into recorded failures instead of users hanging
    until the end of the run (FastHttpUser's defaults are a minute each)."""

    abstract = True
    connection_timeout = 3.0
    network_timeout = 10.0
