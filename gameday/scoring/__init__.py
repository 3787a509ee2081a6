"""Scoring: evidence in, verdicts out, as pure functions that never ask which backend ran.

``score_run(scenario, evidence)`` builds one scorer per expectation (see :mod:`.registry`), grades
the evidence and combines the scores into a :class:`ScoreCard`.
"""

from gameday.scoring.card import ScoreCard, score_run

__all__ = ["ScoreCard", "score_run"]
