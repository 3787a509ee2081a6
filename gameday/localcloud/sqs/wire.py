"""Reading SQS JSON request members and writing messages back, with SQS's validation rules.

botocore validates types before sending, but anything can reach a socket, so every member is
checked here and a bad one becomes the same error SQS would send instead of a server crash.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from gameday.localcloud.sqs import errors
from gameday.localcloud.sqs.checksums import md5_of_attributes
from gameday.localcloud.sqs.message import AttributeValue, Message

Request = dict[str, Any]

ACCOUNT_ID = "000000000000"
REGION = "us-east-1"
MAX_ATTRIBUTES = 10
_QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_ATTRIBUTE_NAME = re.compile(r"(?!aws\.|amazon\.)(?!.*\.\.)[A-Za-z0-9_.-]{1,256}(?<!\.)", re.IGNORECASE)
_DATA_TYPE = re.compile(r"(String|Number|Binary)(\..{1,250})?")
_FORBIDDEN_CHARS = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text(request: Request, key: str) -> str:
    value = optional_text(request, key)
    if not value:
        raise errors.missing_parameter(key)
    return value


def optional_text(request: Request, key: str) -> str | None:
    value = request.get(key)
    if value is not None and not isinstance(value, str):
        raise errors.invalid_parameter_value(key, "must be a string.")
    return value


def integer(request: Request, key: str, low: int, high: int) -> int | None:
    value = request.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise errors.invalid_parameter_value(key, f"Must be between {low} and {high}, if provided.")
    return value


def string_list(request: Request, key: str) -> list[str]:
    value = request.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise errors.invalid_parameter_value(key, "must be a list of strings.")
    return value


def string_map(request: Request, key: str) -> dict[str, str]:
    value = request.get(key) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise errors.invalid_parameter_value(key, "must be a map of strings.")
    return value


def entries(request: Request) -> list[Request]:
    value = request.get("Entries")
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise errors.missing_parameter("Entries")
    return value


def queue_name(request: Request) -> str:
    """The queue a request is for: the last path segment of ``QueueUrl``, whatever host it names."""
    return urlsplit(text(request, "QueueUrl")).path.rstrip("/").rpartition("/")[2]


def checked_queue_name(name: str) -> str:
    if not _QUEUE_NAME.fullmatch(name):
        raise errors.invalid_parameter_value(
            "QueueName",
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.",
        )
    return name


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def checked_body(body: str, attributes: dict[str, AttributeValue], maximum_size: int) -> str:
    if match := _FORBIDDEN_CHARS.search(body):
        raise errors.invalid_message_contents(
            f"Invalid binary character '#x{ord(match.group()):X}' was found in the message body."
        )
    size = len(body.encode("utf-8")) + sum(_attribute_size(name, v) for name, v in attributes.items())
    if size > maximum_size:
        raise errors.invalid_parameter_value(
            "MessageBody", f"Message must be shorter than {maximum_size} bytes."
        )
    return body


def attributes_from_wire(request: Request, key: str) -> dict[str, AttributeValue]:
    """Message (or message system) attributes from their JSON form, checked like SQS does."""
    raw = request.get(key) or {}
    if not isinstance(raw, dict) or len(raw) > MAX_ATTRIBUTES:
        raise errors.invalid_parameter_value(key, f"At most {MAX_ATTRIBUTES} attributes are allowed.")
    return {name: _attribute_from_wire(key, name, value) for name, value in raw.items()}


def _attribute_from_wire(key: str, name: Any, value: Any) -> AttributeValue:
    where = f"{key}.{name}"
    if not isinstance(name, str) or not _ATTRIBUTE_NAME.fullmatch(name):
        raise errors.invalid_parameter_value(key, f"Invalid attribute name {name!r}.")
    if not isinstance(value, dict) or not isinstance(data_type := value.get("DataType"), str):
        raise errors.invalid_parameter_value(where, "The message attribute must have a DataType.")
    type_match = _DATA_TYPE.fullmatch(data_type)
    if type_match is None:
        raise errors.invalid_parameter_value(where, f"The type {data_type!r} is not supported.")
    if type_match.group(1) == "Binary":
        encoded = value.get("BinaryValue")
        try:
            binary = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else b""
        except binascii.Error:
            binary = b""
        if not binary:
            raise errors.invalid_parameter_value(where, "A Binary attribute needs a BinaryValue.")
        return AttributeValue(data_type, binary_value=binary)
    string = value.get("StringValue")
    if not isinstance(string, str) or not string:
        raise errors.invalid_parameter_value(where, f"A {type_match.group(1)} attribute needs a StringValue.")
    return AttributeValue(data_type, string_value=string)


def _attribute_size(name: str, value: AttributeValue) -> int:
    payload = value.binary_value or (value.string_value or "").encode("utf-8")
    return len(name.encode("utf-8")) + len(value.data_type.encode("utf-8")) + len(payload)


def attributes_to_wire(attributes: dict[str, AttributeValue]) -> dict[str, dict[str, str]]:
    wire: dict[str, dict[str, str]] = {}
    for name, value in attributes.items():
        if value.binary_value is not None:
            wire[name] = {
                "DataType": value.data_type,
                "BinaryValue": base64.b64encode(value.binary_value).decode(),
            }
        else:
            wire[name] = {"DataType": value.data_type, "StringValue": value.string_value or ""}
    return wire


def selected_attributes(
    attributes: dict[str, AttributeValue], names: Iterable[str]
) -> dict[str, AttributeValue]:
    """Filter by ``MessageAttributeNames``: exact names, ``All``, ``.*`` or ``prefix.*``."""
    wanted = set(names)
    if wanted & {"All", ".*"}:
        return dict(attributes)
    prefixes = tuple(name[:-1] for name in wanted if name.endswith(".*"))
    return {
        name: value
        for name, value in attributes.items()
        if name in wanted or (prefixes and name.startswith(prefixes))
    }


def system_attributes(message: Message, names: set[str]) -> dict[str, str]:
    """The ``Attributes`` of a received message for the requested system attribute names."""
    every = "All" in names
    available: dict[str, str] = {
        "SenderId": ACCOUNT_ID,
        "SentTimestamp": str(int(message.sent_at * 1000)),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": str(int((message.first_received_at or message.sent_at) * 1000)),
    }
    trace = message.system_attributes.get("AWSTraceHeader")
    if trace is not None and trace.string_value:
        available["AWSTraceHeader"] = trace.string_value
    return {name: value for name, value in available.items() if every or name in names}


def message_to_wire(message: Message, system_names: set[str], attribute_names: list[str]) -> Request:
    wire: Request = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.md5_of_body,
        "Body": message.body,
    }
    if system := system_attributes(message, system_names):
        wire["Attributes"] = system
    if selected := selected_attributes(message.attributes, attribute_names):
        wire["MessageAttributes"] = attributes_to_wire(selected)
        wire["MD5OfMessageAttributes"] = md5_of_attributes(selected)
    return wire
