"""``python -m gameday.localcloud serve STACK_FILE [--control-port N] [--ready-file PATH] [--variant N]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_CONTROL_PORT = 4580


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gameday.localcloud", description="Run a stack on localcloud."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the supervisor in the foreground until SIGINT/SIGTERM")
    serve.add_argument("stack", type=Path, help="stack file (YAML)")
    serve.add_argument(
        "--control-port",
        type=int,
        default=DEFAULT_CONTROL_PORT,
        help=f"control API port on 127.0.0.1 (default {DEFAULT_CONTROL_PORT}; 0 = any free port)",
    )
    serve.add_argument(
        "--ready-file", type=Path, help="write the /state JSON here once every service is ready"
    )
    serve.add_argument(
        "--variant", help="run the stack as this variant (from variants.yaml beside the stack file)"
    )
    args = parser.parse_args()

    from gameday.localcloud.supervisor import serve as run_supervisor  # keeps --help quick

    return run_supervisor(args.stack, args.control_port, args.ready_file, args.variant)


if __name__ == "__main__":
    sys.exit(main())
