"""One message and the receipt handles that name one receive of it.

A message moves between states (delayed → visible ⇄ in flight → deleted). The queue's deque and
heaps never remove entries in the middle; instead every state change bumps ``epoch`` and an entry
whose epoch no longer matches is skipped when it reaches the front. That keeps each operation's
cost independent of how deep the queue is.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field
from enum import Enum


class MessageState(Enum):
    DELAYED = "delayed"
    VISIBLE = "visible"
    IN_FLIGHT = "in_flight"
    DELETED = "deleted"


@dataclass(frozen=True)
class AttributeValue:
    """A message attribute (or system attribute) as SQS stores it: typed string or binary."""

    data_type: str
    string_value: str | None = None
    binary_value: bytes | None = None


@dataclass(eq=False, slots=True)
class Message:
    message_id: str
    body: str
    md5_of_body: str
    sent_at: float
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    system_attributes: dict[str, AttributeValue] = field(default_factory=dict)
    state: MessageState = MessageState.VISIBLE
    epoch: int = 0
    receive_count: int = 0
    first_received_at: float | None = None
    receipt_handle: str | None = None

    def move_to(self, state: MessageState) -> int:
        """Change state and return the new epoch that structure entries must carry to stay live."""
        self.state = state
        self.epoch += 1
        return self.epoch


def new_receipt_handle(queue_name: str, message_id: str) -> str:
    """A fresh handle for one receive; it names its queue and message so a stale one is recognisable."""
    raw = f"{queue_name}\n{message_id}\n{secrets.token_hex(8)}"
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")


def parse_receipt_handle(handle: str) -> tuple[str, str] | None:
    """(queue name, message id) of a well-formed handle, or None when it is not one of ours.

    SQS tells a malformed handle (``ReceiptHandleIsInvalid``) apart from a well-formed but stale
    one (the delete succeeds without effect), so the handle has to carry its own identity.
    """
    try:
        raw = base64.urlsafe_b64decode(handle.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    parts = raw.split("\n")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1]
