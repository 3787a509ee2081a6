"""gameday's public Python API: run a game day, or score a run folder again, and assert on the result.

This is the surface tests and scripts build on; the modules behind it may change, these names and
signatures keep their meaning::

    from gameday import api

    result = api.run("scenarios/ci-orders-kill-one.yaml", target="local")
    assert result.verdict is api.Verdict.PASS, result.table
    assert result.score("availability", phase="fault").value >= 0.95

Bad input (a scenario, targets file, target or variant that is wrong) raises
:class:`gameday.errors.InputError`, a :class:`gameday.errors.GamedayError` whose message is the
same one line per problem the CLI prints; a machine that cannot run the game day raises another
``GamedayError``. A run that happened returns a :class:`RunResult` whatever its verdict: FAIL is
an answer, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gameday.errors import GamedayError, InputError
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score, Verdict
from gameday.packaged import find_scenario
from gameday.reporting import verdict_table, write_reports
from gameday.run.delivered import run_delivered
from gameday.runfolder import RunFolder
from gameday.scenario import load_scenario
from gameday.scoring import ScoreCard, score_run

__all__ = ["GamedayError", "InputError", "RunResult", "Score", "ScoreNotFound", "Verdict", "report", "run"]


class ScoreNotFound(KeyError):
    """:meth:`RunResult.score` found no score, or several, for the name and subject asked for.

    A KeyError, so ``except KeyError`` works; its message names the scores the run has.
    """

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


@dataclass(frozen=True)
class RunResult:
    """The outcome of one game day: its verdict, where its run folder is and every score behind it."""

    verdict: Verdict
    """PASS, FAIL, INCONCLUSIVE, INVALID (a fault did not land) or ABORTED (a guardrail stopped it)."""
    reason: str
    """The verdict's one-line reason, e.g. ``1 of 4 scores failed: availability[phase:fault]: …``."""
    run_dir: Path
    """The run folder: scenario, plan, ledger, evidence, scores.json and the reports."""
    resilience: float | None
    """The 0-100 resilience score; None when the run cannot be trusted or nothing was graded."""
    scores: tuple[Score, ...]
    """Every score the run's expectations produced."""
    table: str
    """The verdict table as ``gameday run`` prints it: handy as an assertion message."""

    def score(self, name: str, **subject: str) -> Score:
        """The one score called ``name`` whose subject matches, e.g. ``score("availability", phase="fault")``.

        Subjects are ``kind:value`` strings (``phase:fault``, ``service:orders``,
        ``dependency:catalog``); each keyword is one such pair. With no keyword the name alone must
        be unique. Raises :class:`ScoreNotFound` (a KeyError) naming the scores the run has when
        none or several match, so a typo in a test says what to write instead.
        """
        wanted = {f"{kind}:{value}" for kind, value in subject.items()}
        found = [s for s in self.scores if s.name == name and wanted <= set(s.subject.split(","))]
        if len(found) == 1:
            return found[0]
        asked = f"{name}[{','.join(sorted(wanted))}]" if wanted else name
        have = ", ".join(f"{s.name}[{s.subject}]" for s in self.scores) or "none"
        problem = "no score matches" if not found else f"{len(found)} scores match"
        raise ScoreNotFound(f"{problem} {asked}; this run's scores: {have}")

    @classmethod
    def from_card(cls, run_dir: Path, card: ScoreCard) -> RunResult:
        """The result of a scored run; the score card itself stays internal, so this surface can stay put."""
        return cls(
            verdict=card.verdict,
            reason=card.reason,
            run_dir=run_dir,
            resilience=card.resilience.value,
            scores=tuple(card.scores),
            table=verdict_table(card),
        )


def run(
    scenario: str | Path,
    target: str = "local",
    variant: str | None = None,
    reports: str | Path = "reports",
    targets: str | Path = "targets.yaml",
    local_reports: str | Path = "reports",
) -> RunResult:
    """Run one game day, as ``gameday run SCENARIO --target TARGET`` does, and return its result.

    ``scenario`` is a scenario file, or the name of one in the catalogue (``gameday scenarios``)
    when no such file is here; ``target`` a name in the ``targets`` file (``local`` starts
    localcloud when it is not running); ``variant`` a shop variant for a localcloud target;
    ``reports`` the folder the run folder goes under (``reports/runs/<time>-<name>/``, with
    ``reports/latest`` pointing at it), or ``s3://bucket/prefix`` to put it in S3 with its local
    copy under ``local_reports``. Relative paths are taken from the working directory.
    Everything is checked before a run folder exists, so bad input leaves nothing behind.
    """
    scenario_path = find_scenario(Path(scenario))
    delivered = run_delivered(scenario_path, target, Path(targets), reports, Path(local_reports), variant)
    return RunResult.from_card(delivered.outcome.run_dir, delivered.outcome.card)


def report(run_dir: str | Path) -> RunResult:
    """Score a run folder again from its saved evidence alone and rewrite its reports.

    What ``gameday report RUN`` does: useful after changing a scenario's thresholds in the run
    folder's scenario.yaml, or after upgrading gameday's scorers. A folder that is not a run folder
    raises :class:`InputError`.
    """
    folder = Path(run_dir)
    scenario_file = RunFolder(folder).scenario
    if not scenario_file.exists():
        raise InputError(f"{folder}: not a run folder (no scenario.yaml)")
    scenario = load_scenario(scenario_file, check_files=False)
    evidence = RunEvidence.load(folder)
    card = score_run(scenario, evidence)
    write_reports(folder, scenario, evidence, card)
    return RunResult.from_card(folder, card)
