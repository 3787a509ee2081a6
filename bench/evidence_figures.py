"""The evidence benchmarks of ``make bench``: scoring 100k traces, and collecting 10k from X-Ray.

Neither needs localcloud; they run after it is stopped, so they do not share the two cores with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.scoring_scale import figures as scoring_figures
from bench.scoring_scale import scoring_at_scale
from bench.xray_collect import figures as xray_figures
from bench.xray_collect import gameday_collection, naive_collection


def evidence_figures(scratch: Path) -> dict[str, Any]:
    """Both benchmarks' keys, their notes and details merged, ready for ``merge_results``."""
    scoring = scoring_figures(scoring_at_scale(scratch))
    xray = xray_figures(gameday_collection(), naive_collection())
    merged: dict[str, Any] = {**scoring, **xray}
    for nested in ("notes", "details"):
        merged[nested] = {**scoring[nested], **xray[nested]}
    return merged


def evidence_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """Rows of the bench table."""
    return [
        ("scoring 100k traces", f"{figures['scoring_100k_traces_s']} s"),
        ("scoring 100k peak RSS", f"{figures['scoring_100k_peak_mb']} MB"),
        ("X-Ray collect 10k", f"{figures['xray_collect_10k_s']} s"),
        ("X-Ray collect 10k, naive", f"{figures['xray_collect_naive_10k_s']} s"),
        ("X-Ray collect speed-up", f"{figures['xray_collect_speedup']}x"),
    ]
