"""Each scenario's runs over time: every score's values, the verdict streak, and regressions.

A regression is what a team wants flagged before anyone reads a chart:

* a score that passed in each of the last ``streak`` runs before the newest, and does not pass now;
* a value that drifted past its own spread: the newest value is worse than the mean of the runs
  before it by more than ``DRIFT_SIGMAS`` times their standard deviation (at least ``MIN_SPREAD``
  of the mean, so a value that never moved does not flag on noise), judged once there are
  ``MIN_HISTORY`` earlier values. "Worse" follows the score's comparator: up for a ``<=`` score.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from gameday.evidence.records import Verdict
from gameday.history.runs import PastRun, score_key
from gameday.scoring.text import value_with_unit

STREAK = 3  # passes in a row that make a failure now a regression
DRIFT_SIGMAS = 3.0
MIN_SPREAD = 0.05  # of the mean's size: the least spread a drift is measured against
MIN_HISTORY = 5


@dataclass(frozen=True)
class Point:
    run: PastRun
    value: float | None
    verdict: Verdict


@dataclass(frozen=True)
class ScoreTrend:
    key: str  # name[subject]
    unit: str
    comparator: str
    threshold: float | None  # the newest run's
    points: list[Point]  # oldest first, only runs that graded this score

    def streak(self) -> tuple[Verdict, int]:
        return _streak([p.verdict for p in self.points])


@dataclass(frozen=True)
class ScenarioHistory:
    scenario: str
    runs: list[PastRun]  # oldest first
    trends: list[ScoreTrend]
    regressions: list[str]

    def streak(self) -> tuple[Verdict, int]:
        return _streak([r.verdict for r in self.runs])


def histories(runs: list[PastRun], streak: int = STREAK) -> list[ScenarioHistory]:
    """One history per scenario (by name), from runs oldest first."""
    by_scenario: dict[str, list[PastRun]] = {}
    for run in runs:
        by_scenario.setdefault(run.scenario, []).append(run)
    return [_history(name, mine, streak) for name, mine in sorted(by_scenario.items())]


def _history(scenario: str, runs: list[PastRun], streak: int) -> ScenarioHistory:
    keys: dict[str, None] = {}
    for run in runs:
        keys.update((score_key(s), None) for s in run.scores)
    trends = []
    for key in keys:
        points = [Point(r, s.value, s.verdict) for r in runs if (s := r.score(key)) is not None]
        newest = next(s for r in reversed(runs) if (s := r.score(key)) is not None)
        trends.append(ScoreTrend(key, newest.unit, newest.comparator, newest.threshold, points))
    regressions = [flag for trend in trends if (flag := regression(trend, runs[-1], streak)) is not None]
    return ScenarioHistory(scenario, runs, trends, regressions)


def regression(trend: ScoreTrend, newest: PastRun, streak: int = STREAK) -> str | None:
    """Why the newest run's value of this score is a regression, or None."""
    if not trend.points or trend.points[-1].run.run_id != newest.run_id:
        return None  # the newest run did not grade it
    now, before = trend.points[-1], trend.points[:-1]
    shown = value_with_unit(now.value, trend.unit)
    held = len(before) >= streak and all(p.verdict is Verdict.PASS for p in before[-streak:])
    if now.verdict is not Verdict.PASS and held:
        value = "" if now.value is None else f" ({shown})"
        return f"{trend.key} passed in the {streak} runs before and is {now.verdict.value} now{value}"
    values = [p.value for p in before if p.value is not None]
    if now.value is None or len(values) < MIN_HISTORY:
        return None
    mean = statistics.fmean(values)
    spread = max(statistics.pstdev(values), MIN_SPREAD * abs(mean), 1e-9)
    worse = now.value - mean if trend.comparator == "<=" else mean - now.value
    if worse > DRIFT_SIGMAS * spread:
        usual = f"{value_with_unit(mean, trend.unit)} ± {value_with_unit(spread, trend.unit)}"
        return f"{trend.key} drifted to {shown}, past its usual {usual} over {len(values)} runs"
    return None


def _streak(verdicts: list[Verdict]) -> tuple[Verdict, int]:
    if not verdicts:
        return Verdict.INCONCLUSIVE, 0
    last, n = verdicts[-1], 0
    for verdict in reversed(verdicts):
        if verdict is not last:
            break
        n += 1
    return last, n
