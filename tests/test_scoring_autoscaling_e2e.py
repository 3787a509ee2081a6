"""The bff-load-surge game day on the real shop: the surge really scales bff out, the evidence
shows it the same way three times over (metrics, scaling activities, chart), and the scaling
scores are measured on it. Times are not asserted here: how fast is the scenario's own question,
answered by its thresholds in real runs; this test checks that the answer rests on real evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Verdict
from gameday.localcloud.launcher import RunningLocalcloud
from gameday.run.orchestrator import run_game_day
from gameday.scoring.task_counts import task_counts
from gameday.targets import LocalTarget

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e


def test_a_load_surge_scales_bff_out_and_the_scaling_scores_measure_it(
    shop: RunningLocalcloud, shop_stack: Path, tmp_path: Path
) -> None:
    target = LocalTarget(kind="localcloud", stack=shop_stack, control_url=shop.client.base_url)

    outcome = run_game_day(ROOT / "scenarios" / "bff-load-surge.yaml", "local", target, tmp_path / "reports")

    evidence = RunEvidence.load(outcome.run_dir)
    (fault,) = evidence.faults
    assert fault.landed and fault.injected_at is not None, fault.detail
    counts = task_counts(evidence.metrics, "bff")
    before = {c.desired for c in counts if c.t < fault.injected_at}
    assert before == {2.0}  # the baseline's 4 shoppers need no more than the min
    assert max(c.desired for c in counts) > 2 and max(c.running for c in counts) > 2
    assert max(c.desired for c in counts) <= 4  # never above the stack's max
    outs = [a for a in evidence.scaling if a.service == "bff" and "AlarmHigh" in a.cause]
    assert outs and outs[0].t >= fault.injected_at
    assert all(a.status in {"Successful", "Overridden", "InProgress"} for a in outs)

    scores = {s.name: s for s in outcome.card.scores}
    for name in ("scaling_reaction_s", "scaling_completion_s", "slo_during_scaling"):
        score = scores[name]
        assert score.value is not None and score.verdict is not Verdict.INCONCLUSIVE, score.why
    slo = scores["slo_during_scaling"]
    assert slo.window_start == pytest.approx(fault.injected_at)
    done = [c for c in counts if c.t >= slo.window_end]
    assert done and done[0].running == done[0].desired > 2  # the window closes once the new tasks run
    assert slo.value is not None and slo.value >= 0.99  # scaling out cost shoppers nothing
    assert (outcome.run_dir / "charts" / "tasks.png").stat().st_size > 0
