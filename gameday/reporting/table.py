"""The verdict table for the terminal: plain aligned text, so it reads in a CI log and a pipe alike."""

from __future__ import annotations

from gameday.reporting.view import score_row
from gameday.scoring import ScoreCard

HEADER = ("VERDICT", "SCORE", "SUBJECT", "VALUE", "THRESHOLD", "WHY")


def verdict_table(card: ScoreCard) -> str:
    """One line per score, columns aligned, the why last (it is long and needs no alignment).

    The overall verdict, the resilience score and its weights close the table so ``gameday run``
    and ``gameday report`` need print nothing else for a reader to know how the run went.
    """
    rows = [HEADER]
    for score in card.scores:
        row = score_row(score)
        rows.append((row.verdict, row.score, row.subject, row.value, row.threshold, row.why))
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER) - 1)]
    lines = [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]])
        for row in rows
    ]
    if not card.scores:
        lines.append("(no scores)")
    lines.append("")
    lines.append(f"overall: {card.verdict.value} — {card.reason}")
    lines.append(f"resilience: {card.resilience.shown()} — {card.resilience.why}")
    lines.append(f"weights: {card.resilience.weights_text()}")
    return "\n".join(lines)
