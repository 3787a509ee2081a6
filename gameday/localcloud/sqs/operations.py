"""The SQS operations localcloud answers, one function each, keyed by their ``X-Amz-Target`` name.

Each takes the decoded JSON request and returns the JSON response members; errors are raised as
:class:`~gameday.localcloud.sqs.errors.SqsError` and rendered by the endpoint. ReceiveMessage is the only
one that waits (long polling), but all share one async signature so the endpoint dispatches
them alike.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gameday.localcloud.sqs import errors, model, wire
from gameday.localcloud.sqs.checksums import md5_of_attributes
from gameday.localcloud.sqs.message import Message
from gameday.localcloud.sqs.queue import Queue
from gameday.localcloud.sqs.store import QueueStore
from gameday.localcloud.sqs.wire import Request

MAX_BATCH_ENTRIES = 10
MAX_BATCH_BYTES = 1_048_576
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


@dataclass(frozen=True)
class Context:
    store: QueueStore
    queue_url: Callable[[str], str]

    def queue(self, request: Request) -> Queue:
        return self.store.queue(wire.queue_name(request))


Operation = Callable[[Context, Request], Awaitable[Request]]


async def create_queue(ctx: Context, request: Request) -> Request:
    name = wire.checked_queue_name(wire.text(request, "QueueName"))
    ctx.store.ensure_queue(name, wire.string_map(request, "Attributes"))
    return {"QueueUrl": ctx.queue_url(name)}


async def get_queue_url(ctx: Context, request: Request) -> Request:
    name = wire.text(request, "QueueName")
    ctx.store.queue(name)
    return {"QueueUrl": ctx.queue_url(name)}


async def list_queues(ctx: Context, request: Request) -> Request:
    prefix = wire.optional_text(request, "QueueNamePrefix") or ""
    urls = [ctx.queue_url(name) for name in ctx.store.names() if name.startswith(prefix)]
    return {"QueueUrls": urls} if urls else {}


async def get_queue_attributes(ctx: Context, request: Request) -> Request:
    queue = ctx.queue(request)
    names = wire.string_list(request, "AttributeNames")
    for name in names:
        if name != "All" and not model.is_queue_attribute_name(name):
            raise errors.invalid_attribute_name(name)
    current = _queue_attributes(queue)
    selected = current if "All" in names else {name: current[name] for name in names if name in current}
    return {"Attributes": selected} if selected else {}


def _queue_attributes(queue: Queue) -> dict[str, str]:
    stats = queue.stats()
    return {
        "QueueArn": wire.queue_arn(queue.name),
        "ApproximateNumberOfMessages": str(stats.visible),
        "ApproximateNumberOfMessagesNotVisible": str(stats.in_flight),
        "ApproximateNumberOfMessagesDelayed": str(stats.delayed),
        "CreatedTimestamp": str(int(queue.created_at)),
        "LastModifiedTimestamp": str(int(queue.last_modified_at)),
        **queue.settings.as_attributes(),
    }


async def set_queue_attributes(ctx: Context, request: Request) -> Request:
    queue = ctx.queue(request)
    queue.settings = queue.settings.updated(wire.string_map(request, "Attributes"))
    queue.touch()
    return {}


async def send_message(ctx: Context, request: Request) -> Request:
    return _send(ctx.queue(request), request)


async def send_message_batch(ctx: Context, request: Request) -> Request:
    queue = ctx.queue(request)
    entries = _checked_batch(request)
    if sum(len(str(entry.get("MessageBody", "")).encode("utf-8")) for entry in entries) > MAX_BATCH_BYTES:
        raise errors.batch_error(
            "BatchRequestTooLong", f"Batch requests cannot be longer than {MAX_BATCH_BYTES} bytes."
        )
    return _each_entry(entries, lambda entry: _send(queue, entry))


def _send(queue: Queue, request: Request) -> Request:
    attributes = wire.attributes_from_wire(request, "MessageAttributes")
    system_attributes = wire.attributes_from_wire(request, "MessageSystemAttributes")
    unknown = set(system_attributes) - {"AWSTraceHeader"}
    if unknown:
        raise errors.invalid_parameter_value(
            "MessageSystemAttributes", f"Unsupported names {sorted(unknown)}."
        )
    body = wire.checked_body(
        wire.text(request, "MessageBody"), attributes, queue.settings.maximum_message_size
    )
    message = queue.send(
        body,
        delay_s=wire.integer(request, "DelaySeconds", 0, 900),
        attributes=attributes,
        system_attributes=system_attributes,
    )
    response: Request = {"MessageId": message.message_id, "MD5OfMessageBody": message.md5_of_body}
    if attributes:
        response["MD5OfMessageAttributes"] = md5_of_attributes(attributes)
    if system_attributes:
        response["MD5OfMessageSystemAttributes"] = md5_of_attributes(system_attributes)
    return response


async def receive_message(ctx: Context, request: Request) -> Request:
    queue = ctx.queue(request)
    max_messages = wire.integer(request, "MaxNumberOfMessages", 1, 10) or 1
    wait_s = wire.integer(request, "WaitTimeSeconds", 0, 20)
    visibility_s = wire.integer(request, "VisibilityTimeout", 0, 43_200)
    system_names = set(wire.string_list(request, "AttributeNames"))
    system_names |= set(wire.string_list(request, "MessageSystemAttributeNames"))
    attribute_names = wire.string_list(request, "MessageAttributeNames")
    wait = queue.settings.receive_wait_s if wait_s is None else wait_s
    messages = await _receive_waiting(queue, max_messages, visibility_s, wait)
    if not messages:
        return {}
    return {"Messages": [wire.message_to_wire(m, system_names, attribute_names) for m in messages]}


async def _receive_waiting(
    queue: Queue, max_messages: int, visibility_s: float | None, wait_s: float
) -> list[Message]:
    """Long polling: answer as soon as anything is visible, or with nothing once ``wait_s`` is up."""
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + wait_s
    while True:
        messages = queue.receive(max_messages, visibility_s)
        remaining = give_up_at - loop.time()
        if messages or remaining <= 0:
            return messages
        next_change = queue.seconds_until_next_change()
        await queue.arrivals.wait(remaining if next_change is None else min(remaining, next_change))


async def delete_message(ctx: Context, request: Request) -> Request:
    ctx.queue(request).delete(wire.text(request, "ReceiptHandle"))
    return {}


async def delete_message_batch(ctx: Context, request: Request) -> Request:
    queue = ctx.queue(request)
    return _each_entry(_checked_batch(request), lambda entry: _delete(queue, entry))


def _delete(queue: Queue, entry: Request) -> Request:
    queue.delete(wire.text(entry, "ReceiptHandle"))
    return {}


async def change_message_visibility(ctx: Context, request: Request) -> Request:
    return _change_visibility(ctx.queue(request), request)


async def change_message_visibility_batch(ctx: Context, request: Request) -> Request:
    queue = ctx.queue(request)
    return _each_entry(_checked_batch(request), lambda entry: _change_visibility(queue, entry))


def _change_visibility(queue: Queue, request: Request) -> Request:
    timeout = wire.integer(request, "VisibilityTimeout", 0, 43_200)
    if timeout is None:
        raise errors.missing_parameter("VisibilityTimeout")
    queue.change_visibility(wire.text(request, "ReceiptHandle"), timeout)
    return {}


def _checked_batch(request: Request) -> list[Request]:
    entries = wire.entries(request)
    if not entries:
        raise errors.batch_error("EmptyBatchRequest", "There should be at least one entry in the request.")
    if len(entries) > MAX_BATCH_ENTRIES:
        raise errors.batch_error(
            "TooManyEntriesInBatchRequest", f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}."
        )
    ids = [entry.get("Id") for entry in entries]
    for entry_id in ids:
        if not isinstance(entry_id, str) or not _BATCH_ID.fullmatch(entry_id):
            raise errors.batch_error("InvalidBatchEntryId", f"A batch entry id {entry_id!r} is not valid.")
    if len(set(ids)) != len(ids):
        raise errors.batch_error("BatchEntryIdsNotDistinct", "Two or more batch entries have the same Id.")
    return entries


def _each_entry(entries: list[Request], act: Callable[[Request], Request]) -> Request:
    """Run one entry at a time; a failing entry is reported in ``Failed`` and does not stop the rest."""
    successful: list[Request] = []
    failed: list[dict[str, Any]] = []
    for entry in entries:
        try:
            successful.append({"Id": entry["Id"], **act(entry)})
        except errors.SqsError as error:
            failed.append(
                {
                    "Id": entry["Id"],
                    "SenderFault": error.sender_fault,
                    "Code": error.legacy_code,
                    "Message": error.message,
                }
            )
    return {"Successful": successful, "Failed": failed}


OPERATIONS: dict[str, Operation] = {
    "CreateQueue": create_queue,
    "GetQueueUrl": get_queue_url,
    "ListQueues": list_queues,
    "GetQueueAttributes": get_queue_attributes,
    "SetQueueAttributes": set_queue_attributes,
    "SendMessage": send_message,
    "SendMessageBatch": send_message_batch,
    "ReceiveMessage": receive_message,
    "DeleteMessage": delete_message,
    "DeleteMessageBatch": delete_message_batch,
    "ChangeMessageVisibility": change_message_visibility,
    "ChangeMessageVisibilityBatch": change_message_visibility_batch,
}


def operation_for(target: str | None) -> Operation:
    """The handler for an ``X-Amz-Target`` header value, or the error SQS gives for it."""
    service, _, name = (target or "").partition(".")
    operation = OPERATIONS.get(name) if service == "AmazonSQS" else None
    if operation is not None:
        return operation
    if service == "AmazonSQS" and model.is_sqs_operation(name):
        raise errors.unsupported_operation(name)
    raise errors.unknown_operation(target or "")
