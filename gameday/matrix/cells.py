"""Judging a matrix run: each score of each run against the verdict its row expects.

Pure functions over scores, so the judging is tested without running a game day. A cell is one
score of one row (scenario × variant); it is right only when every repeat of the row gave the
expected verdict. A run that is INVALID or ABORTED, or that could not run at all, makes each cell
of its row wrong, whatever its scores: it proved nothing about the variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gameday.evidence.records import Score, Verdict
from gameday.matrix.model import Row, score_ref

_UNTRUSTED = (Verdict.INVALID, Verdict.ABORTED)
NO_SCORES = "(no scores)"


def score_key(score: Score) -> str:
    return f"{score.name}[{score.subject}]"


def expected_verdict(row: Row, score: Score) -> Verdict:
    """FAIL or INCONCLUSIVE when the row's list of that name names the score (by name, or name and
    subject), else PASS."""
    for verdict, entries in ((Verdict.FAIL, row.fail), (Verdict.INCONCLUSIVE, row.inconclusive)):
        for entry in entries:
            ref = score_ref(entry)
            if ref is not None and ref[0] == score.name and ref[1] in (None, score.subject):
                return verdict
    return Verdict.PASS


@dataclass(frozen=True)
class RunResult:
    """One game day of a row: its verdict and scores, or the reason it could not run."""

    row: Row
    attempt: int  # 1-based, up to row.repeat
    verdict: Verdict | None
    scores: tuple[Score, ...]
    seconds: float
    run_dir: str | None = None
    error: str | None = None

    @property
    def trusted(self) -> bool:
        return self.error is None and self.verdict not in _UNTRUSTED


@dataclass
class Cell:
    """One score of one row over its repeats: what each run said and whether all were right."""

    scenario: str
    variant: str
    score: str
    expected: Verdict
    seen: list[Verdict | None] = field(default_factory=list)  # None: not graded in that run
    values: list[float | None] = field(default_factory=list)
    whys: list[str] = field(default_factory=list)
    untrusted: list[str] = field(default_factory=list)  # runs that proved nothing, and why

    @property
    def right(self) -> bool:
        return not self.untrusted and all(verdict is self.expected for verdict in self.seen)

    def shown(self) -> str:
        """``PASS ✓``, ``FAIL 5/5 ✓``, ``PASS 4/5 FAIL 1/5 ✗``, or the run problem, e.g. ``INVALID ✗``."""
        mark = "✓" if self.right else "✗"
        if self.untrusted and not self.seen:
            return f"{self.untrusted[0].split(':')[0]} {mark}"
        names = [v.value if v is not None else "NOT GRADED" for v in self.seen]
        names += [u.split(":")[0] for u in self.untrusted]
        if len(names) == 1:
            return f"{names[0]} {mark}"
        counts = {name: names.count(name) for name in dict.fromkeys(names)}
        return " ".join(f"{name} {n}/{len(names)}" for name, n in counts.items()) + f" {mark}"


def judge(results: Sequence[RunResult], scenario_names: dict[str, str]) -> list[Cell]:
    """Every cell of every row in ``results``, in the order the scores first appear.

    ``scenario_names`` maps a row's scenario path (as written) to the scenario's name. A ``fail``
    or ``inconclusive`` entry that matches no score of any run of its row becomes a wrong cell of
    its own: a verdict that was expected and never graded.
    """
    cells: list[Cell] = []
    by_row: dict[tuple[str, str], list[RunResult]] = {}
    for result in results:
        by_row.setdefault((str(result.row.scenario), result.row.variant), []).append(result)
    for (scenario_path, variant), runs in by_row.items():
        scenario = scenario_names.get(scenario_path, scenario_path)
        row = runs[0].row
        keys = list(dict.fromkeys(score_key(s) for run in runs for s in run.scores))
        expected = {score_key(s): expected_verdict(row, s) for run in runs for s in run.scores}
        if not keys:  # no run graded anything: the row proves nothing, and says so in one wrong cell
            keys, expected = [NO_SCORES], {NO_SCORES: Verdict.PASS}
        row_cells = [Cell(scenario, variant, key, expected[key]) for key in keys]
        for verdict, entries in ((Verdict.FAIL, row.fail), (Verdict.INCONCLUSIVE, row.inconclusive)):
            for entry in entries:
                ref = score_ref(entry)
                if ref is not None and not any(_matches(ref, key) for key in keys):
                    row_cells.append(Cell(scenario, variant, entry, verdict))
        for run in runs:
            graded = {score_key(s): s for s in run.scores}
            for cell in row_cells:
                if not run.trusted:
                    cell.untrusted.append(_untrusted_reason(run))
                    continue
                score = graded.get(cell.score)
                cell.seen.append(score.verdict if score is not None else None)
                cell.values.append(score.value if score is not None else None)
                cell.whys.append(score.why if score is not None else "not graded in this run")
        cells.extend(row_cells)
    return cells


def _matches(ref: tuple[str, str | None], key: str) -> bool:
    name, subject = ref
    return key == f"{name}[{subject}]" if subject is not None else key.startswith(f"{name}[")


def _untrusted_reason(run: RunResult) -> str:
    if run.error is not None:
        return f"ERROR: {run.error}"
    assert run.verdict is not None
    return f"{run.verdict.value}: run {run.run_dir}"
