"""gameday/shop/stack.yaml is a valid localcloud stack with the shape the scenarios rely on."""

from __future__ import annotations

from pathlib import Path

from gameday.localcloud.stack import load_stack

STACK = Path(__file__).resolve().parents[1] / "gameday" / "shop" / "stack.yaml"


def test_the_shop_stack_file() -> None:
    stack = load_stack(STACK)
    assert stack.name == "shop"
    assert (stack.entry.service, stack.entry.port) == ("bff", 8080)
    shape = {name: (s.command, s.replicas, s.depends_on, s.queues) for name, s in stack.services.items()}
    assert shape == {
        "bff": (["python", "-m", "gameday.shop.bff"], 2, ["catalog", "orders"], []),
        "catalog": (["python", "-m", "gameday.shop.catalog"], 2, [], []),
        "orders": (["python", "-m", "gameday.shop.orders"], 4, [], ["orders"]),
        "worker": (["python", "-m", "gameday.shop.worker"], 1, [], ["orders"]),
    }
    for service in stack.services.values():
        assert service.start_delay == 3.0
        assert service.health_check.path == "/health"
    assert stack.queues["orders"].visibility_timeout == 30.0
