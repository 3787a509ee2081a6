"""``gameday matrix``: run a verdict matrix and say whether every score told the truth."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from gameday.matrix.cells import judge
from gameday.matrix.model import load_matrix
from gameday.matrix.render import markdown_table, matrix_json, text_table, write_results
from gameday.matrix.runner import check_target, run_matrix
from gameday.targets import load_target


def _say(line: str) -> None:
    print(f"[matrix] {line}", file=sys.stderr, flush=True)


def matrix(path: Path, reduced: bool, target_name: str, targets_path: Path, reports: Path) -> int:
    """Exit 0 only when every cell is right, 1 when any is wrong (2 for bad input, as ever)."""
    loaded = load_matrix(path)
    rows = loaded.selected(reduced)
    if not rows:
        _say(f"{path} has no rows marked reduced: true; nothing to run")
        return 1
    target = check_target(load_target(targets_path, target_name), target_name, loaded, rows)
    runs = sum(row.repeat for row in rows)
    kind = "reduced matrix" if reduced else "matrix"
    _say(f"{kind} {path}: {len(rows)} rows, {runs} game days, reports in {reports}")
    started = time.monotonic()
    results = run_matrix(loaded, rows, target_name, target, reports, _say)
    seconds = time.monotonic() - started
    names = {str(row.scenario): loaded.scenarios[loaded.scenario_path(row)].name for row in rows}
    cells = judge(results, names)
    document = matrix_json(path, reduced, results, cells, seconds)
    json_path, _ = write_results(reports, document, markdown_table(cells, f"Verdict {kind}: {path}"))
    print(text_table(cells))
    wrong = sum(1 for cell in cells if not cell.right)
    verdict = "every cell right" if not wrong else f"{wrong} of {len(cells)} cells wrong"
    print(f"\n{kind}: {verdict} ({runs} game days in {seconds / 60:.1f} min); {json_path}")
    return 0 if not wrong else 1
