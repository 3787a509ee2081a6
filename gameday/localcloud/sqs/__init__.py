"""A local SQS: standard queues served over the SQS JSON protocol, so shop uses plain boto3."""

from gameday.localcloud.sqs.endpoint import SqsEndpoint
from gameday.localcloud.sqs.errors import SqsError
from gameday.localcloud.sqs.faults import QueueFaults
from gameday.localcloud.sqs.queue import QueueStats
from gameday.localcloud.sqs.store import QueueStore

__all__ = ["QueueFaults", "QueueStats", "QueueStore", "SqsEndpoint", "SqsError"]
