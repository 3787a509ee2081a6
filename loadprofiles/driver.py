"""Drives one load test inside the load process, from the shape's first tick to a clean exit.

The test ends when the shape says so, on SIGTERM/SIGINT, or at a hard deadline if users hang on
slow requests; whichever comes first, users are stopped, the request log is flushed and a ``done``
line is printed, so the orchestrator always gets a whole requests.jsonl and an exit code.
"""

from __future__ import annotations

import json
import math
import signal
import time
from typing import Any, TextIO

import gevent
from gevent.event import Event
from locust.env import Environment
from locust.runners import Runner

from gameday.evidence.records import LoadSecond
from loadprofiles.recorder import RequestLog, request_record
from loadprofiles.seconds import SecondStats

STOP_GRACE_S = 5.0
"""After the duration: time for the shape's last tick (once a second) to stop the users."""

WEDGED_AFTER_S = 10.0
"""Beyond the grace: SIGALRM (default action: terminate) ends a process whose gevent hub is stuck."""


class LoadDriver:
    """Runs the environment's shape on ``runner`` and streams its seconds to ``out`` as JSON lines.

    Works with any runner that runs users in this process; the request listener must be where the
    requests happen.
    """

    def __init__(
        self, environment: Environment, runner: Runner, log: RequestLog, duration_s: float, out: TextIO
    ) -> None:
        self._runner = runner
        self._log = log
        self._duration_s = duration_s
        self._out = out
        self._stats = SecondStats(math.floor(time.time()))
        self._finished = Event()
        environment.events.request.add_listener(self._on_request)
        environment.events.test_stop.add_listener(self._on_test_stop)

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(signum, self._finished.set)
        signal.alarm(math.ceil(self._duration_s + STOP_GRACE_S + WEDGED_AFTER_S))
        self._runner.start_shape()
        streamer = gevent.spawn(self._stream_seconds)
        self._finished.wait(timeout=self._duration_s + STOP_GRACE_S)
        users = self._runner.user_count
        self._runner.quit()
        streamer.kill()
        self._log.close()
        self._emit(self._stats.remaining(time.time(), users))
        self._print({"type": "done", "requests": self._log.written})
        return 0

    def _on_request(self, **kwargs: Any) -> None:
        record = request_record(**kwargs)
        self._log.add(record)
        self._stats.add(record)

    def _on_test_stop(self, **_: Any) -> None:
        self._finished.set()

    def _stream_seconds(self) -> None:
        while True:
            now = time.time()
            gevent.sleep(math.floor(now) + 1 - now)
            self._log.flush()
            self._emit(self._stats.complete(time.time(), self._runner.user_count))

    def _emit(self, seconds: list[LoadSecond]) -> None:
        for second in seconds:
            self._print({"type": "second", **second.model_dump()})

    def _print(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message) + "\n")
        self._out.flush()
