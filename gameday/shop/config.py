"""Environment variables, read once at start-up and checked.

A task is configured only through its environment (localcloud and ECS task definitions set the
same variables), so a wrong value must stop the task with one clear line naming the variable
rather than a traceback or, worse, a silently different behaviour under test.
"""

from __future__ import annotations

import enum
import math
import os
from dataclasses import dataclass


class ConfigError(Exception):
    """A missing or malformed environment variable; the message is one line for the operator."""


def text(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise ConfigError(f"{name} is not set")
    return default


def integer(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = text(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    _check_range(name, raw, value, minimum, maximum)
    return value


def number(name: str, default: float, minimum: float = 0.0, maximum: float | None = None) -> float:
    """A float such as seconds (``1.5``) or a ratio; plain numbers only, as ECS variables are."""
    raw = text(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} is not a finite number")
    _check_range(name, raw, value, minimum, maximum)
    return value


def choice(name: str, default: str, options: tuple[str, ...]) -> str:
    """One of a few words (``RETRY_BACKOFF=none``); anything else names the words allowed."""
    value = text(name, default).lower()
    if value not in options:
        raise ConfigError(f"{name}={value!r} must be one of: {', '.join(options)}")
    return value


def flag(name: str, default: bool) -> bool:
    """``true`` or ``false``: a switch such as ``BREAKER_ENABLED``; ``yes``/``1`` are refused, not guessed."""
    return choice(name, "true" if default else "false", ("true", "false")) == "true"


def _check_range(name: str, raw: str, value: float, minimum: float, maximum: float | None) -> None:
    if maximum is not None and not minimum <= value <= maximum:
        raise ConfigError(f"{name}={raw!r} must be between {minimum:g} and {maximum:g}")
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum:g}")


class Tracing(enum.StrEnum):
    """How a task traces its outgoing calls (``SHOP_TRACING``); its answers are the same either way.

    ``annotated``: the shop's own shape, a wrapper subsegment per logical call annotated with the
    breaker's and the retries' decisions (see :mod:`gameday.shop.downstream`). ``plain``: only what the X-Ray
    SDK's own instrumentation records, as an ordinary team's service would send.
    """

    ANNOTATED = "annotated"
    PLAIN = "plain"


@dataclass(frozen=True)
class ServiceEnv:
    """What every task needs to know about itself.

    ``HOST`` defaults to loopback (localcloud's rule); containers on AWS set ``HOST=0.0.0.0``.
    """

    name: str
    task_id: str
    host: str
    port: int
    tracing: Tracing

    @classmethod
    def from_env(cls, default_name: str) -> ServiceEnv:
        port = integer("PORT", 8080, minimum=0, maximum=65535)
        tracing = choice("SHOP_TRACING", Tracing.ANNOTATED, tuple(Tracing))
        return cls(
            name=text("SERVICE_NAME", default_name),
            task_id=text("TASK_ID", f"{default_name}-{os.getpid()}"),
            host=text("HOST", "127.0.0.1"),
            port=port,
            tracing=Tracing(tracing),
        )


def base_url(name: str) -> str:
    """A dependency's base URL (``http://host:port``), without a trailing slash."""
    value = text(name)
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name}={value!r} is not an http:// or https:// URL")
    return value.rstrip("/")
