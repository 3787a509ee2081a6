"""User flows by the name a scenario's ``load.flow`` gives them."""

from __future__ import annotations

from locust import User

from loadprofiles.flows.shop import ShopUser

FLOWS: dict[str, type[User]] = {"shop": ShopUser}
