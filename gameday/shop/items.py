"""The product list: served by catalog, checked by orders, partly cached in bff as its fallback.

It ships with the code (a demo shop needs no database), which also lets orders validate item ids
without a call to catalog that the stack does not declare.
"""

from __future__ import annotations

from typing import TypedDict


class Item(TypedDict):
    id: str
    name: str
    price: float


ITEMS: tuple[Item, ...] = (
    {"id": "sku-001", "name": "Espresso beans 1 kg", "price": 24.5},
    {"id": "sku-002", "name": "Filter coffee 500 g", "price": 11.9},
    {"id": "sku-003", "name": "Ceramic mug", "price": 8.0},
    {"id": "sku-004", "name": "Pour-over dripper", "price": 19.0},
    {"id": "sku-005", "name": "Paper filters (100)", "price": 4.5},
    {"id": "sku-006", "name": "Burr grinder", "price": 129.0},
    {"id": "sku-007", "name": "Milk frother", "price": 39.9},
    {"id": "sku-008", "name": "Travel tumbler", "price": 22.0},
    {"id": "sku-009", "name": "Descaling tablets", "price": 9.5},
    {"id": "sku-010", "name": "Gift card 25", "price": 25.0},
)

ITEMS_BY_ID: dict[str, Item] = {item["id"]: item for item in ITEMS}

FALLBACK_ITEMS: tuple[Item, ...] = ITEMS[:3]
"""What bff shows while catalog's breaker is open: a short, possibly stale best-seller list."""
