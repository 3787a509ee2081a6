"""The master side of distributed load: its local worker processes, remote workers, and their rows.

The load process runs a Locust MasterRunner: the shape runs here and Locust spreads the users over
the workers. gameday adds what Locust's aggregated stats cannot give: every request. Workers send
their request rows in batches (:mod:`loadprofiles.wire`); the master writes them to the run's
request log and per-second stats. On the way out it stops the users, waits (bounded) for each
worker's final batch, tells the workers to quit and stops its own worker processes by pid.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from locust.env import Environment
from locust.exception import RPCError
from locust.rpc import Message
from locust.runners import STATE_INIT, MasterRunner

from gameday.processes import child_options, terminate
from loadprofiles.config import LoadConfig
from loadprofiles.driver import InProcessUsers, LoadNotReady, Users
from loadprofiles.recorder import Recording
from loadprofiles.wire import CONFIG_MESSAGE, ROWS_MESSAGE

LOCAL_CONNECT_TIMEOUT_S = 30.0
"""Local workers import Locust and connect in a few seconds, even on a busy two-core machine."""

FINAL_BATCH_WAIT_S = 5.0
"""How long the master waits for the last rows of a worker that stopped or vanished."""

WORKER_EXIT_WAIT_S = 3.0
PROGRESS_EVERY_S = 5.0
_LOOPBACK_BINDS = {"127.0.0.1", "0.0.0.0", "*", "localhost", ""}

_log = logging.getLogger("loadprofiles.master")


class WorkerFleet:
    """A MasterRunner with ``local`` worker processes it starts and ``remote`` ones it waits for."""

    stop_bound_s = FINAL_BATCH_WAIT_S + WORKER_EXIT_WAIT_S + 5.0

    def __init__(
        self,
        environment: Environment,
        config: LoadConfig,
        config_path: Path,
        recording: Recording,
        local: int,
    ) -> None:
        self.runner: MasterRunner = environment.create_master_runner(config.master_bind, config.master_port)
        self._config = config
        self._config_path = config_path
        self._recording = recording
        self._local = local
        self._expected = local + config.expect_workers
        self._processes: list[subprocess.Popen[Any]] = []
        self._connected: set[str] = set()
        self._final: set[str] = set()
        remote_wait = config.workers_timeout_s if config.expect_workers else 0.0
        self.ready_bound_s = max(LOCAL_CONNECT_TIMEOUT_S if local else 0.0, remote_wait)
        self.runner.register_message(ROWS_MESSAGE, self._on_rows)
        environment.events.worker_connect.add_listener(self._on_connect)

    @property
    def port(self) -> int:
        return int(self.runner.server.port)

    def prepare(self, note: Callable[[str], None], cancelled: Event) -> None:
        """Start the local workers and wait until every expected worker has connected."""
        bind = self._config.master_bind
        if self._config.expect_workers:
            note(
                f"load master listening on {bind}:{self.port}, waiting for "
                f"{self._config.expect_workers} remote worker(s): gameday worker --master HOST:{self.port}"
            )
        self._start_local()
        deadline = time.monotonic() + self.ready_bound_s
        next_note = time.monotonic() + PROGRESS_EVERY_S
        while (connected := self.runner.worker_count) < self._expected and not cancelled.is_set():
            self._check_local_alive()
            if time.monotonic() >= deadline:
                raise LoadNotReady(self._missing_message(connected))
            if time.monotonic() >= next_note:
                note(f"waiting for load workers: {connected} of {self._expected} connected")
                next_note += PROGRESS_EVERY_S
            gevent.sleep(0.1)
        if not cancelled.is_set():
            note(f"{self.runner.worker_count} load worker(s) connected ({self._local} local)")

    def stop(self) -> None:
        """Stop the users, collect every worker's final batch (bounded), quit the workers, end ours."""
        if self.runner.state != STATE_INIT:  # never started: no users, nothing in flight
            stopper = gevent.spawn(self.runner.stop)
            deadline = time.monotonic() + FINAL_BATCH_WAIT_S
            while not self._all_final() and time.monotonic() < deadline:
                gevent.sleep(0.05)
            stopper.kill(block=True)
            if not self._all_final():
                _log.warning("no final batch from %s", ", ".join(sorted(self._connected - self._final)))
        self.runner.quit()
        self._stop_local()
        if self._recording.malformed:
            _log.warning("%d malformed request rows from workers were dropped", self._recording.malformed)

    def _start_local(self) -> None:
        host = "127.0.0.1" if self._config.master_bind in _LOOPBACK_BINDS else self._config.master_bind
        command = [sys.executable, "-m", "loadprofiles.worker", "--master", f"{host}:{self.port}"]
        command += ["--config", str(self._config_path)]
        for _ in range(self._local):
            # stderr is inherited: the load process's own stderr, the run's load.log. stdout is the
            # orchestrator's protocol pipe, so never theirs.
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, **child_options()
            )
            self._processes.append(process)
            _log.info("started local load worker pid %d", process.pid)

    def _check_local_alive(self) -> None:
        for process in self._processes:
            if process.poll() is not None:
                raise LoadNotReady(
                    f"local load worker pid {process.pid} exited with code {process.returncode} "
                    "before the load started; see load.log"
                )

    def _missing_message(self, connected: int) -> str:
        waited = f"within {self.ready_bound_s:.0f}s"
        if not self._config.expect_workers:
            return f"only {connected} of {self._local} local load workers connected {waited}; see load.log"
        return (
            f"only {connected} of {self._expected} load workers ({self._config.expect_workers} remote) "
            f"connected to the load master on {self._config.master_bind}:{self.port} {waited}; start them "
            f"with `gameday worker --master HOST:{self.port}`, HOST an address of this machine they reach "
            "(see --master-bind)"
        )

    def _on_connect(self, client_id: str, **_: Any) -> None:
        self._connected.add(client_id)
        self.runner.send_message(CONFIG_MESSAGE, self._config.model_dump(mode="json"), client_id=client_id)

    def _on_rows(self, msg: Message, **_: Any) -> None:
        worker = self.runner.get_worker_index(msg.node_id)
        add = self._recording.add_row
        for row in msg.data["rows"]:
            add(row, worker)
        if msg.data.get("final"):
            self._final.add(msg.node_id)

    def _all_final(self) -> bool:
        return all(cid in self._final or cid not in self.runner.clients for cid in self._connected)

    def _stop_local(self) -> None:
        deadline = time.monotonic() + WORKER_EXIT_WAIT_S
        for process in self._processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _log.warning("local load worker pid %d did not quit; terminating it", process.pid)
                terminate(process, grace_s=2.0)


SETTLE_S = 0.5
"""A second is streamed this long after it ended: workers send their rows just after each second."""


def users_for(
    environment: Environment, config: LoadConfig, config_path: Path, recording: Recording
) -> tuple[Users, float]:
    """Where this config's users run, and how long a second needs to settle before it is streamed.

    Raise :class:`LoadNotReady` when the master cannot listen where it is told to.
    """
    if not config.distributed:
        return InProcessUsers(environment, recording), 0.0
    try:
        fleet = WorkerFleet(environment, config, config_path, recording, config.local_worker_count)
    except (SystemExit, OSError, RPCError) as exc:  # Locust exits when the port is taken
        reason = "the port is in use" if isinstance(exc, SystemExit) else str(exc)
        raise LoadNotReady(
            f"master_port: the load master cannot listen on {config.master_bind}:{config.master_port}: "
            f"{reason}"
        ) from None
    return fleet, SETTLE_S
