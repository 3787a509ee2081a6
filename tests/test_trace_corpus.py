"""The trace reader against documents the real X-Ray SDKs and the ADOT exporter write.

Each case of ``tests/data/xray`` holds the documents and the calls that really happened (the
recording script controlled both ends). The reader, given the map a target would write (each
dependency by its host or its AWS service and resource), must find those calls: their number,
caller, instance, dependency, outcome and attempts. Where the SDK leaves a call's retries out of
its documents, the reader must say so (``retries_seen`` false), never guess. The few cases no
reader can get right by their shape are pinned to what the reader makes of them, so a change there
is noticed too. The Python cases are also recorded afresh, so the reader keeps up with the SDK.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from gameday.traces import Attempt, Call, read_traces
from gameday.traces.dependencies import DependencyMatch

CORPUS = Path(__file__).parent / "data" / "xray"

# Cases whose documents cannot show what happened, with the calls (attempt labels, outcome) the
# reader finds instead. A wrong verdict from these is the instrumentation's limit; the README says so.
BY_SHAPE_ONLY: dict[str, list[tuple[list[int | str], str]]] = {
    # a 503 left unretried, then a new call 50 ms later: exactly the shape of a retry
    "python/requests-failed-call-then-new-call": [([503, 200], "ok")],
    # the body stalled past the timeout after a 200 header: the SDK records a clean 200
    "python/aiohttp-body-timeout-then-200": [([200], "ok"), ([200], "ok")],
    # the SDK closes an http subsegment when the response body ends; unread, nothing is sent
    "node/http-503-body-unread-then-200": [],
}


def _case_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*/*.json") if "documents" in json.loads(p.read_text()))


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _dependency_name(where: dict[str, str]) -> str:
    return where.get("host") or f"{where['aws']} {where.get('resource', '')}".strip()


def _dependency_map(case: dict[str, Any]) -> dict[str, list[DependencyMatch]]:
    """What a target's ``dependencies`` would say for the case: each call's target by itself."""
    return {_dependency_name(c["dependency"]): [DependencyMatch(**c["dependency"])] for c in case["calls"]}


def _label(attempt: Attempt) -> int | str:
    if attempt.throttle:
        return "throttled"
    return attempt.status if attempt.status is not None else "no answer"


def _fits(expected: int | str, attempt: Attempt) -> bool:
    """An attempt as the case labels it: a status, ``throttled`` (whatever the status), or
    ``refused``/``timeout``, which documents show alike: no answer, failed."""
    if expected == "throttled":
        return attempt.throttle or attempt.status == 429
    if expected in ("refused", "timeout"):
        return attempt.status is None and attempt.failed
    return attempt.status == expected


def _same_instance(expected: str | None, found: str | None) -> bool:
    """The instance the case names, or a longer id of the same one: a Docker container's host
    name is the first 12 hex digits of its id, and the reader prefers the id."""
    if expected is None or found is None:
        return expected == found
    return found == expected or (len(expected) == 12 and found.startswith(expected))


def check_case(path: Path, origin: str) -> None:
    """Assert that the reader finds the case's calls (see the module's docstring)."""
    case = json.loads(path.read_text())
    reading = read_traces(case["documents"], _dependency_map(case))
    assert reading.problems.summary() is None, reading.problems.summary()
    assert not reading.unmapped, f"attempts to no known dependency: {dict(reading.unmapped)}"
    pinned = BY_SHAPE_ONLY.get(f"{origin}/{path.stem}")
    if pinned is not None:
        found = [([_label(a) for a in call.attempts], call.outcome) for call in reading.calls]
        assert found == pinned
        return
    assert len(reading.calls) == len(case["calls"]), [(c.dependency, len(c.attempts)) for c in reading.calls]
    for number, (call, truth) in enumerate(zip(reading.calls, case["calls"], strict=True)):
        _check_call(call, truth, f"call {number + 1}")


def _check_call(call: Call, truth: dict[str, Any], which: str) -> None:
    assert call.caller == truth["caller"], which
    assert _same_instance(truth["instance"], call.caller_instance), (which, call.caller_instance)
    assert call.dependency == _dependency_name(truth["dependency"]), which
    expected: list[int | str] = truth["attempts"]
    if not expected:  # the breaker refused it: no request left
        assert call.short_circuited and not call.attempts, which
        return
    assert call.outcome == truth["outcome"], which
    assert call.retries_seen == truth["retries_visible"], which
    assert _fits(expected[-1], call.attempts[-1]), (which, [_label(a) for a in call.attempts])
    if not truth["retries_visible"]:
        return  # how many attempts the SDK made is not in the documents, and the call says so
    assert len(call.attempts) == len(expected), (which, [_label(a) for a in call.attempts])
    if call.attempts_timed:  # else the earlier attempts are known by count only (aws.retries)
        assert all(_fits(label, a) for label, a in zip(expected, call.attempts, strict=True)), (
            which,
            [_label(a) for a in call.attempts],
        )


@pytest.mark.parametrize("path", _case_files(CORPUS), ids=_case_id)
def test_the_reader_finds_the_calls_that_really_happened(path: Path) -> None:
    check_case(path, path.parent.name)


def test_every_origin_is_in_the_corpus() -> None:
    origins = {path.parent.name for path in _case_files(CORPUS)}
    assert origins == {"python", "node", "java", "go", "adot"}
    assert len(_case_files(CORPUS)) >= 50


def _recorder() -> Any:
    spec = importlib.util.spec_from_file_location("record_python", CORPUS / "record_python.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["record_python"] = module  # it defines dataclasses, which look themselves up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["record_python"]
        raise
    return module


def test_documents_recorded_afresh_from_the_python_sdk_give_their_calls(tmp_path: Path) -> None:
    """Recorded now, with the SDK installed now: the reader is never proven on stale files only."""
    written = _recorder().record(tmp_path)
    assert {p.name for p in written} == {p.name for p in (CORPUS / "python").glob("*.json")}
    for path in written:
        check_case(path, "python")
