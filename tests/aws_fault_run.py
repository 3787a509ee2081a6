"""What the AWS fault tests share: dummy credentials under moto, and a run killed after inject."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
import yaml
from botocore.client import BaseClient
from moto import mock_aws

from faults.base import Injector
from gameday.ledger import Ledger
from gameday.targets import AwsTarget

REGION = "eu-west-1"
TARGET = "shop-aws"


def use_dummy_credentials(monkeypatch: pytest.MonkeyPatch, region: str = REGION) -> None:
    """Dummy credentials only, and no profile: no test can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@contextmanager
def mocked_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto with dummy credentials only: no test can reach a real account."""
    use_dummy_credentials(monkeypatch)
    with mock_aws():
        yield


def client(name: str) -> BaseClient:
    return boto3.client(name, region_name=REGION)


def aws_target(**mapped: object) -> AwsTarget:
    return AwsTarget.model_validate(
        {
            "kind": "aws",
            "region": REGION,
            "account_allowlist": ["123456789012"],
            "entry_url": "https://shop.example",
            **mapped,
        }
    )


def killed_run(tmp_path: Path, target: AwsTarget, injector: Injector, kind: str, resource: str) -> Path:
    """Inject as a run does (plan in the ledger first), then stop as SIGKILL would: no revert.

    Writes ``targets.yaml`` next to ``runs/`` so ``gameday rollback`` can reach the target.
    """
    run_dir = tmp_path / "runs" / f"20260101T000000Z-{kind}"
    run_dir.mkdir(parents=True)
    (run_dir / "plan.json").write_text(json.dumps({"run_id": run_dir.name, "target": TARGET, "faults": []}))
    ledger = Ledger(run_dir / "ledger.jsonl")
    ledger.intent(injector.fault_id, kind, resource, injector.revert_plan())
    ledger.injected(injector.fault_id, injector.inject())
    targets = {"targets": {TARGET: target.model_dump(by_alias=True, exclude_defaults=True)}}
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(targets))
    return run_dir
