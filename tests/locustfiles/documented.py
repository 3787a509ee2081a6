"""Locust's documented examples in one file, for one game day: Locust runs every user class it finds
in a locustfile, imported ones too, and a locustfile imports its neighbours like any module."""

from quickstart import QuickstartUser
from tasksets import AdminUser, BuyingUser, LoggedInUser

__all__ = ["AdminUser", "BuyingUser", "LoggedInUser", "QuickstartUser"]
