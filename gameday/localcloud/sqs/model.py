"""What the installed botocore SQS model declares, so localcloud never drifts from what clients send.

It tells an operation localcloud does not implement (``UnsupportedOperation``) from a target that
is no SQS operation at all, and an attribute name SQS knows but that is simply not set on a
queue (omitted from the answer, as SQS does) from a misspelt one (``InvalidAttributeName``).
"""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import ServiceModel


@cache
def _sqs_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("sqs")


def is_sqs_operation(name: str) -> bool:
    return name in _sqs_model().operation_names


def is_queue_attribute_name(name: str) -> bool:
    return name in _sqs_model().shape_for("QueueAttributeName").enum
