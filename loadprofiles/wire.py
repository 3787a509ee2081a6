"""What the load master and its workers say to each other on top of Locust's own protocol.

Locust already carries users, spawning and its aggregated stats; gameday adds two custom messages
(``runner.send_message`` / ``register_message``): the load config, sent by the master to every
worker as it connects, and batches of request rows, sent by each worker once a second and a last
time when its users stop. No Locust import here: both ends and the tests share these names.
"""

from __future__ import annotations

from typing import TypedDict

from loadprofiles.recorder import Row

CONFIG_MESSAGE = "gameday_config"
"""master → worker: ``LoadConfig.model_dump(mode="json")``, from which the worker builds its users."""

ROWS_MESSAGE = "gameday_rows"
"""worker → master: a :class:`RowBatch`."""

DEFAULT_MASTER_PORT = 5557
"""Locust's own default, so firewall rules written for Locust fit gameday too."""


class RowBatch(TypedDict):
    rows: list[Row]
    final: bool  # the last batch: the worker's users have stopped


def parse_master(address: str) -> tuple[str, int]:
    """``HOST[:PORT]`` → (host, port); raise ValueError with a message fit for the user."""
    host, colon, port = address.rpartition(":")
    if not colon:
        host, port = address, str(DEFAULT_MASTER_PORT)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(
            f"--master {address!r}: expected HOST or HOST:PORT, e.g. 10.0.0.5:{DEFAULT_MASTER_PORT}"
        )
    return host, int(port)
