"""The load process: ``python -m loadprofiles.process --config RUN/load.json``.

It runs Locust in its own process because Locust patches the interpreter with gevent, which the
orchestrator must never be. stdout carries only JSON lines (``second`` each second, ``done`` at
the end); logs go to stderr. A bad config is one line on stderr and exit 2.
"""

# Locust must come first: importing it lets gevent patch sockets and ssl before anything imports them.
import locust  # noqa: F401  # isort: skip

import argparse
import logging
import sys
from pathlib import Path

from locust.env import Environment

from gameday.errors import InputError
from loadprofiles.config import LoadConfig, read_config
from loadprofiles.driver import LoadDriver
from loadprofiles.flows import user_class_for
from loadprofiles.recorder import RequestLog
from loadprofiles.shapes import shape_for


def build_environment(config: LoadConfig) -> Environment:
    """The composition root, as in Locust's own ``env.py``: users, shape and host, but no runner,
    so the caller chooses a local runner today or a master with workers later."""
    shape = shape_for(config.load, config.duration_s)
    return Environment(user_classes=[user_class_for(config.load)], shape_class=shape, host=config.host)


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
    environment = build_environment(config)
    runner = environment.create_local_runner()
    return LoadDriver(environment, runner, log, config.duration_s, sys.stdout).run()


if __name__ == "__main__":
    sys.exit(main())
