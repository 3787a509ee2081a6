"""reports/bench.json is shared by several benchmarks: a merge must keep what it does not own."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.results import BenchFileCorrupt, machine_facts, merge_results


def test_merge_keeps_keys_it_does_not_own(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"other_issue_ms": 7, "localcloud_up_s": 9.9}))
    merged = merge_results(path, {"localcloud_up_s": 3.5, "proxy_added_latency_p50_ms": 0.1})
    assert merged == {"other_issue_ms": 7, "localcloud_up_s": 3.5, "proxy_added_latency_p50_ms": 0.1}
    assert json.loads(path.read_text()) == merged


def test_notes_of_other_benchmarks_survive(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"notes": {"theirs": "a", "mine": "old"}}))
    merged = merge_results(path, {"notes": {"mine": "new"}})
    assert merged["notes"] == {"theirs": "a", "mine": "new"}


def test_a_missing_file_and_folder_are_created(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "bench.json"
    merge_results(path, {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}
    assert os.listdir(path.parent) == ["bench.json"]  # no temporary file left behind


def test_unreadable_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    path.write_text("{not json")
    with pytest.raises(BenchFileCorrupt):
        merge_results(path, {"a": 1})
    assert path.read_text() == "{not json"


def test_a_failed_write_keeps_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"kept": True}))

    def refuse(_src: str, _dst: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        merge_results(path, {"a": 1})
    assert json.loads(path.read_text()) == {"kept": True}
    assert os.listdir(tmp_path) == ["bench.json"]


def test_machine_facts_name_the_machine() -> None:
    facts = machine_facts()
    assert facts["cpu_count"] == os.cpu_count()
    assert facts["python"].count(".") == 2
    assert facts["load_average_1m"] >= 0
    assert "T" in facts["measured_at"]
