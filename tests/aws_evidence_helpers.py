"""Shared pieces of the AWS evidence tests: dummy credentials, clients, a target."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.client import BaseClient

from gameday.targets import AwsTarget

REGION = "eu-west-1"


def dummy_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy keys in the environment and no config files, so nothing real is read or reached."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def client(name: str) -> BaseClient:
    return boto3.session.Session(region_name=REGION).client(name)


def target(services: int = 1) -> AwsTarget:
    names = ["orders"] + [f"svc{i}" for i in range(1, services)]
    return AwsTarget.model_validate(
        {
            "kind": "aws",
            "region": REGION,
            "account_allowlist": ["111122223333"],
            "entry_url": "https://shop.example.com",
            "services": {n: {"cluster": "prod", "service": f"shop-{n}-svc"} for n in names},
            "queues": {
                "orders-queue": {
                    "url": "https://sqs.eu-west-1.amazonaws.com/111122223333/prod-orders",
                    "consumer": {"lambda": "prod-orders-worker", "via": "reserved-concurrency"},
                }
            },
            "load_balancer": "app/shop/0123456789abcdef",
        }
    )
