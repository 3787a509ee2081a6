"""The run folder round trip: what a run saves is exactly what ``gameday report`` scores again."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from gameday.errors import InputError
from gameday.evidence.bundle import RunEvidence, TraceDocuments
from gameday.evidence.records import Gap, ScalingActivity, Verdict
from gameday.runfolder import RunFolder
from gameday.scoring import score_run
from gameday.scoring.testing import synthetic_evidence, synthetic_scenario

EVIDENCE_FILES = [
    "run.json",
    "requests.jsonl",
    "load_seconds.jsonl",
    "metrics.jsonl",
    "events.jsonl",
    "traces.jsonl",
    "scaling.jsonl",
    "alarms.jsonl",
    "phases.json",
    "faults.json",
    "gaps.json",
]


def test_save_then_load_gives_the_same_evidence_and_scores(tmp_path: Path) -> None:
    evidence = synthetic_evidence()
    evidence.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(EVIDENCE_FILES)
    loaded = RunEvidence.load(tmp_path)
    assert loaded == evidence
    scenario = synthetic_scenario()
    assert score_run(scenario, loaded) == score_run(scenario, evidence)


def test_streams_are_json_lines(tmp_path: Path) -> None:
    synthetic_evidence().save(tmp_path)
    lines = (tmp_path / "requests.jsonl").read_text().splitlines()
    assert len(lines) == 600
    assert json.loads(lines[0])["name"] == "GET /catalog"
    assert json.loads((tmp_path / "run.json").read_text())["aborted_reason"] is None


def test_missing_optional_files_become_gaps(tmp_path: Path) -> None:
    synthetic_evidence().save(tmp_path)
    (tmp_path / "requests.jsonl").unlink()
    (tmp_path / "metrics.jsonl").unlink()
    (tmp_path / "gaps.json").unlink()
    loaded = RunEvidence.load(tmp_path)
    assert loaded.requests == [] and loaded.metrics == []
    assert loaded.gaps == [
        Gap(source="requests", reason="requests.jsonl is missing from the run folder"),
        Gap(source="metrics", reason="metrics.jsonl is missing from the run folder"),
    ]
    card = score_run(synthetic_scenario(), loaded)
    assert card.verdict is Verdict.INCONCLUSIVE
    assert {s.verdict for s in card.scores} == {Verdict.INCONCLUSIVE}


def test_saved_gaps_come_back_first(tmp_path: Path) -> None:
    saved = Gap(source="traces", reason="the X-Ray daemon dropped segments")
    evidence = synthetic_evidence()
    replace(evidence, gaps=[saved]).save(tmp_path)
    (tmp_path / "events.jsonl").unlink()
    assert [g.source for g in RunEvidence.load(tmp_path).gaps] == ["traces", "events"]


def test_unreadable_lines_are_skipped_and_reported(tmp_path: Path) -> None:
    synthetic_evidence().save(tmp_path)
    with (tmp_path / "requests.jsonl").open("a") as handle:
        handle.write('{"t": 1.0, "name": "GET /"\n')  # cut off mid-record, as by SIGKILL
    loaded = RunEvidence.load(tmp_path)
    assert len(loaded.requests) == 600
    (gap,) = loaded.gaps
    assert gap.source == "requests"
    assert gap.reason.startswith("requests.jsonl: 1 unreadable line(s) skipped, first at line 601: ")


def test_a_folder_without_run_json_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a run folder"):
        RunEvidence.load(tmp_path)


def test_a_broken_run_json_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text('{"run_id": "x"}')
    with pytest.raises(InputError, match="missing scenario_name, target_name, started_at, ended_at"):
        RunEvidence.load(tmp_path)
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(InputError, match="not valid run JSON"):
        RunEvidence.load(tmp_path)


def test_saving_leaves_no_temporary_files(tmp_path: Path) -> None:
    synthetic_evidence().save(tmp_path)
    synthetic_evidence().save(tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_scaling_activities_round_trip(tmp_path: Path) -> None:
    activity = ScalingActivity(
        t=100.0, service="orders", status="Successful", description="Setting desired count to 6.", cause="x"
    )
    evidence = replace(synthetic_evidence(), scaling=[activity])
    evidence.save(tmp_path)
    assert (tmp_path / "scaling.jsonl").read_text().count("\n") == 1
    assert RunEvidence.load(tmp_path).scaling == [activity]


def _with_traces(tmp_path: Path, documents: list[dict[str, object]]) -> RunEvidence:
    evidence = replace(synthetic_evidence(), traces=documents)
    evidence.save(tmp_path)
    return evidence


def test_loaded_traces_are_read_from_the_file_each_time_and_equal_what_was_saved(tmp_path: Path) -> None:
    documents: list[dict[str, object]] = [
        {"id": f"{i:016x}", "name": "bff", "start_time": i} for i in range(5)
    ]
    _with_traces(tmp_path, documents)
    loaded = RunEvidence.load(tmp_path).traces
    assert isinstance(loaded, TraceDocuments)
    assert len(loaded) == 5 and loaded == documents and documents == loaded
    assert list(loaded) == list(loaded) == documents  # walked twice, same documents
    assert loaded[3] == documents[3] and loaded[-1] == documents[-1] and loaded[1:3] == documents[1:3]
    assert loaded != documents[:4]


def test_an_unreadable_trace_line_is_a_gap_and_the_others_are_kept(tmp_path: Path) -> None:
    _with_traces(tmp_path, [{"id": "a", "start_time": 1.0}, {"id": "b", "start_time": 2.0}])
    text = (tmp_path / "traces.jsonl").read_text()
    first, second = text.splitlines()
    (tmp_path / "traces.jsonl").write_text(f"{first}\n[1, 2]\n\n{{cut\n{second}\n")
    loaded = RunEvidence.load(tmp_path)
    assert [d["id"] for d in loaded.traces] == ["a", "b"]
    (gap,) = loaded.gaps
    assert gap.source == "traces"
    assert gap.reason == "traces.jsonl: 2 unreadable line(s) skipped, first at line 2: expected a JSON object"


def test_traces_changed_after_loading_are_refused_rather_than_misread(tmp_path: Path) -> None:
    _with_traces(tmp_path, [{"id": "a", "start_time": 1.0}])
    loaded = RunEvidence.load(tmp_path)
    (tmp_path / "traces.jsonl").write_text('{"id": "other", "start_time": 2.0, "name": "x"}\n')
    with pytest.raises(RuntimeError, match="changed since its run folder was loaded"):
        list(loaded.traces)


def test_a_loaded_run_saved_again_keeps_its_traces(tmp_path: Path) -> None:
    documents: list[dict[str, object]] = [{"id": "a", "start_time": 1.0, "subsegments": [{"id": "b"}]}]
    _with_traces(tmp_path, documents)
    RunEvidence.load(tmp_path).save(tmp_path)
    assert RunEvidence.load(tmp_path).traces == documents


def test_files_the_load_process_wrote_are_not_written_again(tmp_path: Path) -> None:
    evidence = synthetic_evidence()
    streamed = "".join(r.model_dump_json() + "\n" for r in evidence.requests)
    (tmp_path / RunFolder.REQUESTS).write_text(streamed)
    before = (tmp_path / RunFolder.REQUESTS).stat().st_mtime_ns
    evidence.save(tmp_path, written=frozenset({RunFolder.REQUESTS}))
    assert (tmp_path / RunFolder.REQUESTS).stat().st_mtime_ns == before
    assert RunEvidence.load(tmp_path) == evidence
