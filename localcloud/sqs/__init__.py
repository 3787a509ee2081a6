"""A local SQS: standard queues served over the SQS JSON protocol, so shop uses plain boto3."""

from localcloud.sqs.endpoint import SqsEndpoint
from localcloud.sqs.errors import SqsError
from localcloud.sqs.faults import QueueFaults
from localcloud.sqs.queue import QueueStats
from localcloud.sqs.store import QueueStore

__all__ = ["QueueFaults", "QueueStats", "QueueStore", "SqsEndpoint", "SqsError"]
