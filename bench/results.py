"""reports/bench.json: merged, never overwritten, because several benchmarks each own some keys.

A reader must never see a half-written file, so the new content goes to a temporary file in the
same folder, is fsynced, and then replaces the old one in one rename.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any


class BenchFileCorrupt(Exception):
    """The existing file is not a JSON object: refuse to overwrite figures we cannot read."""


def merge_results(path: Path, updates: dict[str, Any]) -> dict[str, Any]:
    """Write ``updates`` into the JSON object at ``path`` and return the result.

    Top-level keys are replaced, except that a dict meeting a dict (``notes``, ``details``) is
    merged one level deep, so one benchmark's notes do not erase another's.
    """
    merged = _read(path)
    for key, value in updates.items():
        previous = merged.get(key)
        if isinstance(previous, dict) and isinstance(value, dict):
            merged[key] = {**previous, **value}
        else:
            merged[key] = value
    _write_atomically(path, json.dumps(merged, indent=2, sort_keys=True) + "\n")
    return merged


def machine_facts() -> dict[str, Any]:
    """What a figure depends on besides the code: the machine, how busy it was, the interpreter."""
    return {
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise BenchFileCorrupt(f"{path} is not valid JSON ({error}); fix or remove it") from None
    if not isinstance(content, dict):
        raise BenchFileCorrupt(f"{path} does not hold a JSON object; fix or remove it")
    return content


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
