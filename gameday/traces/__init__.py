"""X-Ray documents as retry and breaker scores need them: calls with their attempts, and the
requests of the calling services, read from what standard instrumentation records."""

from gameday.traces.model import UNKNOWN_CALLER, Attempt, Call, Caller, TracedRequest
from gameday.traces.reading import TraceReading, read_traces

__all__ = ["UNKNOWN_CALLER", "Attempt", "Call", "Caller", "TraceReading", "TracedRequest", "read_traces"]
