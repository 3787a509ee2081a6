"""JSON input files keep the line of every field, whatever characters their strings hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gameday.errors import InputError
from gameday.jsonfile import read_json


def test_an_escaped_character_beyond_the_bmp_keeps_every_line(tmp_path: Path) -> None:
    # json.dumps writes an emoji as a surrogate pair escape, as tools saving templates do
    path = tmp_path / "t.json"
    text = json.dumps({"description": "🔥 zone down", "actions": {"a": {"actionId": "x"}}}, indent=2)
    assert "\\ud83d\\udd25" in text
    path.write_text(text, encoding="utf-8")
    data, lines = read_json(path)
    assert data["description"] == "🔥 zone down"
    assert lines[("description",)] == 2 and lines[("actions", "a", "actionId")] == 5


def test_an_escaped_backslash_before_u_is_left_as_text(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{\n  "a": "\\\\ud83d\\\\udd25"\n}', encoding="utf-8")
    data, lines = read_json(path)
    assert data == {"a": "\\ud83d\\udd25"} and lines[("a",)] == 2


def test_a_key_given_twice_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{\n  "a": 1,\n  "a": 2\n}', encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_json(path)
    (problem,) = raised.value.problems
    assert problem.line == 3 and "a" in problem.message
