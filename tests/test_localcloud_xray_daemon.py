"""The local X-Ray daemon fed by the real aws-xray-sdk and by hand-made datagrams."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aws_xray_sdk.core import AWSXRayRecorder
from aws_xray_sdk.core.sampling.local.sampler import LocalSampler

from gameday.localcloud.xray_daemon import XrayDaemon, parse_datagram

HEADER = b'{"format": "json", "version": 1}\n'
SAMPLE_EVERYTHING = {"version": 2, "rules": [], "default": {"fixed_target": 1, "rate": 1.0}}


def run_with_daemon(scenario: Callable[[XrayDaemon], Awaitable[None]]) -> None:
    """Run ``scenario`` against a started daemon on a fresh loop, and always stop it."""

    async def main() -> None:
        daemon = XrayDaemon()
        await daemon.start()
        try:
            await scenario(daemon)
        finally:
            await daemon.stop()

    asyncio.run(main())


async def until_count(daemon: XrayDaemon, expected: int, *, malformed: int = 0) -> None:
    """Let the loop read the datagrams already sitting in the socket buffer."""
    for _ in range(200):
        if daemon.count >= expected and daemon.malformed >= malformed:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"got {daemon.count} documents, {daemon.malformed} malformed; expected {expected}")


def send(address: str, *datagrams: bytes) -> None:
    host, port = address.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for datagram in datagrams:
            sock.sendto(datagram, (host, int(port)))


def test_address_is_loopback_with_the_bound_port() -> None:
    async def scenario(daemon: XrayDaemon) -> None:
        host, port = daemon.address.split(":")
        assert host == "127.0.0.1" and int(port) > 0

    run_with_daemon(scenario)


def test_sdk_segment_and_streamed_subsegments_arrive_with_one_trace_id() -> None:
    async def scenario(daemon: XrayDaemon) -> None:
        recorder = AWSXRayRecorder()
        recorder.configure(
            daemon_address=daemon.address,
            sampling=True,
            sampler=LocalSampler(SAMPLE_EVERYTHING),
            streaming_threshold=1,
            context_missing="LOG_ERROR",
            plugins=(),
            service="bff",
        )
        since = time.time()
        segment = recorder.begin_segment("bff")
        with recorder.in_subsegment("catalog") as catalog:
            catalog.put_http_meta("status", 200)
        with recorder.in_subsegment("orders"), recorder.in_subsegment("attempt-1"):
            pass
        recorder.end_segment()

        await until_count(daemon, 3)  # the segment, plus the two subsegments the SDK streamed
        documents = daemon.documents_between(since, time.time() + 1)
        assert len(documents) == daemon.count

        assert {doc["trace_id"] for doc in documents} == {segment.trace_id}
        (root,) = [doc for doc in documents if doc.get("type") != "subsegment"]
        assert root["id"] == segment.id and root["name"] == "bff"
        streamed = [doc for doc in documents if doc.get("type") == "subsegment"]
        assert streamed, "with streaming_threshold=1 the SDK streams subsegments on their own"
        entities = [entity for doc in documents for entity in flattened(doc)]
        assert sorted(entity["name"] for entity in entities) == ["attempt-1", "bff", "catalog", "orders"]
        ids = {entity["id"] for entity in entities}
        assert all(doc["parent_id"] in ids for doc in streamed), "each streamed part hangs off the trace"

    run_with_daemon(scenario)


def flattened(entity: dict[str, Any]) -> list[dict[str, Any]]:
    """An entity and all the subsegments nested in it, depth first."""
    return [entity, *(nested for sub in entity.get("subsegments", []) for nested in flattened(sub))]


def test_malformed_datagrams_are_counted_and_dropped() -> None:
    segment = {"name": "orders", "id": "70de5b6f19ff9a0a", "trace_id": "1-5759e988-bd862e3fe1be46a994272793"}
    subsegment = {**segment, "id": "53995c3f42cd8ad8", "type": "subsegment", "parent_id": "70de5b6f19ff9a0a"}
    malformed = [
        b"",
        b"\xff\xfe not utf-8",
        b"no header line at all",
        HEADER,  # header without a document
        HEADER + b"{not json",
        HEADER + b"[1, 2, 3]",
        b'{"format": "xml", "version": 1}\n' + json.dumps(segment).encode(),
        HEADER + json.dumps({"name": "no ids"}).encode(),
        HEADER + json.dumps({**subsegment, "parent_id": None}).encode(),
        HEADER + b"[" * 60_000,  # deeper than the JSON decoder can recurse
    ]

    async def scenario(daemon: XrayDaemon) -> None:
        send(daemon.address, *malformed)
        send(daemon.address, HEADER + json.dumps(segment).encode(), HEADER + json.dumps(subsegment).encode())
        await until_count(daemon, 2, malformed=len(malformed))
        assert daemon.malformed == len(malformed)
        assert daemon.documents_between(0, time.time() + 1) == [segment, subsegment]

    run_with_daemon(scenario)


def test_documents_between_selects_by_receive_time_in_arrival_order() -> None:
    now = [100.0]

    async def main() -> None:
        daemon = XrayDaemon(clock=lambda: now[0])
        await daemon.start()
        try:
            for n, t in enumerate([100.0, 101.0, 101.0, 99.0, 103.0]):  # 99: the clock stepped back
                now[0] = t
                send(daemon.address, HEADER + json.dumps({"id": f"{n:016x}", "trace_id": "1-a-b"}).encode())
                await until_count(daemon, n + 1)
            ids = [int(doc["id"], 16) for doc in daemon.documents_between(101.0, 103.0)]
            assert ids == [1, 2, 3]  # the stepped-back arrival is kept in order, at 101
            assert daemon.documents_between(104.0, 200.0) == []
            assert len(daemon.documents_between(0.0, 1e12)) == daemon.count == 5
        finally:
            await daemon.stop()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("datagram", "expected"),
    [
        (b'{"format":"json","version":1}\n{"id": "a", "trace_id": "t"}', {"id": "a", "trace_id": "t"}),
        (b'{"format":"json","version":2}\n{"id": "a", "trace_id": "t"}', None),
        (b'{"format":"json","version":1}\n{"id": "a", "trace_id": "t", "type": "subsegment"}', None),
    ],
)
def test_parse_datagram(datagram: bytes, expected: dict[str, Any] | None) -> None:
    assert parse_datagram(datagram) == expected
