"""SQS from asyncio, traced by hand.

boto3 is synchronous, so each call runs in a thread and the event loop keeps serving. X-Ray's
``AsyncContext`` keeps trace entities on loop tasks, which a worker thread cannot see, so the
SDK's botocore patch would find no segment there. shop therefore does not patch botocore: the
"SQS" subsegment is opened on the loop, in the shape the patch records (namespace ``aws``,
``aws.operation`` / ``region`` / ``queue_url`` / ``request_id``, ``http.response.status``), and
only the boto3 call itself runs in the thread. Its id is the parent in the ``AWSTraceHeader``
that links the consumer's segment to this call.

With ``SQS_ENDPOINT_URL`` set (localcloud) the client uses that endpoint and sends unsigned
requests: no credentials exist anywhere. Without it boto3's standard chain applies (the ECS
task role on AWS).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import boto3
from aws_xray_sdk.core.models import http
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from shop.config import text
from shop.tracing import subsegment, trace_header

T = TypeVar("T")

_THROTTLE_CODES = frozenset({"RequestThrottled", "ThrottlingException", "Throttling"})


def sqs_client(read_timeout_s: float = 5.0) -> Any:
    """A client with short timeouts and botocore's standard retries (which back off on throttling)."""
    region = text("AWS_REGION", text("AWS_DEFAULT_REGION", "us-east-1"))
    retries = {"mode": "standard", "max_attempts": 3}
    config = Config(connect_timeout=2, read_timeout=read_timeout_s, retries=retries)
    endpoint = os.environ.get("SQS_ENDPOINT_URL", "").strip()
    if endpoint:
        config = config.merge(Config(signature_version=UNSIGNED))
        return boto3.client("sqs", region_name=region, endpoint_url=endpoint, config=config)
    return boto3.client("sqs", region_name=region, config=config)


async def send_message(client: Any, queue_url: str, body: str) -> str:
    """Send ``body`` with this trace's header as ``AWSTraceHeader``; return the message id."""
    with _sqs_subsegment(client, "SendMessage", queue_url) as sub:
        attributes = {"AWSTraceHeader": {"DataType": "String", "StringValue": trace_header(sub)}}
        call = functools.partial(
            client.send_message, QueueUrl=queue_url, MessageBody=body, MessageSystemAttributes=attributes
        )
        response = await asyncio.get_running_loop().run_in_executor(None, call)
        _record_response(sub, response)
    message_id: str = response["MessageId"]
    return message_id


async def delete_message(client: Any, queue_url: str, receipt_handle: str) -> None:
    with _sqs_subsegment(client, "DeleteMessage", queue_url) as sub:
        call = functools.partial(client.delete_message, QueueUrl=queue_url, ReceiptHandle=receipt_handle)
        response = await asyncio.get_running_loop().run_in_executor(None, call)
        _record_response(sub, response)


async def receive_messages(client: Any, queue_url: str, wait_s: int) -> list[dict[str, Any]]:
    """Long-poll for up to 10 messages, with their ``AWSTraceHeader``; not traced (no request yet).

    The poll runs in a daemon thread, not the executor: a stopping worker must exit at once
    (localcloud SIGKILLs after 2 s) instead of waiting out a 20 s poll. A message received just then
    is not lost: it becomes visible again after the visibility timeout, as SQS intends.
    """
    call = functools.partial(
        client.receive_message,
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=wait_s,
        MessageSystemAttributeNames=["AWSTraceHeader"],
    )
    response = await _in_daemon_thread(call)
    messages: list[dict[str, Any]] = response.get("Messages", [])
    return messages


async def _in_daemon_thread(call: Callable[[], T]) -> T:
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def target() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(call())
        except BaseException as error:
            future.set_exception(error)

    threading.Thread(target=target, name="sqs-receive", daemon=True).start()
    return await asyncio.wrap_future(future)


@contextmanager
def _sqs_subsegment(client: Any, operation: str, queue_url: str) -> Iterator[Any]:
    with subsegment("SQS", "aws") as sub:
        sub.set_aws({"operation": operation, "region": client.meta.region_name, "queue_url": queue_url})
        try:
            yield sub
        except ClientError as error:
            _record_response(sub, error.response)
            if error.response.get("Error", {}).get("Code") in _THROTTLE_CODES:
                sub.add_throttle_flag()
            raise


def _record_response(sub: Any, response: Mapping[str, Any]) -> None:
    metadata = response.get("ResponseMetadata", {})
    if metadata.get("RequestId"):
        sub.aws["request_id"] = metadata["RequestId"]
    sub.put_http_meta(http.STATUS, metadata.get("HTTPStatusCode"))
