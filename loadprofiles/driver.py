"""Drives one load test inside the load process, from the shape's first tick to a clean exit.

The test ends when the shape says so, on SIGTERM/SIGINT, or at a hard deadline if users hang on
slow requests; whichever comes first, users are stopped (with workers: their last rows collected),
the request log is flushed and a ``done`` line is printed, so the orchestrator always gets a whole
requests.jsonl and an exit code.

stdout lines, one JSON object each: ``note`` (progress while workers connect), ``error`` (the load
could not start), ``started`` (the shape runs: the run's clock may start), ``second`` (each second's
stats) and ``done`` (with the number of requests recorded).
"""

from __future__ import annotations

import json
import math
import signal
import time
from collections.abc import Callable
from typing import Any, Protocol, TextIO

import gevent
from gevent.event import Event
from locust.env import Environment
from locust.runners import Runner

from gameday.evidence.records import LoadSecond
from loadprofiles.recorder import Recording, request_row

STOP_GRACE_S = 5.0
"""After the duration: time for the shape's last tick (once a second) to stop the users."""

WEDGED_AFTER_S = 10.0
"""Beyond the grace: SIGALRM (default action: terminate) ends a process whose gevent hub is stuck."""

EXIT_NOT_READY = 3


class LoadNotReady(Exception):
    """The load cannot start, e.g. workers did not connect in time; the message is for the user."""


class Users(Protocol):
    """Where the users run: in this process, or on workers under a master."""

    @property
    def runner(self) -> Runner: ...

    @property
    def ready_bound_s(self) -> float:
        """How long :meth:`prepare` may take at most."""

    @property
    def stop_bound_s(self) -> float:
        """How long :meth:`stop` may take at most."""

    def prepare(self, note: Callable[[str], None], cancelled: Event) -> None:
        """Get ready to start the shape; raise :class:`LoadNotReady`; return early once ``cancelled``."""

    def stop(self) -> None:
        """Stop every user; when this returns, every recorded request has reached the recording."""


class InProcessUsers:
    """Users run in the load process itself (Locust's LocalRunner); requests are recorded as they end."""

    ready_bound_s = 0.0
    stop_bound_s = 0.0

    def __init__(self, environment: Environment, recording: Recording) -> None:
        self.runner: Runner = environment.create_local_runner()
        self._recording = recording
        environment.events.request.add_listener(self._on_request)

    def _on_request(self, **kwargs: Any) -> None:
        self._recording.add_row(request_row(**kwargs))

    def prepare(self, note: Callable[[str], None], cancelled: Event) -> None:
        return None

    def stop(self) -> None:
        self.runner.quit()


class LoadDriver:
    """Runs the environment's shape on ``users`` and streams its seconds to ``out`` as JSON lines.

    ``settle_s``: how long after a second ends it is streamed; rows from workers arrive in batches
    once a second, so a second is only whole a moment after it ended.
    """

    def __init__(
        self,
        environment: Environment,
        users: Users,
        recording: Recording,
        duration_s: float,
        out: TextIO,
        settle_s: float = 0.0,
    ) -> None:
        self._users = users
        self._runner = users.runner
        self._recording = recording
        self._duration_s = duration_s
        self._out = out
        self._settle_s = settle_s
        self._finished = Event()
        environment.events.test_stop.add_listener(self._on_test_stop)

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(signum, self._finished.set)
        bound = self._users.ready_bound_s + self._duration_s + STOP_GRACE_S + self._users.stop_bound_s
        signal.alarm(math.ceil(bound + WEDGED_AFTER_S))
        try:
            self._users.prepare(self._note, self._finished)
        except LoadNotReady as exc:
            self._print({"type": "error", "message": str(exc)})
            self._users.stop()
            return self._end([], code=EXIT_NOT_READY)
        if self._finished.is_set():  # stopped while waiting for workers: no load was made
            self._users.stop()
            return self._end([])
        self._recording.begin(time.time())
        self._print({"type": "started"})
        self._runner.start_shape()
        streamer = gevent.spawn(self._stream_seconds)
        self._finished.wait(timeout=self._duration_s + STOP_GRACE_S)
        users = self._runner.user_count
        self._users.stop()
        streamer.kill()
        return self._end(self._recording.stats.remaining(time.time(), users))

    def _end(self, last: list[LoadSecond], code: int = 0) -> int:
        self._recording.log.close()
        self._emit(last)
        self._print({"type": "done", "requests": self._recording.log.written})
        return code

    def _on_test_stop(self, **_: Any) -> None:
        self._finished.set()

    def _stream_seconds(self) -> None:
        while True:
            now = time.time()
            gevent.sleep(math.floor(now - self._settle_s) + 1 + self._settle_s - now)
            self._recording.log.flush()
            self._emit(self._recording.stats.complete(time.time() - self._settle_s, self._runner.user_count))

    def _note(self, message: str) -> None:
        self._print({"type": "note", "message": message})

    def _emit(self, seconds: list[LoadSecond]) -> None:
        for second in seconds:
            self._print({"type": "second", **second.model_dump()})

    def _print(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message) + "\n")
        self._out.flush()
