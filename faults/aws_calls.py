"""Turning a failed AWS call inside a provider into a fault that did not land.

AccessDenied, a missing cluster, throttling that outlasted every retry, no credentials: the run
must record *why* the fault did not take effect in one line, and go on to revert and report.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from faults.base import FaultNotLanded
from gameday.aws_session import describe_error


@contextmanager
def aws_call(action: str) -> Iterator[None]:
    """Wrap the calls for ``action`` (an IAM-style name such as ``ecs:StopTask``)."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise FaultNotLanded(f"{action} failed: {describe_error(error)}") from error
