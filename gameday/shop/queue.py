"""SQS from asyncio, each call traced as the AWS SDK call it is.

boto3 is synchronous, so each call runs in a thread and the event loop keeps serving. X-Ray's
``AsyncContext`` keeps trace entities on loop tasks, which a worker thread cannot see, so the
SDK's botocore patch would find no segment there. shop therefore does not patch botocore: the
subsegment (namespace ``aws``) is opened and filled on the loop, and only the boto3 call itself
runs in the thread. Its id is the parent in the ``AWSTraceHeader`` that links the consumer's
segment to a sent message. What it holds depends on ``SHOP_TRACING``:

* **plain**: exactly what the botocore patch records for the same call, written by the SDK's own
  ``aws_meta_processor``: named after the endpoint prefix (``sqs``), ``aws.operation`` /
  ``region`` / ``request_id`` and the SDK's whitelisted parameters (``queue_url``, and
  ``message_id`` for SendMessage), ``http.response.status``. An error answer (``ClientError``) adds
  its status (``error`` for 4xx), ``fault`` and the exception as a remote cause; a call that got no
  answer (an unreachable endpoint) records nothing more, as the patch does.
* **annotated** (the default): named ``SQS``, ``aws.operation`` / ``region`` / ``queue_url`` /
  ``request_id``, ``http.response.status``; any failure is the cause (``fault``), and a throttling
  error code also sets ``throttle``, which the patch leaves to a 429 status.

ReceiveMessage is not traced in either mode: no request is open while the worker polls.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import boto3
from aws_xray_sdk.core.models import http
from aws_xray_sdk.ext.boto_utils import aws_meta_processor
from botocore import UNSIGNED, xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

from gameday.shop.config import Tracing, text
from gameday.shop.tracing import current_stack, open_subsegment, trace_header

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


@dataclass(frozen=True)
class SqsQueue:
    """One queue as a service uses it, its calls traced in the service's tracing mode."""

    client: Any
    url: str
    tracing: Tracing

    async def send(self, body: str) -> str:
        """Send ``body`` with this trace's header as ``AWSTraceHeader``; return the message id."""
        response = await self._call("SendMessage", {"QueueUrl": self.url, "MessageBody": body}, linked=True)
        message_id: str = response["MessageId"]
        return message_id

    async def delete(self, receipt_handle: str) -> None:
        await self._call("DeleteMessage", {"QueueUrl": self.url, "ReceiptHandle": receipt_handle})

    async def receive(self, wait_s: int) -> list[dict[str, Any]]:
        """Long-poll for up to 10 messages, with their ``AWSTraceHeader``; not traced (no request yet).

        The poll runs in a daemon thread, not the executor: a stopping worker must exit at once
        (localcloud SIGKILLs after 2 s) instead of waiting out a 20 s poll. A message received just
        then is not lost: it becomes visible again after the visibility timeout, as SQS intends.
        """
        call = functools.partial(
            self.client.receive_message,
            QueueUrl=self.url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_s,
            MessageSystemAttributeNames=["AWSTraceHeader"],
        )
        response = await _in_daemon_thread(call)
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    async def _call(self, operation: str, params: dict[str, Any], linked: bool = False) -> dict[str, Any]:
        """Run one API call in the executor inside its subsegment; ``linked`` makes that subsegment
        the parent of the message's consumer."""
        plain = self.tracing is Tracing.PLAIN
        name = self.client.meta.service_model.endpoint_prefix if plain else "SQS"
        record = _record_as_the_sdk_does if plain else _record_annotated
        with open_subsegment(name, "aws") as sub:
            if linked:
                header = {"DataType": "String", "StringValue": trace_header(sub)}
                params = {**params, "MessageSystemAttributes": {"AWSTraceHeader": header}}
            call = ApiCall(self.client, operation, params)
            try:
                response = await asyncio.get_running_loop().run_in_executor(None, call.run)
            except Exception as error:
                record(sub, call, Outcome(error=error, stack=current_stack()))
                raise
            record(sub, call, Outcome(response=response))
            return response


class ApiCall(NamedTuple):
    client: Any
    operation: str  # as the API names it: SendMessage
    params: dict[str, Any]

    def run(self) -> dict[str, Any]:
        response: dict[str, Any] = getattr(self.client, xform_name(self.operation))(**self.params)
        return response


class Outcome(NamedTuple):
    """How one API call ended: its response, or the error it raised and the stack it was raised in."""

    response: Mapping[str, Any] | None = None
    error: Exception | None = None
    stack: list[Any] | None = None


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


def _record_as_the_sdk_does(sub: Any, call: ApiCall, outcome: Outcome) -> None:
    """The botocore patch's own recording: it hands ``_make_api_call``'s arguments to this processor."""
    aws_meta_processor(
        wrapped=None,
        instance=call.client,
        args=(call.operation, call.params),
        kwargs={},
        return_value=outcome.response,
        exception=outcome.error,
        subsegment=sub,
        stack=outcome.stack,
    )


def _record_annotated(sub: Any, call: ApiCall, outcome: Outcome) -> None:
    region = call.client.meta.region_name
    sub.set_aws({"operation": call.operation, "region": region, "queue_url": call.params["QueueUrl"]})
    if outcome.response is not None:
        _record_response(sub, outcome.response)
    if isinstance(outcome.error, ClientError):
        _record_response(sub, outcome.error.response)
        if outcome.error.response.get("Error", {}).get("Code") in _THROTTLE_CODES:
            sub.add_throttle_flag()
    if outcome.error is not None:
        sub.add_exception(outcome.error, outcome.stack)


def _record_response(sub: Any, response: Mapping[str, Any]) -> None:
    metadata = response.get("ResponseMetadata", {})
    if metadata.get("RequestId"):
        sub.aws["request_id"] = metadata["RequestId"]
    sub.put_http_meta(http.STATUS, metadata.get("HTTPStatusCode"))
