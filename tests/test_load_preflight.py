"""An entry that does not answer stops a game day before any fault, on an AWS target as on localcloud.

The AWS account is moto with dummy credentials; the entry is a closed port on this machine, so the
check is real HTTP. Every AWS call the run makes is recorded to show that nothing was changed.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml
from test_safety_preflight import REGION, aws, wire  # noqa: F401  # fixtures: moto, and the calls sent
from test_safety_preflight import _ecs_service as opted_in_ecs_service

from gameday.cli import main

ROOT = Path(__file__).resolve().parent.parent


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_aws_entry_stops_the_run_before_any_fault(
    tmp_path: Path,
    aws: None,  # noqa: F811
    wire: list[str],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    opted_in_ecs_service(desired=2)
    entry = f"http://127.0.0.1:{closed_port()}"
    staging = {
        "kind": "aws",
        "region": REGION,
        "account_allowlist": ["123456789012"],
        "entry_url": entry,
        "services": {"orders": {"cluster": "shop", "service": "orders"}},
        "xray_sampling": "keep",  # the run's own rule is proven in tests/test_xray_sampling.py
    }
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": {"staging": staging}}))
    scenario = ROOT / "scenarios" / "ci-orders-kill-one.yaml"

    code = main(
        ["run", str(scenario), "--target", "staging", "--targets", str(targets), "--reports", str(tmp_path)]
    )

    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        f"gameday: the entry {entry} is not reachable, no fault injected: "
        f"cannot connect to {entry}/: [Errno 111] Connection refused"
    )
    assert "load started" not in err
    assert "before-send.sts.GetCallerIdentity" in wire  # the account was checked first …
    assert not [call for call in wire if call.startswith("before-send.ecs.") and "Describe" not in call]
    ledgers = list(tmp_path.glob("runs/*/ledger.jsonl"))
    assert all(not ledger.read_text().strip() for ledger in ledgers)  # … and no fault was even planned
