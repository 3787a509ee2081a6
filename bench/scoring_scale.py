"""Benchmark: score a run of 100k traces from its folder, as ``gameday report RUN`` does.

The run folder is synthetic (see :mod:`bench.synthetic_run`) and scored in a fresh interpreter,
so the figures hold what a user waits for and the memory the whole report needs: imports,
reading every file, scoring, and writing the reports. The child measures its own peak RSS
(``RUSAGE_SELF``): ``RUSAGE_CHILDREN`` would be the largest of every child the benchmark ever
waited for, localcloud included.

``python -m bench.scoring_scale RUN_DIR`` is that child; it prints one JSON line of its figures.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.synthetic_run import SyntheticRun, write_synthetic_run

TRACES = 100_000


@dataclass(frozen=True)
class ScoringRun:
    """What scoring one synthetic run folder took, with the size of the folder."""

    run: SyntheticRun
    wall_s: float  # the whole child process, interpreter start-up included
    peak_mb: float
    phases_s: dict[str, float]  # load / score / write, inside the child
    verdict: str


def scoring_at_scale(scratch: Path, traces: int = TRACES) -> ScoringRun:
    """Write a synthetic run of ``traces`` traces under ``scratch`` and score it in a fresh process."""
    run_dir = scratch / "scoring-scale"
    run = write_synthetic_run(run_dir, traces)
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-m", "bench.scoring_scale", str(run_dir)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(f"scoring the synthetic run failed:\n{finished.stderr[-2000:]}")
    child = json.loads(finished.stdout.strip().splitlines()[-1])
    return ScoringRun(run, round(wall, 2), child["peak_mb"], child["phases_s"], child["verdict"])


def figures(result: ScoringRun) -> dict[str, Any]:
    """The keys merged into reports/bench.json."""
    return {
        "scoring_100k_traces_s": result.wall_s,
        "scoring_100k_peak_mb": result.peak_mb,
        "notes": {
            "scoring_100k": (
                "gameday report on a synthetic run folder (bench/synthetic_run.py: bff → catalog/orders "
                "with retries, a catalog error fault and a blackholed orders path with its breaker), "
                "in a fresh interpreter: wall time of the whole process and its peak RSS"
            )
        },
        "details": {
            "scoring_100k": {**asdict(result.run), "phases_s": result.phases_s, "verdict": result.verdict}
        },
    }


def _score_folder(run_dir: Path) -> dict[str, object]:
    """The steps of ``gameday report RUN``, timed one by one."""
    from gameday.evidence.bundle import RunEvidence
    from gameday.reporting import verdict_table, write_reports
    from gameday.scenario import load_scenario
    from gameday.scoring import score_run

    marks = [time.perf_counter()]
    scenario = load_scenario(run_dir / "scenario.yaml", check_files=False)
    evidence = RunEvidence.load(run_dir)
    marks.append(time.perf_counter())
    card = score_run(scenario, evidence)
    marks.append(time.perf_counter())
    with contextlib.redirect_stdout(io.StringIO()):
        write_reports(run_dir, scenario, evidence, card)
        print(verdict_table(card))
    marks.append(time.perf_counter())
    took = [round(b - a, 2) for a, b in itertools.pairwise(marks)]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {
        "peak_mb": round(peak_kb / 1024, 1),
        "phases_s": dict(zip(("load", "score", "write"), took, strict=True)),
        "verdict": card.verdict.value,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 1:
        print(json.dumps(_score_folder(Path(args[0]))))
        return 0
    traces = int(args[1]) if len(args) == 2 and args[0] == "--traces" else TRACES
    with tempfile.TemporaryDirectory(prefix="bench-scoring-") as scratch:
        print(json.dumps(figures(scoring_at_scale(Path(scratch), traces)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
