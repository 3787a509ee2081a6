"""User flows: the named ones written in Python, and users built from a flow declared in the scenario."""

from __future__ import annotations

from locust import User

from gameday.loadspecs import LoadSpec
from loadprofiles.flows.http import http_user_class
from loadprofiles.flows.shop import ShopUser

FLOWS: dict[str, type[User]] = {"shop": ShopUser}
"""Named flows, by the name a scenario's ``load.flow`` gives them."""


def user_class_for(load: LoadSpec) -> type[User]:
    """The user class that follows ``load.flow``."""
    flow = load.flow
    return FLOWS[flow] if isinstance(flow, str) else http_user_class(flow)
