"""The SQS endpoint driven by real boto3 (unsigned, endpoint_url), as shop's code drives it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from gameday.localcloud.sqs import QueueStore, SqsEndpoint

T = TypeVar("T")
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@dataclass
class Server:
    """The endpoint on its own event loop thread, like the supervisor's loop."""

    loop: asyncio.AbstractEventLoop
    store: QueueStore
    endpoint: SqsEndpoint

    def call(self, function: Callable[[], T]) -> T:
        """Run ``function`` on the server's loop: the store is not thread-safe, by design."""

        async def run() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=5)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="sqs-endpoint", daemon=True)
    thread.start()
    store = QueueStore()
    endpoint = SqsEndpoint(store)
    asyncio.run_coroutine_threadsafe(endpoint.start(), loop).result(timeout=5)
    try:
        yield Server(loop, store, endpoint)
    finally:
        asyncio.run_coroutine_threadsafe(endpoint.stop(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()


def make_client(server: Server, **config: Any) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=server.endpoint.url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, **config),
    )


@pytest.fixture
def sqs(server: Server) -> Any:
    return make_client(server)


@pytest.fixture
def queue_url(sqs: Any) -> str:
    url: str = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    return url


def counts(sqs: Any, queue_url: str) -> tuple[int, int, int]:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    visible, in_flight, delayed = (int(attributes[name]) for name in names)
    return visible, in_flight, delayed


def test_urls_follow_the_contract(server: Server, sqs: Any) -> None:
    server.call(lambda: server.store.create_queue("orders"))
    port = server.endpoint.url.rpartition(":")[2]
    assert server.endpoint.url == f"http://127.0.0.1:{port}"
    assert server.endpoint.queue_url("orders") == f"http://127.0.0.1:{port}/000000000000/orders"
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == server.endpoint.queue_url("orders")
    assert server.endpoint.queue_url("orders") in sqs.list_queues(QueueNamePrefix="ord")["QueueUrls"]


def test_send_receive_delete_round_trip(sqs: Any, queue_url: str) -> None:
    body = '{"order_id": "o-1", "item": "ünïcode ✓"}'
    sent = sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=body,
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}},
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": TRACE_HEADER}},
    )
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()

    (message,) = sqs.receive_message(
        QueueUrl=queue_url,
        MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp", "AWSTraceHeader"],
        MessageAttributeNames=["All"],
    )["Messages"]
    assert message["MessageId"] == sent["MessageId"]
    assert message["Body"] == body
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["MessageAttributes"] == {"kind": {"DataType": "String", "StringValue": "order"}}
    assert message["Attributes"]["AWSTraceHeader"] == TRACE_HEADER
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert abs(int(message["Attributes"]["SentTimestamp"]) / 1000 - time.time()) < 60
    assert counts(sqs, queue_url) == (0, 1, 0)

    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert counts(sqs, queue_url) == (0, 0, 0)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url)


def test_checksums_match_moto(sqs: Any, queue_url: str) -> None:
    """moto's SQS checksums are what AWS SDKs verify; ours must be byte-for-byte the same."""
    request = {
        "MessageBody": "hello",
        "MessageAttributes": {
            "a": {"DataType": "String", "StringValue": "x"},
            "n": {"DataType": "Number.int", "StringValue": "42"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        },
    }
    ours = sqs.send_message(QueueUrl=queue_url, **request)
    with mock_aws():
        moto = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        moto_url = moto.create_queue(QueueName="q")["QueueUrl"]
        theirs = moto.send_message(QueueUrl=moto_url, **request)
    for key in ("MD5OfMessageBody", "MD5OfMessageAttributes"):
        assert ours[key] == theirs[key]
    (received,) = sqs.receive_message(QueueUrl=queue_url, MessageAttributeNames=["All"])["Messages"]
    assert received["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\x01\xff"


def test_long_poll_returns_as_soon_as_a_message_is_sent(server: Server, queue_url: str) -> None:
    poller = make_client(server, read_timeout=30)
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        waiting = pool.submit(poller.receive_message, QueueUrl=queue_url, WaitTimeSeconds=20)
        time.sleep(0.3)  # let the poll park; if it has not yet, it simply finds the message at once
        make_client(server).send_message(QueueUrl=queue_url, MessageBody="wake up")
        response = waiting.result(timeout=25)
    assert [m["Body"] for m in response["Messages"]] == ["wake up"]
    assert time.monotonic() - started < 15  # woken by the send, not by the 20 s wait running out


def test_long_poll_with_nothing_to_receive_returns_empty(sqs: Any, queue_url: str) -> None:
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)


def test_visibility_timeout_expiry_returns_the_message(sqs: Any, queue_url: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="retry me")
    (first,) = sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=1)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url)
    (again,) = sqs.receive_message(
        QueueUrl=queue_url, WaitTimeSeconds=10, AttributeNames=["ApproximateReceiveCount"]
    )["Messages"]
    assert again["MessageId"] == first["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    assert again["ReceiptHandle"] != first["ReceiptHandle"]


def test_change_visibility_makes_a_message_visible_again(sqs: Any, queue_url: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="x")
    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    sqs.change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    assert counts(sqs, queue_url) == (1, 0, 0)
    with pytest.raises(sqs.exceptions.MessageNotInflight):
        sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=5
        )


