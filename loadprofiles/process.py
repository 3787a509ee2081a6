"""The load process: ``python -m loadprofiles.process --config RUN/load.json``.

It runs Locust in its own process because Locust patches the interpreter with gevent, which the
orchestrator must never be. stdout carries only JSON lines (see :mod:`loadprofiles.driver`:
``started``, ``second`` each second, ``done`` at the end); logs go to stderr, the workers' too. A
bad config is one line on stderr and exit 2; workers that do not connect in time, exit 3.

With workers (the default: one per core, see :class:`loadprofiles.config.LoadConfig`) this process
is a Locust master (:mod:`loadprofiles.master`); with none, the users run here.
"""

# Locust must come first: importing it lets gevent patch sockets and ssl before anything imports them.
import locust  # noqa: F401  # isort: skip

import argparse
import json
import logging
import sys
from pathlib import Path

from locust.env import Environment
from locust.stats import RequestStats

from gameday.errors import InputError
from loadprofiles.config import LoadConfig, read_config
from loadprofiles.driver import LoadDriver, LoadNotReady
from loadprofiles.flows import user_classes_for
from loadprofiles.flows.userfile import LocustFileProblem
from loadprofiles.master import users_for
from loadprofiles.recorder import Recording, RequestLog
from loadprofiles.shapes import shape_for


class RowsOnlyStats(RequestStats):
    """Locust's request statistics with the per-request aggregation switched off.

    gameday's stats are computed from the request rows (:mod:`loadprofiles.recorder`), so Locust
    aggregating every request again in each worker is a second copy that nothing reads, and it costs
    a few per cent of a busy worker's time: requests a worker could have sent.
    """

    def log_request(self, method: str, name: str, response_time: int, content_length: int) -> None:
        return None

    def log_error(self, method: str, name: str, error: Exception | str | None) -> None:
        return None


def load_environment(config: LoadConfig | None) -> Environment:
    """The composition root, as in Locust's own ``env.py``: users, shape and host, but no runner,
    so the caller chooses a local runner, a master or a worker. Without a config (a remote worker
    before the master has sent one) it has no users yet. Raise :class:`LocustFileProblem` when the
    flow's Locust file does not give its users here."""
    if config is None:
        environment = Environment(user_classes=[])
    else:
        shape = shape_for(config.load, config.duration_s)
        environment = Environment(
            user_classes=user_classes_for(config.load, config.locustfile_source),
            shape_class=shape,
            host=config.host,
        )
    environment.stats = RowsOnlyStats(use_response_times_cache=False)
    return environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadprofiles.process", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="the run's load.json")
    args = parser.parse_args(argv)
    try:
        config = read_config(args.config)
        log = RequestLog.create(config.requests_path)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    recording = Recording(log)
    try:
        environment = load_environment(config)
        users, settle_s = users_for(environment, config, args.config, recording)
    except (LoadNotReady, LocustFileProblem) as exc:
        message = f"load.flow.locustfile: {exc}" if isinstance(exc, LocustFileProblem) else str(exc)
        print(f"{args.config}: {message}", file=sys.stderr)
        print(json.dumps({"type": "error", "message": message}), flush=True)  # for the orchestrator
        return 2
    return LoadDriver(environment, users, recording, config.duration_s, sys.stdout, settle_s).run()


if __name__ == "__main__":
    sys.exit(main())
