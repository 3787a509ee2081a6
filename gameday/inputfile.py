"""Reading an input file's text as an untrusted file.

Scenarios, stacks, targets, templates and replay files are written by hand, copied from elsewhere
or generated, and a mistake in a path can name a device. So a file is read only when it is a
regular file, never past a size no real input comes near (``/dev/zero`` or a FIFO would otherwise
read until memory or patience ran out), and as UTF-8 with the line of a byte that is not.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gameday.errors import InputError, Problem

MAX_INPUT_BYTES = 8 * 1024 * 1024  # the catalogue's largest input is a few kB; a replay file a few MB


def read_input_text(path: Path, *, limit: int = MAX_INPUT_BYTES, what: str = "file") -> str:
    """The text of ``path``, or an :class:`InputError` saying what is wrong with the file itself."""
    try:
        # non-blocking, so that opening a FIFO does not wait for a writer before it can be refused
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise _problem(path, None, f"cannot read the {what}: {exc.strerror or exc}") from None
    kind = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(kind):
        os.close(descriptor)
        raise _problem(path, None, f"the {what} is {_kind(kind)}, not a regular file")
    with open(descriptor, "rb") as handle:
        try:
            raw = handle.read(limit + 1)
        except OSError as exc:
            raise _problem(path, None, f"cannot read the {what}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise _problem(path, None, f"the {what} is larger than {limit // (1024 * 1024)} MiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        raise _problem(path, line, f"byte 0x{byte:02x} is not UTF-8: save the file as UTF-8") from None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _problem(path: Path, line: int | None, message: str) -> InputError:
    return InputError([Problem(str(path), line, "", message)])
