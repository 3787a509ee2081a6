"""The stack file: located errors for typos, unknown references and missing commands."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gameday.errors import InputError
from gameday.localcloud.environment import Wiring
from gameday.localcloud.stack import load_stack

VALID = """\
name: shop
entry: {service: bff, port: 8080}
services:
  bff:
    command: [python, -m, gameday.shop.bff]
    replicas: 2
    start_delay: 3s
    health_check: {path: /health, interval: 1s, timeout: 1s, unhealthy_threshold: 2}
    depends_on: [catalog, order-api]
    env: {LOG_LEVEL: debug}
  catalog: {command: [python, -m, gameday.shop.catalog], replicas: 2}
  order-api: {command: [python, -m, gameday.shop.orders], replicas: 4, queues: [orders]}
queues:
  orders: {visibility_timeout: 30s}
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "stack.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_stack(path)
    return [str(problem).removeprefix(f"{path}:") for problem in caught.value.problems]


def test_a_valid_stack_loads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(VALID, encoding="utf-8")
    stack = load_stack(path)
    assert stack.services["bff"].start_delay == 3.0
    assert stack.services["catalog"].start_delay == 3.0
    assert stack.services["catalog"].health_check.path == "/health"
    assert stack.services["bff"].argv == [sys.executable, "-m", "gameday.shop.bff"]
    assert stack.queues["orders"].visibility_timeout == 30.0


def test_wiring_gives_each_service_its_dependencies_queues_and_daemon(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(VALID, encoding="utf-8")
    stack = load_stack(path)
    wiring = Wiring(
        proxy_ports={("bff", "catalog"): 4001, ("bff", "order-api"): 4002},
        sqs_endpoint="http://127.0.0.1:4100",
        queue_urls={"orders": "http://127.0.0.1:4100/000000000000/orders"},
        xray_address="127.0.0.1:2000",
    )
    bff = wiring.service_variables("bff", stack.services["bff"])
    assert bff["CATALOG_URL"] == "http://127.0.0.1:4001"
    assert bff["ORDER_API_URL"] == "http://127.0.0.1:4002"
    assert bff["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    assert "SQS_ENDPOINT_URL" not in bff
    orders = wiring.service_variables("order-api", stack.services["order-api"])
    assert orders["ORDERS_QUEUE_URL"] == "http://127.0.0.1:4100/000000000000/orders"
    assert orders["SQS_ENDPOINT_URL"] == "http://127.0.0.1:4100"
    assert orders["AWS_REGION"] == orders["AWS_DEFAULT_REGION"] == "us-east-1"


def test_field_errors_name_the_line_and_field(tmp_path: Path) -> None:
    text = VALID.replace("start_delay: 3s", "start_delay: soon").replace(
        "replicas: 2}", "replicas: 2, colour: red}"
    )
    assert _problems(tmp_path, text) == [
        "7: services.bff.start_delay: 'soon' is not a duration (use 30s, 2m, 1m30s or 1500ms)",
        "11: services.catalog.colour: unknown field",
    ]


def test_unknown_references_are_located(tmp_path: Path) -> None:
    text = (
        VALID.replace("{service: bff,", "{service: front,")
        .replace("[catalog, order-api]", "[catalog, ordres]")
        .replace("queues: [orders]", "queues: [order]")
    )
    assert _problems(tmp_path, text) == [
        "2: entry.service: no service named 'front' (known: bff, catalog, order-api)",
        "9: services.bff.depends_on[1]: no service named 'ordres' (known: bff, catalog, order-api)",
        "12: services.order-api.queues[0]: no queue named 'order' (known: orders)",
    ]


def test_a_service_cannot_depend_on_itself_or_twice(tmp_path: Path) -> None:
    assert _problems(tmp_path, VALID.replace("[catalog, order-api]", "[bff]")) == [
        "9: services.bff.depends_on[0]: a service cannot depend on itself"
    ]
    assert _problems(tmp_path, VALID.replace("[catalog, order-api]", "[catalog, catalog]")) == [
        "9: services.bff.depends_on: names must not repeat"
    ]


def test_a_missing_command_is_reported_before_anything_runs(tmp_path: Path) -> None:
    text = VALID.replace("[python, -m, gameday.shop.catalog]", "[no-such-server-xyz, --port, '1']")
    assert _problems(tmp_path, text) == [
        "11: services.catalog.command[0]: 'no-such-server-xyz' is not an executable on PATH"
    ]


def test_names_must_be_usable_as_variables_and_queue_names(tmp_path: Path) -> None:
    text = VALID.replace("  catalog:", "  Catalog_1:").replace("[catalog, order-api]", "[Catalog_1]")
    assert _problems(tmp_path, text) == [
        "11: services.Catalog_1: 'Catalog_1' is not a valid name: use lowercase letters, digits and '-' only"
    ]


def test_a_port_out_of_range_is_located(tmp_path: Path) -> None:
    assert _problems(tmp_path, VALID.replace("port: 8080", "port: 80800")) == [
        "2: entry.port: must be at most 65535"
    ]
