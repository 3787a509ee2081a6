"""The fault ledger: an append-only JSON-lines file in the run folder, one fsynced line per event.

It exists for the runs that end badly. The revert plan is written *before* the inject call, so
even after SIGKILL the ledger says what may still be applied and how to undo it; ``gameday
rollback`` (and the next run) act on :meth:`Ledger.unreverted`. A process killed mid-write leaves
a torn last line: it is ignored when reading and cut off before appending, which is always safe —
a torn intent means inject was never called, a torn outcome leaves the intent in force, and a
torn ``reverted`` only means a revert runs once more, which every revert tolerates.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from faults.base import InjectOutcome
from faults.plans import check_revert_plan
from gameday.errors import GamedayError


class LedgerCorrupt(GamedayError):
    """A line that is not the torn last one cannot be read: refuse to guess what was applied."""


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    t: float  # epoch seconds when the line was written
    fault_id: str


class Intent(_Entry):
    event: Literal["intent"] = "intent"
    kind: str
    target: str
    revert_plan: dict[str, Any]


class Injected(_Entry):
    event: Literal["injected"] = "injected"
    landed: bool
    detail: str
    affected: list[str] = []


class FailedInject(_Entry):
    event: Literal["failed_inject"] = "failed_inject"
    error: str


class Reverted(_Entry):
    event: Literal["reverted"] = "reverted"


class FailedRevert(_Entry):
    event: Literal["failed_revert"] = "failed_revert"
    error: str


LedgerEntry = Annotated[
    Intent | Injected | FailedInject | Reverted | FailedRevert, Field(discriminator="event")
]
_ENTRY: TypeAdapter[LedgerEntry] = TypeAdapter(LedgerEntry)


class Ledger:
    """Appends to ``path``; safe to share between the threads that inject and revert."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._checked_tail = False

    def intent(self, fault_id: str, kind: str, target: str, revert_plan: dict[str, Any]) -> None:
        """Call before inject: from here on the fault counts as possibly applied. A plan that
        rollback could not carry out raises :class:`faults.plans.InvalidRevertPlan` and writes nothing."""
        plan = check_revert_plan(revert_plan)
        self._append(Intent(t=time.time(), fault_id=fault_id, kind=kind, target=target, revert_plan=plan))

    def injected(self, fault_id: str, outcome: InjectOutcome) -> None:
        self._append(Injected(t=time.time(), fault_id=fault_id, **outcome.to_json()))

    def failed_inject(self, fault_id: str, error: str) -> None:
        """Inject raised: the fault may be partly applied, so it stays unreverted until reverted."""
        self._append(FailedInject(t=time.time(), fault_id=fault_id, error=error))

    def reverted(self, fault_id: str) -> None:
        self._append(Reverted(t=time.time(), fault_id=fault_id))

    def failed_revert(self, fault_id: str, error: str) -> None:
        self._append(FailedRevert(t=time.time(), fault_id=fault_id, error=error))

    def unreverted(self) -> list[Intent]:
        """Intents in this ledger with no ``reverted`` line after them, oldest first."""
        return unreverted(self.read(self.path))

    @staticmethod
    def read(path: Path) -> list[LedgerEntry]:
        """Every whole entry in ``path`` (none if it does not exist); a torn last line is skipped."""
        if not path.exists():
            return []
        data = path.read_bytes()
        lines = data.split(b"\n")
        whole = lines[:-1]  # after the last newline there is b"" or a torn fragment
        entries: list[LedgerEntry] = []
        for number, line in enumerate(whole, start=1):
            if not line.strip():
                continue
            try:
                entries.append(_ENTRY.validate_json(line))
            except ValidationError as error:
                reason = error.errors()[0]["msg"]
                raise LedgerCorrupt(f"{path}:{number}: unreadable ledger line: {reason}") from error
        return entries

    def _append(self, entry: LedgerEntry) -> None:
        line = entry.model_dump_json().encode() + b"\n"
        with self._lock:
            created = not self.path.exists()
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                if not self._checked_tail:
                    _cut_torn_tail(fd)
                    self._checked_tail = True
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                _fsync_dir(self.path.parent)


def unreverted(entries: Sequence[LedgerEntry]) -> list[Intent]:
    """Faults whose latest intent has no later ``reverted`` line; a failed revert keeps them open."""
    open_intents: dict[str, Intent] = {}
    for entry in entries:
        if isinstance(entry, Intent):
            open_intents[entry.fault_id] = entry
        elif isinstance(entry, Reverted):
            open_intents.pop(entry.fault_id, None)
    return list(open_intents.values())


def _cut_torn_tail(fd: int) -> None:
    """Drop a fragment left by a killed writer, so the next line starts on a line of its own."""
    data = os.pread(fd, os.fstat(fd).st_size, 0)  # a ledger is a few lines per fault
    if data and not data.endswith(b"\n"):
        os.ftruncate(fd, data.rfind(b"\n") + 1)


def _fsync_dir(directory: Path) -> None:
    """Make the new file's directory entry durable too, not only its contents."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
