"""Score plugins as a team installs them: a real distribution beside gameday, seen by a fresh
gameday process. A broken one is one line and exit 2, never a traceback; a working one is
validated and graded like gameday's own scores (the README's example, run as written)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from plugin_dist import env_with, score_kind_module, write_distribution

from gameday.plugins import SCORES_GROUP

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "scenarios" / "ci-orders-kill-one.yaml"
BROKEN_POINT = "entry point 'broken = acme_broken:KIND' of acme-broken"

GRADE = """
import sys
from pathlib import Path
from gameday.scenario import load_scenario
from gameday.scoring import score_run
from gameday.scoring.testing import synthetic_evidence
for score in score_run(load_scenario(Path(sys.argv[1])), synthetic_evidence()).scores:
    print(score.name, score.subject, score.value, score.verdict.value, score.why, sep="|")
"""
"""Grades a scenario file on the synthetic run (10 of the fault phase's 200 requests fail)."""


def _python(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env_with(site), capture_output=True, text=True, timeout=120
    )


def _scenario(path: Path, expect: list[dict[str, object]]) -> Path:
    document = yaml.safe_load(GOOD.read_text())
    document["expect"] = expect
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "import acme_missing_dependency\n",
            f"cannot load {BROKEN_POINT}: ModuleNotFoundError: No module named 'acme_missing_dependency'",
        ),
        ("KIND = 'failed_requests'\n", f"{BROKEN_POINT} is a str, not a ScoreKind"),
        (
            score_kind_module("Loose", "0.5"),
            f"cannot load {BROKEN_POINT}: TypeError: Loose.score must be a Literal of score names, "
            "e.g. score: Literal['queue_drain_s']",
        ),
        (
            score_kind_module("Mine", "'drain_s', 'availability'"),
            "score 'availability' is claimed by entry point "
            f"'availability = gameday.scoring.availability:AVAILABILITY' of gameday and by {BROKEN_POINT}",
        ),
    ],
    ids=["import-error", "not-a-kind", "bad-model", "name-taken"],
)
def test_a_broken_plugin_is_one_line_and_exit_2(tmp_path: Path, source: str, message: str) -> None:
    site = write_distribution(
        tmp_path, "acme-broken", {SCORES_GROUP: {"broken": "acme_broken:KIND"}}, {"acme_broken": source}
    )
    result = _python(site, "-m", "gameday.cli", "validate", str(GOOD))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"gameday: {SCORES_GROUP}: {message}\n"


def _readme_block(language: str) -> str:
    section = (ROOT / "README.md").read_text().split("### Write your own score\n", 1)[1].split("\n### ", 1)[0]
    (block,) = re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)
    return block


@pytest.fixture(scope="module")
def readme_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's example score, installed as the README says."""
    entry_points = tomllib.loads(_readme_block("toml"))["project"]["entry-points"]
    site = tmp_path_factory.mktemp("site")
    return write_distribution(site, "acme-scores", entry_points, {"acme_scores": _readme_block("python")})


def test_the_readme_example_score_is_graded_in_a_scenario(readme_plugin: Path, tmp_path: Path) -> None:
    (example,) = yaml.safe_load(_readme_block("yaml"))["expect"]
    stricter = {**example, "max": 9}
    path = _scenario(tmp_path / "scenario.yaml", [example, stricter, {"score": "availability", "min": 0.9}])
    assert _python(readme_plugin, "-m", "gameday.cli", "validate", str(path)).returncode == 0
    graded = _python(readme_plugin, "-c", GRADE, str(path))
    assert graded.stderr == ""
    assert graded.stdout.splitlines() == [
        "failed_requests|phase:fault|10.0|PASS|10 of 200 requests failed during fault",
        "failed_requests|phase:fault|10.0|FAIL|10 of 200 requests failed during fault",
        "availability|phase:all|0.9833333333333333|PASS|"
        "98.3% of 600 requests succeeded over the whole run (need ≥ 90.0%)",
    ]


def test_a_plugin_scores_fields_are_validated_with_their_line(readme_plugin: Path, tmp_path: Path) -> None:
    expect: list[dict[str, object]] = [
        {"score": "failed_requests", "phase": "later", "max": 1},
        {"score": "failed_request"},
    ]
    path = _scenario(tmp_path / "scenario.yaml", expect)
    result = _python(readme_plugin, "-m", "gameday.cli", "validate", str(path))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert re.fullmatch(
        rf"{re.escape(str(path))}:\d+: expect\[0\]\.phase: Input should be 'baseline', 'fault' or 'recovery'",
        lines[0],
    )
    assert re.fullmatch(
        rf"{re.escape(str(path))}:\d+: expect\[1\]\.score: 'failed_request' is not one of: .*", lines[1]
    )
    assert "failed_requests" in lines[1].split("is not one of: ")[1].split(", ")
