"""A load worker: ``python -m loadprofiles.worker --master HOST[:PORT] [--config RUN/load.json]``.

It runs the users the master hands it (a Locust WorkerRunner) and sends every request it made to
the master as compact rows, batched once a second and a last time when its users stop, so the
master writes one ``requests.jsonl`` for the whole run. Local workers are started by the load
process with ``--config``; a remote worker (``gameday worker --master HOST``) gets the same config
from the master as it connects, so the other machine needs the gameday package only, not the
scenario or the run folder. It exits when the master quits, on SIGTERM (after its last batch), or
when the master is gone (Locust: no heartbeat for 60 s).
"""

# Locust must come first: importing it lets gevent patch sockets and ssl before anything imports them.
import locust  # noqa: F401  # isort: skip

import argparse
import logging
import math
import signal
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.rpc import Message
from locust.runners import WorkerRunner

from gameday.errors import InputError
from loadprofiles.config import LoadConfig, read_config
from loadprofiles.flows.userfile import LocustFileProblem
from loadprofiles.process import load_environment
from loadprofiles.recorder import Row, request_row
from loadprofiles.wire import CONFIG_MESSAGE, ROWS_MESSAGE, RowBatch, parse_master

BATCH_OFFSET_S = 0.1
"""Batches leave just after each whole second, so the master, which streams a second half a second
after it ended, has every row of it."""

_log = logging.getLogger("loadprofiles.worker")


class ConfiguredWorkerRunner(WorkerRunner):
    """A WorkerRunner that listens for the load config before it connects: the master sends the
    config as soon as it sees the worker, which may be before ``__init__`` (it waits for the master's
    ack) returns, and a message without a listener is dropped."""

    def __init__(self, environment: Environment, master_host: str, master_port: int) -> None:
        self._configured = bool(environment.user_classes)
        super().__init__(environment, master_host, master_port)

    def connect_to_master(self) -> None:
        if CONFIG_MESSAGE not in self.custom_messages:
            self.register_message(CONFIG_MESSAGE, self._on_config)
        super().connect_to_master()

    def _on_config(self, msg: Message, **_: Any) -> None:
        if self._configured:  # a local worker built its users from --config; reconnects resend it
            return
        try:
            config = LoadConfig.model_validate(msg.data)
            built = load_environment(config)
        except Exception as exc:  # a master of another gameday version: leave rather than run blind
            _log.error("cannot use the load config the master sent, leaving: %s", exc)
            gevent.spawn(_shutdown, self.environment, self)
            return
        self.environment.user_classes = built.user_classes
        self.environment.host = config.host
        self._configured = True
        _log.info("got the load config from the master: %s", ", ".join(self.environment.user_classes_by_name))


class RowBatcher:
    """Buffers this worker's request rows and sends them to the master once a second; the batch sent
    when the users stop (Locust's ``test_stop``, on the master's stop or quit) is marked final."""

    def __init__(self, environment: Environment, runner: WorkerRunner) -> None:
        self._runner = runner
        self._rows: list[Row] = []
        environment.events.request.add_listener(self._on_request)
        environment.events.test_stop.add_listener(self._on_test_stop)
        runner.greenlet.spawn(self._send_every_second)

    def _on_request(self, **kwargs: Any) -> None:
        self._rows.append(request_row(**kwargs))

    def _on_test_stop(self, **_: Any) -> None:
        self.send(final=True)

    def _send_every_second(self) -> None:
        while True:
            now = time.time()
            gevent.sleep(math.floor(now) + 1 + BATCH_OFFSET_S - now)
            if self._rows:
                self.send(final=False)

    def send(self, final: bool) -> None:
        rows, self._rows = self._rows, []
        message: RowBatch = {"rows": rows, "final": final}
        self._runner.send_message(ROWS_MESSAGE, dict(message))


def _shutdown(environment: Environment, runner: WorkerRunner) -> None:
    """SIGTERM/SIGINT: stop the users (their last rows go out as the final batch), tell the master
    this worker is leaving, and end the runner so the process exits."""
    runner.stop()
    environment.events.quitting.fire(environment=environment, reverse=True)
    runner.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadprofiles.worker", description=__doc__)
    parser.add_argument(
        "--master", required=True, help="the load master, HOST or HOST:PORT (default port 5557)"
    )
    parser.add_argument(
        "--config", type=Path, help="load.json (local workers); without it, sent by the master"
    )
    args = parser.parse_args(argv)
    try:
        host, port = parse_master(args.master)
        config = read_config(args.config) if args.config is not None else None
    except (InputError, ValueError) as exc:
        print(f"gameday worker: {exc}" if isinstance(exc, ValueError) else exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s worker %(name)s: %(message)s"
    )
    try:
        environment = load_environment(config)
    except LocustFileProblem as exc:
        print(f"gameday worker: load.flow.locustfile: {exc}", file=sys.stderr)
        return 2
    _log.info("connecting to the load master at %s:%d", host, port)
    try:
        runner = ConfiguredWorkerRunner(environment, host, port)
    except ConnectionError:
        print(f"gameday worker: no load master answered at {host}:{port}", file=sys.stderr)
        return 3
    environment.runner = runner
    RowBatcher(environment, runner)
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, lambda: gevent.spawn(_shutdown, environment, runner))
    runner.greenlet.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
