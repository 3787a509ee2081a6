"""The benchmarks' measurements against a real localcloud, with tiny sample sizes: they run, they
observe the target, and they leave it as they found it. No figure is asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.abort_revert import abort_to_reverted
from bench.observe import answers, path_fault_shown
from bench.proxy_latency import proxy_and_direct
from bench.stack import shop_localcloud

pytestmark = pytest.mark.e2e
EDGE = "bff->catalog"


def test_proxy_latency_and_abort_to_reverted_on_localcloud(tmp_path: Path) -> None:
    with shop_localcloud(tmp_path) as localcloud:
        client = localcloud.client
        latencies = proxy_and_direct(client, EDGE, requests=20)
        assert len(latencies.via_proxy_s) == len(latencies.direct_s) == 20
        assert min(latencies.via_proxy_s + latencies.direct_s) > 0

        aborts = abort_to_reverted(client, EDGE, tmp_path / "ledger.jsonl", trials=2)
        assert len(aborts) == 2
        assert all(seconds > 0 for seconds in aborts)
        assert not path_fault_shown(client, EDGE)
        assert answers(client.state().paths[EDGE])
