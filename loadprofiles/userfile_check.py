"""``python -m loadprofiles.userfile_check PATH [CLASS …]``: does a team's Locust file give its users?

The check the orchestrator runs before a game day (:mod:`gameday.locustfile_check`), in its own
process because importing Locust patches the interpreter with gevent and a team's file may do
anything at import. It prints ``{"user_classes": [...]}`` and exits 0, or prints one line saying
what is wrong and exits 2.
"""

# Locust must come first: importing it lets gevent patch sockets and ssl before anything imports them.
import locust  # noqa: F401  # isort: skip

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from loadprofiles.flows.userfile import LocustFileProblem, import_locustfile, user_classes_of


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m loadprofiles.userfile_check PATH [CLASS ...]", file=sys.stderr)
        return 2
    path, wanted = Path(args[0]), args[1:] or None
    try:
        classes = user_classes_of(import_locustfile(path), wanted)
    except LocustFileProblem as problem:
        print(problem)
        return 2
    print(json.dumps({"user_classes": [cls.__name__ for cls in classes]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
