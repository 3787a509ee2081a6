"""Loopback ports: free ones for tasks, and a clear error when a fixed one is taken."""

from __future__ import annotations

import errno
import socket

HOST = "127.0.0.1"


class PortInUse(Exception):
    """A listener localcloud must own (entry, control) cannot bind its port."""

    def __init__(self, port: int, purpose: str) -> None:
        self.port = port
        super().__init__(f"port {port} is in use ({purpose})")


def is_in_use(error: OSError) -> bool:
    return error.errno == errno.EADDRINUSE


def free_port() -> int:
    """A port nothing listens on right now; the task binds it moments later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port
