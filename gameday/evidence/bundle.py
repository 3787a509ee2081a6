"""The evidence of one run, saved to and read back from the run folder.

The run folder is the only hand-over between running and judging: ``gameday report RUN`` must be
able to score and render again from the files alone. So every record is written as the JSON its
pydantic model produces, one per line for the long streams, and read back through the same model.
Files are streamed line by line in both directions: a long run can hold millions of requests.
Traces are the bulk of a run folder (hundreds of thousands of X-Ray documents, each a tree of
dicts), so a loaded run does not hold them: :class:`TraceDocuments` checks every line once and
reads the documents from the file again each time they are walked.

A file that is missing or has unreadable lines is not an error: the run still gets a report, and a
:class:`Gap` says which evidence is absent, so the scores depending on it turn INCONCLUSIVE.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, overload

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError

from gameday.errors import InputError
from gameday.evidence.bulk import paused_gc
from gameday.evidence.records import (
    AlarmChange,
    FaultRecord,
    Gap,
    LoadSecond,
    MetricPoint,
    Phase,
    RequestRecord,
    ScalingActivity,
    TaskEvent,
)
from gameday.runfolder import RunFolder
from gameday.traces.dependencies import DependencyMatch

RUN_FILE = RunFolder.RUN
REQUESTS_FILE = RunFolder.REQUESTS
LOAD_SECONDS_FILE = RunFolder.LOAD_SECONDS
METRICS_FILE = RunFolder.METRICS
EVENTS_FILE = RunFolder.EVENTS
TRACES_FILE = RunFolder.TRACES
PHASES_FILE = RunFolder.PHASES
FAULTS_FILE = RunFolder.FAULTS
GAPS_FILE = RunFolder.GAPS
SCALING_FILE = RunFolder.SCALING
ALARMS_FILE = RunFolder.ALARMS
DEPENDENCIES_FILE = RunFolder.DEPENDENCIES

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
_DEPENDENCY_MAP: TypeAdapter[dict[str, list[DependencyMatch]]] = TypeAdapter(dict[str, list[DependencyMatch]])


@dataclass(frozen=True)
class RunEvidence:
    """Everything a run observed; the single input of scoring and reporting.

    Times are epoch seconds. ``traces`` stay raw X-Ray documents: they are kept for people and
    later scorers, and no model of ours should silently drop fields AWS adds. A run holds them as
    a list; a loaded run folder as :class:`TraceDocuments`, read from the file when walked.
    """

    run_id: str
    scenario_name: str
    target_name: str
    started_at: float
    ended_at: float
    variant: str | None = None  # the localcloud stack variant the run was made against
    phases: list[Phase] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)
    load_seconds: list[LoadSecond] = field(default_factory=list)
    metrics: list[MetricPoint] = field(default_factory=list)
    events: list[TaskEvent] = field(default_factory=list)
    traces: Sequence[dict[str, Any]] = field(default_factory=list)
    scaling: list[ScalingActivity] = field(default_factory=list)
    alarms: list[AlarmChange] = field(default_factory=list)
    faults: list[FaultRecord] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    aborted_reason: str | None = None
    trace_sampling: str | None = None  # which share of requests the traces keep, in words
    # How the target maps each logical dependency name to what traces show (see
    # gameday.traces.dependencies); None for a run folder written before runs recorded it.
    dependencies: dict[str, list[DependencyMatch]] | None = None
    # A link to one trace in the target's console with ``{trace_id}`` in it (AWS: the X-Ray trace
    # map in CloudWatch); None where traces are read from the run folder only.
    trace_link: str | None = None

    def save(self, run_dir: Path, written: frozenset[str] = frozenset()) -> None:
        """Write every evidence file of the run folder (each replaced atomically), except those
        ``written`` already hold exactly these records (the load process's requests, streamed to
        the file as they were made, are not written a second time)."""
        run_dir.mkdir(parents=True, exist_ok=True)
        scalars = {
            "run_id": self.run_id,
            "scenario_name": self.scenario_name,
            "target_name": self.target_name,
            "variant": self.variant,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "aborted_reason": self.aborted_reason,
            "trace_sampling": self.trace_sampling,
            "trace_link": self.trace_link,
        }
        _write_text(run_dir / RUN_FILE, [json.dumps(scalars, indent=2), "\n"])
        if REQUESTS_FILE not in written:
            _write_lines(run_dir / REQUESTS_FILE, (r.model_dump_json() for r in self.requests))
        if LOAD_SECONDS_FILE not in written:
            _write_lines(run_dir / LOAD_SECONDS_FILE, (s.model_dump_json() for s in self.load_seconds))
        _write_lines(run_dir / METRICS_FILE, (m.model_dump_json() for m in self.metrics))
        _write_lines(run_dir / EVENTS_FILE, (e.model_dump_json() for e in self.events))
        _write_lines(run_dir / TRACES_FILE, (json.dumps(doc, separators=(",", ":")) for doc in self.traces))
        _write_lines(run_dir / SCALING_FILE, (a.model_dump_json() for a in self.scaling))
        _write_lines(run_dir / ALARMS_FILE, (a.model_dump_json() for a in self.alarms))
        _write_models(run_dir / PHASES_FILE, self.phases)
        _write_models(run_dir / FAULTS_FILE, self.faults)
        _write_models(run_dir / GAPS_FILE, self.gaps)
        if self.dependencies is not None:
            mapped = {
                name: [m.model_dump(exclude_none=True) for m in ms] for name, ms in self.dependencies.items()
            }
            _write_text(run_dir / DEPENDENCIES_FILE, [json.dumps(mapped, indent=2), "\n"])

    @classmethod
    def load(cls, run_dir: Path) -> RunEvidence:
        """Read a run folder back; only ``run.json`` is required, anything else missing becomes a gap."""
        scalars = _read_run_file(run_dir / RUN_FILE)
        # gaps.json missing means no gap was recorded when the run was saved: nothing to add for it.
        saved_gaps = _Reader(run_dir, []).array(GAPS_FILE, None, Gap)
        reader = _Reader(run_dir, saved_gaps)
        with paused_gc():  # millions of records may be read, none of them in a reference cycle
            requests = reader.lines(REQUESTS_FILE, "requests", RequestRecord.model_validate_json)
            load_seconds = reader.lines(LOAD_SECONDS_FILE, "load_seconds", LoadSecond.model_validate_json)
            metrics = reader.lines(METRICS_FILE, "metrics", MetricPoint.model_validate_json)
            events = reader.lines(EVENTS_FILE, "events", TaskEvent.model_validate_json)
            traces = reader.documents(TRACES_FILE, "traces")
            scaling = reader.lines(SCALING_FILE, "scaling", ScalingActivity.model_validate_json)
            # a run folder from before alarms were collected has none: not a gap
            alarms = reader.lines(ALARMS_FILE, "alarms", AlarmChange.model_validate_json, optional=True)
        phases = reader.array(PHASES_FILE, "phases", Phase)
        faults = reader.array(FAULTS_FILE, "faults", FaultRecord)
        dependencies = reader.mapping(DEPENDENCIES_FILE, "traces", _DEPENDENCY_MAP)
        return cls(
            run_id=str(scalars["run_id"]),
            scenario_name=str(scalars["scenario_name"]),
            target_name=str(scalars["target_name"]),
            variant=scalars.get("variant"),
            started_at=float(scalars["started_at"]),
            ended_at=float(scalars["ended_at"]),
            aborted_reason=scalars.get("aborted_reason"),
            trace_sampling=scalars.get("trace_sampling"),
            trace_link=scalars.get("trace_link"),
            phases=phases,
            requests=requests,
            load_seconds=load_seconds,
            metrics=metrics,
            events=events,
            traces=traces,
            scaling=scaling,
            alarms=alarms,
            faults=faults,
            gaps=reader.gaps,
            dependencies=dependencies,
        )


class _Reader:
    """Reads optional evidence files, turning absence and damage into gaps instead of exceptions."""

    def __init__(self, run_dir: Path, gaps: list[Gap]) -> None:
        self._run_dir = run_dir
        self.gaps = list(gaps)

    def lines(self, name: str, source: str, parse: Callable[[str], T], optional: bool = False) -> list[T]:
        path = self._run_dir / name
        if not path.exists():
            if not optional:
                self.gaps.append(Gap(source=source, reason=f"{name} is missing from the run folder"))
            return []
        items: list[T] = []
        bad = 0
        first_bad = ""
        for number, line in _numbered_lines(path):
            try:
                items.append(parse(line))
            except ValueError as exc:  # pydantic's ValidationError is a ValueError too
                bad += 1
                first_bad = first_bad or f"line {number}: {first_problem(exc)}"
        if bad:
            reason = f"{name}: {bad} unreadable line(s) skipped, first at {first_bad}"
            self.gaps.append(Gap(source=source, reason=reason))
        return items

    def documents(self, name: str, source: str) -> TraceDocuments:
        """Check every line of a JSON-lines file of objects, keeping where the good ones are."""
        path = self._run_dir / name
        if not path.exists():
            self.gaps.append(Gap(source=source, reason=f"{name} is missing from the run folder"))
            return TraceDocuments(None, array("q"))
        offsets = array("q")
        bad = 0
        first_bad = ""
        with path.open("rb") as handle:
            offset = 0
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    try:
                        _json_object(raw)
                        offsets.append(offset)
                    except ValueError as exc:
                        bad += 1
                        first_bad = first_bad or f"line {number}: {first_problem(exc)}"
                offset += len(raw)
        if bad:
            reason = f"{name}: {bad} unreadable line(s) skipped, first at {first_bad}"
            self.gaps.append(Gap(source=source, reason=reason))
        return TraceDocuments(path, offsets)

    def mapping(self, name: str, source: str, adapter: TypeAdapter[T]) -> T | None:
        """An optional JSON file read through ``adapter``: None when absent, a gap when unreadable."""
        path = self._run_dir / name
        if not path.exists():
            return None
        try:
            return adapter.validate_json(path.read_bytes())
        except ValidationError as exc:
            self.gaps.append(Gap(source=source, reason=f"{name} is unreadable: {first_problem(exc)}"))
            return None

    def array(self, name: str, source: str | None, model: type[M]) -> list[M]:
        path = self._run_dir / name
        if not path.exists():
            if source is not None:
                self.gaps.append(Gap(source=source, reason=f"{name} is missing from the run folder"))
            return []
        try:
            return TypeAdapter(list[model]).validate_json(path.read_bytes())  # type: ignore[valid-type]
        except ValidationError as exc:
            self.gaps.append(Gap(source=source or name, reason=f"{name} is unreadable: {first_problem(exc)}"))
            return []


def _read_run_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise InputError(f"{path.parent}: not a run folder (no {RUN_FILE})")
    try:
        scalars = json.loads(path.read_text(encoding="utf-8"))
        missing = [
            key
            for key in ("run_id", "scenario_name", "target_name", "started_at", "ended_at")
            if key not in scalars
        ]
    except (ValueError, TypeError) as exc:
        raise InputError(f"{path}: not valid run JSON: {exc}") from None
    if missing:
        raise InputError(f"{path}: missing {', '.join(missing)}")
    return dict(scalars)


class TraceDocuments(Sequence[dict[str, Any]]):
    """The X-Ray documents of a run folder's traces.jsonl, parsed afresh each time they are read.

    Only the byte offsets of the readable lines stay in memory (8 bytes a document, instead of a
    tree of dicts): scoring walks the documents once, and a report never needs them. The file is
    the run folder's record and is not rewritten after a run; if it changed anyway, reading
    refuses rather than returning other documents than those that were checked.
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, path: Path | None, offsets: array[int]) -> None:
        self._path = path
        self._offsets = offsets
        self._stamp = _stamp(path.stat()) if path is not None else None

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return list(self._read(self._offsets[index]))
        return next(self._read([self._offsets[index]]))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self._read(self._offsets)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __repr__(self) -> str:
        return f"TraceDocuments({self._path}, {len(self)} documents)"

    def _read(self, offsets: Iterable[int]) -> Iterator[dict[str, Any]]:
        if self._path is None:
            return
        with self._path.open("rb") as handle:
            if _stamp(os.fstat(handle.fileno())) != self._stamp:
                raise RuntimeError(f"{self._path} changed since its run folder was loaded; load it again")
            expected = 0
            for offset in offsets:
                if offset != expected:
                    handle.seek(offset)
                line = handle.readline()
                expected = offset + len(line)
                yield _json_object(line)


def _stamp(status: os.stat_result) -> tuple[int, int, int]:
    return status.st_ino, status.st_size, status.st_mtime_ns


def _json_object(line: str | bytes) -> dict[str, Any]:
    """One document; orjson because a run folder holds hundreds of thousands, each read twice
    (checked on load, parsed when scored), and it decodes them three times faster than json."""
    value = orjson.loads(line)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def first_problem(exc: ValueError) -> str:
    """The first problem in a line, briefly: a gap reason is one line, not a pydantic report."""
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return f"{where}: {error['msg']}" if where else str(error["msg"])
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    _write_text(path, (chunk for line in lines for chunk in (line, "\n")))


def _write_models(path: Path, models: Sequence[BaseModel]) -> None:
    _write_text(path, [json.dumps([m.model_dump(mode="json") for m in models], indent=2), "\n"])


def _write_text(path: Path, chunks: Iterable[str]) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a file behind."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(chunk)
    temporary.replace(path)
