"""What the X-Ray SDK's botocore patch really records for SQS calls, to hold shop's plain tracing to.

Run as a script in a process of its own (the patch is process-wide), with the environment a shop
service gets (``SQS_ENDPOINT_URL``, ``AWS_REGION``) so the client is the one ``gameday.shop.queue`` builds:

    python tests/botocore_recording.py '[{"operation": "SendMessage", "params": {...}}, ...]'

Each call runs synchronously inside a segment of its own, as an ordinary patched program makes it,
and its subsegment document is printed as one JSON line. A DeleteMessage without a
``ReceiptHandle`` first receives one message from its queue (in a segment that is not printed).
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

from aws_xray_sdk.core import patch, xray_recorder
from botocore import xform_name

from gameday.shop.queue import sqs_client

Document = dict[str, Any]


class Recorded:
    """An emitter that keeps the documents instead of sending them to a daemon."""

    def __init__(self) -> None:
        self.documents: list[Document] = []

    def send_entity(self, entity: Any) -> None:
        self.documents.append(json.loads(entity.serialize()))

    def set_daemon_address(self, address: str | None) -> None:
        pass


def record(calls: list[Document]) -> list[Document]:
    emitter = Recorded()
    xray_recorder.configure(
        service="recording", sampling=False, context_missing="RUNTIME_ERROR", emitter=emitter
    )
    patch(["botocore"])
    client = sqs_client()
    recorded = []
    for call in calls:
        params = dict(call["params"])
        if call["operation"] == "DeleteMessage" and "ReceiptHandle" not in params:
            params["ReceiptHandle"] = _receive_one(client, params["QueueUrl"])
        xray_recorder.begin_segment("recording")
        with contextlib.suppress(Exception):  # the patch records it, which is the point
            getattr(client, xform_name(call["operation"]))(**params)
        xray_recorder.end_segment()
        recorded.append(emitter.documents[-1]["subsegments"][-1])
    return recorded


def _receive_one(client: Any, queue_url: str) -> str:
    xray_recorder.begin_segment("receiving")
    try:
        messages = client.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)["Messages"]
    finally:
        xray_recorder.end_segment()
    handle: str = messages[0]["ReceiptHandle"]
    return handle


if __name__ == "__main__":
    for document in record(json.loads(sys.argv[1])):
        print(json.dumps(document))
