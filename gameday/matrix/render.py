"""The matrix for people and machines: a terminal table and a Markdown one per scenario (scores down,
variants across, each cell the verdict seen and ✓ or ✗ against the expectation), and matrix.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gameday.matrix.cells import Cell, RunResult

EMPTY = "–"


def _grids(cells: Sequence[Cell]) -> dict[str, tuple[list[str], list[str], dict[tuple[str, str], Cell]]]:
    """Per scenario: its scores (rows), its variants (columns) and the cell at each crossing."""
    grids: dict[str, tuple[list[str], list[str], dict[tuple[str, str], Cell]]] = {}
    for cell in cells:
        scores, variants, at = grids.setdefault(cell.scenario, ([], [], {}))
        if cell.score not in scores:
            scores.append(cell.score)
        if cell.variant not in variants:
            variants.append(cell.variant)
        at[(cell.score, cell.variant)] = cell
    return grids


def _table(
    scenario: str, scores: list[str], variants: list[str], at: dict[tuple[str, str], Cell]
) -> list[list[str]]:
    rows = [[scenario, *variants]]
    for score in scores:
        rows.append([score, *(at[(score, v)].shown() if (score, v) in at else EMPTY for v in variants)])
    return rows


def text_table(cells: Sequence[Cell]) -> str:
    """Aligned plain text, one block per scenario, then every wrong cell with why."""
    blocks = []
    for scenario, (scores, variants, at) in _grids(cells).items():
        rows = _table(scenario, scores, variants, at)
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        blocks.append(
            "\n".join(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
            )
        )
    wrong = [cell for cell in cells if not cell.right]
    if wrong:
        lines = ["wrong cells:"]
        for cell in wrong:
            lines.append(
                f"  {cell.scenario} as '{cell.variant}': {cell.score} expected {cell.expected.value}, "
                f"saw {cell.shown()[:-2]}: {_why(cell)}"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _why(cell: Cell) -> str:
    if cell.untrusted:
        return cell.untrusted[0]
    wrong = [why for verdict, why in zip(cell.seen, cell.whys, strict=True) if verdict is not cell.expected]
    return wrong[0] if wrong else ""


def markdown_table(cells: Sequence[Cell], heading: str) -> str:
    parts = [f"# {heading}", ""]
    for scenario, (scores, variants, at) in _grids(cells).items():
        rows = _table(scenario, scores, variants, at)
        parts.append(f"## {scenario}")
        parts.append("")
        parts.append("| score | " + " | ".join(rows[0][1:]) + " |")
        parts.append("|---" * len(rows[0]) + "|")
        parts.extend("| " + " | ".join(row) + " |" for row in rows[1:])
        parts.append("")
    wrong = sum(1 for cell in cells if not cell.right)
    parts.append(f"{len(cells) - wrong} of {len(cells)} cells right.")
    return "\n".join(parts) + "\n"


def matrix_json(
    matrix_path: Path, reduced: bool, results: Sequence[RunResult], cells: Sequence[Cell], seconds: float
) -> dict[str, Any]:
    return {
        "matrix": str(matrix_path),
        "reduced": reduced,
        "right": all(cell.right for cell in cells),
        "seconds": round(seconds, 1),
        "cells": [
            {
                "scenario": cell.scenario,
                "variant": cell.variant,
                "score": cell.score,
                "expected": cell.expected.value,
                "seen": [v.value if v is not None else None for v in cell.seen],
                "values": cell.values,
                "untrusted": cell.untrusted,
                "right": cell.right,
            }
            for cell in cells
        ],
        "runs": [
            {
                "scenario": str(result.row.scenario),
                "variant": result.row.variant,
                "attempt": result.attempt,
                "verdict": result.verdict.value if result.verdict is not None else None,
                "error": result.error,
                "seconds": round(result.seconds, 1),
                "run_dir": result.run_dir,
            }
            for result in results
        ],
    }


def write_results(reports: Path, document: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    reports.mkdir(parents=True, exist_ok=True)
    json_path, md_path = reports / "matrix.json", reports / "matrix.md"
    json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown, encoding="utf-8")
    return json_path, md_path
