"""Operator mistakes stop a shop task with one line on stderr, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_service(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECS_"))}
    return subprocess.run(
        [sys.executable, "-m", f"gameday.shop.{module}"],
        env={**clean, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_missing_queue_url_is_one_line() -> None:
    result = run_service("orders", PORT="0")
    assert (result.returncode, result.stderr) == (2, "orders: ORDERS_QUEUE_URL is not set\n")


def test_a_malformed_dependency_url_is_one_line() -> None:
    result = run_service("bff", PORT="0", CATALOG_URL="catalog:8080", ORDERS_URL="http://127.0.0.1:1")
    assert result.returncode == 2
    assert result.stderr == "bff: CATALOG_URL='catalog:8080' is not an http:// or https:// URL\n"


def test_a_bad_resilience_setting_is_one_line() -> None:
    result = run_service(
        "bff",
        PORT="0",
        CATALOG_URL="http://127.0.0.1:1",
        ORDERS_URL="http://127.0.0.1:2",
        RETRY_MAX_DELAY="1s",
    )
    assert (result.returncode, result.stderr) == (2, "bff: RETRY_MAX_DELAY='1s' is not a number\n")


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_service("catalog", PORT=str(port))
    assert result.returncode == 1
    assert result.stderr.startswith("catalog: cannot listen: ")
    assert "address already in use" in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_unknown_tracing_mode_is_one_line() -> None:
    result = run_service(
        "bff",
        PORT="0",
        CATALOG_URL="http://127.0.0.1:1",
        ORDERS_URL="http://127.0.0.1:2",
        SHOP_TRACING="xray",
    )
    assert (result.returncode, result.stderr) == (
        2,
        "bff: SHOP_TRACING='xray' must be one of: annotated, plain\n",
    )
