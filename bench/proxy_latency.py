"""What a localcloud dependency proxy adds to a request: the same request via the edge and direct.

Both go to the *same* catalog task (the one the proxy's kept-alive connection is relayed to, read
from its ``/health`` answer), over one persistent connection each, interleaved in alternating
order so both see the same load and the same moment.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from gameday.localcloud.client import LocalcloudClient

WARMUP = 50
PATH = "/health"  # no simulated work: the proxy's cost is not hidden in the service's own jitter


@dataclass(frozen=True)
class Latencies:
    via_proxy_s: list[float]
    direct_s: list[float]


def proxy_and_direct(client: LocalcloudClient, edge: str, requests: int) -> Latencies:
    state = client.state()
    via_proxy = _connection(state.paths[edge])
    try:
        task = _get(via_proxy)["task"]
        service = edge.split("->", 1)[1]
        port = next(t.port for t in state.services[service].tasks if t.id == task)
        direct = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            return _interleaved(via_proxy, direct, requests)
        finally:
            direct.close()
    finally:
        via_proxy.close()


def _interleaved(
    via_proxy: http.client.HTTPConnection, direct: http.client.HTTPConnection, requests: int
) -> Latencies:
    for _ in range(WARMUP):
        _get(via_proxy)
        _get(direct)
    latencies = Latencies([], [])
    for index in range(requests):
        pair = [(via_proxy, latencies.via_proxy_s), (direct, latencies.direct_s)]
        for connection, into in pair if index % 2 == 0 else reversed(pair):
            started = time.perf_counter()
            _get(connection)
            into.append(time.perf_counter() - started)
    return latencies


def _connection(base_url: str) -> http.client.HTTPConnection:
    parsed = urllib.parse.urlsplit(base_url)
    return http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=5)


def _get(connection: http.client.HTTPConnection) -> Any:
    connection.request("GET", PATH)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {PATH} answered {response.status}")
    return json.loads(body)
