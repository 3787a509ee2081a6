"""The MD5 digests SQS returns so clients can check what the queue stored.

SDKs that verify them (the Java and .NET SDKs do, botocore does not) compute the same bytes, so the
encoding must follow the SQS developer guide exactly: attributes sorted by name, every part
length-prefixed with a 4-byte big-endian length, and a transport byte (1 = string, 2 = binary).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping

from gameday.localcloud.sqs.message import AttributeValue

_STRING_TRANSPORT = b"\x01"
_BINARY_TRANSPORT = b"\x02"


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def md5_of_attributes(attributes: Mapping[str, AttributeValue]) -> str:
    """Digest of message (or message system) attributes; callers skip it when there are none."""
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        digest.update(_length_prefixed(name.encode("utf-8")))
        digest.update(_length_prefixed(value.data_type.encode("utf-8")))
        if value.binary_value is not None:
            digest.update(_BINARY_TRANSPORT + _length_prefixed(value.binary_value))
        else:
            digest.update(_STRING_TRANSPORT + _length_prefixed((value.string_value or "").encode("utf-8")))
    return digest.hexdigest()


def _length_prefixed(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data