def test_delay_seconds_on_the_message_and_on_the_queue(sqs: Any, queue_url: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="later", DelaySeconds=1)
    assert counts(sqs, queue_url) == (0, 0, 1)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url)
    (message,) = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10)["Messages"]
    assert message["Body"] == "later"

    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"DelaySeconds": "60"})
    sqs.send_message(QueueUrl=queue_url, MessageBody="queue delay")
    assert counts(sqs, queue_url) == (0, 1, 1)
    assert sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["DelaySeconds"])["Attributes"] == {
        "DelaySeconds": "60"
    }


def test_queue_attributes(sqs: Any, queue_url: str) -> None:
    for n in range(3):
        sqs.send_message(QueueUrl=queue_url, MessageBody=str(n))
    sqs.receive_message(QueueUrl=queue_url)
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    name = queue_url.rpartition("/")[2]
    assert attributes["ApproximateNumberOfMessages"] == "2"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "0"
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    assert abs(int(attributes["CreatedTimestamp"]) - time.time()) < 60
    assert "Policy" not in attributes  # a known attribute that is not set is left out, as in SQS
    assert sqs.get_queue_attributes(QueueUrl=queue_url).get("Attributes") is None

    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "5"})
    visibility = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])
    assert visibility["Attributes"] == {"VisibilityTimeout": "5"}


def test_create_queue_is_idempotent_unless_attributes_differ(sqs: Any) -> None:
    name = f"q-{uuid.uuid4().hex[:12]}"
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "10"})["QueueUrl"]
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "10"})["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "11"})


def test_batches(sqs: Any, queue_url: str) -> None:
    sent = sqs.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": "a", "MessageBody": "1"},
            {"Id": "b", "MessageBody": "2"},
            {"Id": "c", "MessageBody": ""},
        ],
    )
    assert [entry["Id"] for entry in sent["Successful"]] == ["a", "b"]
    assert [(entry["Id"], entry["Code"]) for entry in sent["Failed"]] == [("c", "MissingParameter")]
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    deleted = sqs.delete_message_batch(
        QueueUrl=queue_url,
        Entries=[{"Id": f"m{n}", "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
    )
    assert len(deleted["Successful"]) == 2 and deleted["Failed"] == []
    assert counts(sqs, queue_url) == (0, 0, 0)
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(
            QueueUrl=queue_url, Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "a", "MessageBody": "2"}]
        )


def test_message_size_limit(sqs: Any, queue_url: str) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody="é" * 524_288)  # exactly 1 MiB of UTF-8
    with pytest.raises(ClientError) as too_big:
        sqs.send_message(QueueUrl=queue_url, MessageBody="x" * 1_048_577)
    assert too_big.value.response["Error"]["Code"] == "InvalidParameterValue"
    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    assert len(message["Body"]) == 524_288


def test_missing_queue_raises_queue_does_not_exist(server: Server, sqs: Any) -> None:
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as missing:
        sqs.get_queue_url(QueueName="no-such-queue")
    assert missing.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=server.endpoint.queue_url("no-such-queue"), MessageBody="x")


def test_request_errors(sqs: Any, queue_url: str) -> None:
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle="not-a-handle")
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["NoSuchAttribute"])
    with pytest.raises(sqs.exceptions.InvalidMessageContents):
        sqs.send_message(QueueUrl=queue_url, MessageBody="bell \x07")
    with pytest.raises(sqs.exceptions.UnsupportedOperation):
        sqs.purge_queue(QueueUrl=queue_url)
    with pytest.raises(ClientError) as out_of_range:
        sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=11)
    assert out_of_range.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_unknown_operation_and_bad_body_on_the_wire(server: Server) -> None:
    def post(target: str, body: bytes) -> tuple[int, str, dict[str, Any]]:
        request = urllib.request.Request(
            server.endpoint.url + "/",
            data=body,
            headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"},
        )
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request, timeout=5)
        error = failed.value
        return error.code, error.headers["x-amzn-query-error"], json.loads(error.read())

    status, header, body = post("AmazonSQS.NoSuchOperation", b"{}")
    assert (status, body["__type"]) == (400, "com.amazonaws.sqs#UnknownOperationException")
    assert header == "UnknownOperation;Sender"
    for garbage in (b"not json", b"[" * 100_000):
        status, _, body = post("AmazonSQS.ListQueues", garbage)
        assert (status, body["__type"]) == (400, "com.amazonaws.sqs#SerializationException")


class _RejectEverySend:
    def admit_send(self) -> bool:
        return False

    def extra_delay_s(self) -> float:
        return 0.0


def test_throttled_sends_reach_boto3_as_request_throttled(server: Server, queue_url: str) -> None:
    name = queue_url.rpartition("/")[2]
    server.call(lambda: server.store.set_faults(name, _RejectEverySend()))
    no_retries = make_client(server, retries={"total_max_attempts": 1})
    with pytest.raises(no_retries.exceptions.RequestThrottled) as throttled:
        no_retries.send_message(QueueUrl=queue_url, MessageBody="x")
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    server.call(lambda: server.store.set_faults(name, None))
    no_retries.send_message(QueueUrl=queue_url, MessageBody="x")
