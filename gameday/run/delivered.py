"""A checked run whose folder reaches where the user asked, and whose result reaches its topic.

``gameday run``, the scheduled runner and :func:`gameday.api.run` all end a run this way: the run
folder goes to the reports location (a local folder, or S3 with a local copy) and an AWS target's
``results_topic_arn`` hears the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gameday.notify import publish_result
from gameday.run.checked import run_checked
from gameday.run.orchestrator import RunOutcome
from gameday.s3reports.destination import Destination, reports_destination
from gameday.scenario import load_scenario
from gameday.targets import AwsTarget, load_target
from loadprofiles.config import WorkerOptions


@dataclass(frozen=True)
class DeliveredRun:
    outcome: RunOutcome
    destination: Destination

    @property
    def where(self) -> str:
        """The run folder as the user will look for it: its S3 URL once uploaded, else the local path."""
        return self.destination.url or str(self.outcome.run_dir)


def run_delivered(
    scenario_path: Path,
    target_name: str,
    targets_path: Path,
    reports: str | Path,
    local_reports: Path = Path("reports"),
    variant: str | None = None,
    workers: WorkerOptions | None = None,
) -> DeliveredRun:
    """Run the game day into ``reports`` (``s3://…`` keeps its local copy under ``local_reports``)."""
    load_scenario(scenario_path)  # bad input is reported before the bucket or the target is touched
    with reports_destination(reports, local_reports) as destination:
        outcome = run_checked(scenario_path, target_name, targets_path, destination.local, variant, workers)
    delivered = DeliveredRun(outcome, destination)
    target = load_target(targets_path, target_name)
    if isinstance(target, AwsTarget):
        name = load_scenario(scenario_path).name
        publish_result(target, target_name, name, outcome.card.verdict, outcome.run_dir, delivered.where)
    return delivered
