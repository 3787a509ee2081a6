"""User flows: the named ones written in Python, users built from a flow declared in the scenario,
and the user classes of a team's own Locust file."""

from __future__ import annotations

from locust import User

from gameday.flowspecs import LocustFileFlow
from gameday.loadspecs import LoadSpec
from loadprofiles.flows.http import http_user_class
from loadprofiles.flows.shop import ShopUser
from loadprofiles.flows.userfile import import_locustfile, user_classes_of

FLOWS: dict[str, type[User]] = {"shop": ShopUser}
"""Named flows, by the name a scenario's ``load.flow`` gives them."""


def user_classes_for(load: LoadSpec, locustfile_source: str | None = None) -> list[type[User]]:
    """The user classes that follow ``load.flow``; a Locust file runs from ``locustfile_source``
    (its text, as the master was given it) when given, else from the file itself."""
    flow = load.flow
    if isinstance(flow, str):
        return [FLOWS[flow]]
    if isinstance(flow, LocustFileFlow):
        module = import_locustfile(flow.locustfile, locustfile_source)
        return user_classes_of(module, flow.user_classes)
    return [http_user_class(flow)]
