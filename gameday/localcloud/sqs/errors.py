"""SQS errors as the JSON protocol puts them on the wire.

botocore decides which exception class to raise from the body's ``__type`` shape name and takes
``Error.Code`` from the ``x-amzn-query-error`` header (the code the old query protocol used), so
every error carries both. Keeping the pairs here, in one table, stops handlers from inventing
codes that clients would not recognise.
"""

from __future__ import annotations

from dataclasses import dataclass

_NAMESPACE = "com.amazonaws.sqs"


@dataclass(eq=False)
class SqsError(Exception):
    """An error answer: the modeled shape, the legacy query code and the HTTP status.

    Not frozen: Python code such as ``contextlib`` assigns ``__traceback__`` on exceptions.
    """

    shape: str
    message: str
    legacy_code: str
    status: int = 400
    sender_fault: bool = True

    def __str__(self) -> str:
        return f"{self.shape}: {self.message}"

    @property
    def type_name(self) -> str:
        return f"{_NAMESPACE}#{self.shape}"

    @property
    def query_error_header(self) -> str:
        return f"{self.legacy_code};{'Sender' if self.sender_fault else 'Receiver'}"

    def body(self) -> dict[str, str]:
        return {"__type": self.type_name, "message": self.message}


def queue_does_not_exist() -> SqsError:
    return SqsError(
        "QueueDoesNotExist",
        "The specified queue does not exist.",
        "AWS.SimpleQueueService.NonExistentQueue",
    )


def queue_name_exists(name: str) -> SqsError:
    return SqsError(
        "QueueNameExists",
        f"A queue already exists with the name {name} and different attributes.",
        "QueueAlreadyExists",
    )


def receipt_handle_is_invalid(handle: str) -> SqsError:
    return SqsError(
        "ReceiptHandleIsInvalid",
        f'The input receipt handle "{handle}" is not a valid receipt handle.',
        "ReceiptHandleIsInvalid",
    )


def message_not_inflight() -> SqsError:
    return SqsError(
        "MessageNotInflight",
        "The message referred to isn't in flight.",
        "AWS.SimpleQueueService.MessageNotInflight",
    )


def invalid_attribute_name(name: str) -> SqsError:
    return SqsError("InvalidAttributeName", f"Unknown Attribute {name}.", "InvalidAttributeName")


def invalid_attribute_value(name: str, reason: str) -> SqsError:
    return SqsError(
        "InvalidAttributeValue", f"Invalid value for the parameter {name}. {reason}", "InvalidAttributeValue"
    )


def invalid_message_contents(reason: str) -> SqsError:
    return SqsError("InvalidMessageContents", reason, "InvalidMessageContents")


def invalid_parameter_value(parameter: str, reason: str) -> SqsError:
    """A request member out of range; SQS answers with the common (unmodeled) validation error."""
    return SqsError(
        "InvalidParameterValue",
        f"Value for parameter {parameter} is invalid. Reason: {reason}",
        "InvalidParameterValue",
    )


def missing_parameter(parameter: str) -> SqsError:
    return SqsError(
        "MissingParameter",
        f"The request must contain the parameter {parameter}.",
        "MissingParameter",
    )


def unsupported_operation(operation: str) -> SqsError:
    return SqsError(
        "UnsupportedOperation",
        f"localcloud does not support {operation}.",
        "AWS.SimpleQueueService.UnsupportedOperation",
    )


def unknown_operation(target: str) -> SqsError:
    return SqsError("UnknownOperationException", f"Unknown operation {target!r}.", "UnknownOperation")


def serialization_error() -> SqsError:
    return SqsError(
        "SerializationException", "The request body is not a JSON object.", "SerializationException"
    )


def internal_error() -> SqsError:
    """A bug in localcloud; 500 makes clients retry, as they would on an SQS hiccup."""
    return SqsError(
        "InternalError", "localcloud failed to process the request.", "InternalError", 500, sender_fault=False
    )


def batch_error(shape: str, message: str) -> SqsError:
    """Whole-request batch errors (empty, too many entries, duplicate ids)."""
    return SqsError(shape, message, f"AWS.SimpleQueueService.{shape}")


def request_throttled() -> SqsError:
    """What a throttled queue answers.

    Status 403 with code ``RequestThrottled`` is what botocore's legacy retry rules for SQS match
    (``botocore/data/_retry.json``), so clients retry it as real SQS throttling; standard retry
    mode matches the code alone.
    """
    return SqsError("RequestThrottled", "Rate exceeded.", "RequestThrottled", status=403)
