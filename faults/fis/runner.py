"""One FIS experiment as a fault: create the template, start it, follow it, stop it, delete it.

The template and the experiment carry the run's tags and a client token derived from the run and
fault ids, so the revert plan written before inject is enough to find both again from the ledger
(``list_experiment_templates`` by tags, then ``list_experiments`` by template id). The fault lands
only when an action that harms began on resources FIS resolved (:mod:`faults.fis.landing`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from faults.api_change import AwsClients, call
from faults.aws_calls import aws_call
from faults.base import FaultNotLanded, InjectOutcome
from faults.fis.landing import (
    TERMINAL,
    Experiment,
    ResolvedTarget,
    decided,
    harm_started,
    landed,
    not_landed,
    status,
    why_no_harm,
)
from faults.fis.parts import EMPTY_TARGETS_TAG, Template
from gameday.aws_session import describe_error
from gameday.errors import GamedayError
from gameday.processes import wait_until

REVERT_ACTION = "fis-experiment"
DEFAULT_START_TIMEOUT_S = 180.0  # FIS spends tens of seconds initiating (target resolution, SSM)
DEFAULT_STOP_TIMEOUT_S = 120.0
DEFAULT_POLL_S = 5.0


class FisRevertFailed(GamedayError):
    """The experiment could not be stopped in time; the fault stays open."""


def client_token(run_id: str, fault_id: str, step: str) -> str:
    """A stable idempotency token, so a retried create or start never makes a second one."""
    return f"gameday-{run_id}-{fault_id}-{step}"[:1024]


class FisExperimentInjector:
    """Runs ``template`` (a CreateExperimentTemplate input with the run's tags) as one fault."""

    def __init__(
        self,
        template: Template,
        fis: BaseClient,
        *,
        fault_id: str,
        run_id: str,
        summary: str,
        poll_interval_s: float = DEFAULT_POLL_S,
        start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
        stop_timeout_s: float = DEFAULT_STOP_TIMEOUT_S,
    ) -> None:
        self.fault_id = fault_id
        self._template = template
        self._fis = fis
        self._run_id = run_id
        self._summary = summary
        self._poll_interval_s = poll_interval_s
        self._start_timeout_s = start_timeout_s
        self._stop_timeout_s = stop_timeout_s
        self._template_id: str | None = None
        self._experiment_id: str | None = None

    @property
    def template(self) -> Template:
        return self._template

    def describe(self) -> str:
        return f"{self._summary} through an AWS FIS experiment"

    def revert_plan(self) -> dict[str, Any]:
        return {
            "action": REVERT_ACTION,
            "region": self._fis.meta.region_name,
            "tags": dict(self._template["tags"]),
            "client_token": client_token(self._run_id, self.fault_id, "template"),
            "find": "experiment templates with these tags (list_experiment_templates), then their "
            "experiments (list_experiments by experimentTemplateId): stop those not over, "
            "delete the templates",
        }

    def inject(self) -> InjectOutcome:
        """Landed only on harm FIS shows; says so when gameday changed the template's empty-target mode."""
        try:
            outcome = self._start_and_follow()
        except FaultNotLanded as problem:
            outcome = InjectOutcome(landed=False, detail=problem.reason)
        changed = self._template["tags"].get(EMPTY_TARGETS_TAG)
        if not changed:
            return outcome
        return replace(outcome, detail=f"{outcome.detail}; ran with emptyTargetResolutionMode {changed}")

    def revert(self) -> None:
        clean_up(
            self._fis,
            self._template["tags"],
            template_id=self._template_id,
            experiment_id=self._experiment_id,
            poll_interval_s=self._poll_interval_s,
            stop_timeout_s=self._stop_timeout_s,
        )

    def _start_and_follow(self) -> InjectOutcome:
        with aws_call("fis:CreateExperimentTemplate"):
            created = call(
                self._fis.create_experiment_template,
                clientToken=client_token(self._run_id, self.fault_id, "template"),
                **self._template,
            )
        self._template_id = str(created["experimentTemplate"]["id"])
        with aws_call("fis:StartExperiment"):
            started = call(
                self._fis.start_experiment,
                experimentTemplateId=self._template_id,
                clientToken=client_token(self._run_id, self.fault_id, "experiment"),
                tags=dict(self._template["tags"]),
            )
        self._experiment_id = str(started["experiment"]["id"])
        experiment = self._follow(self._experiment_id)
        if harm_started(experiment):
            return landed(experiment, self._resolved_targets(self._experiment_id))
        return not_landed(experiment)

    def _follow(self, experiment_id: str) -> Experiment:
        """The experiment once harm began or it is over; FaultNotLanded when neither in time."""
        latest: list[Experiment] = []

        def look() -> bool:
            with aws_call("fis:GetExperiment"):
                latest[:] = [call(self._fis.get_experiment, id=experiment_id)["experiment"]]
            return decided(latest[0])

        if not wait_until(look, self._start_timeout_s, interval_s=self._poll_interval_s):
            raise FaultNotLanded(
                f"FIS experiment {experiment_id} still {status(latest[0])} after "
                f"{self._start_timeout_s:g}s; {why_no_harm(latest[0])}"
            )
        return latest[0]

    def _resolved_targets(self, experiment_id: str) -> list[ResolvedTarget]:
        """What FIS chose (task ARNs, subnets, functions), every page; the evidence of harm."""
        with aws_call("fis:ListExperimentResolvedTargets"):
            pages = self._fis.get_paginator("list_experiment_resolved_targets").paginate(
                experimentId=experiment_id
            )
            return [resolved for page in pages for resolved in page["resolvedTargets"]]


def clean_up(
    fis: BaseClient,
    tags: dict[str, str],
    *,
    template_id: str | None = None,
    experiment_id: str | None = None,
    poll_interval_s: float = DEFAULT_POLL_S,
    stop_timeout_s: float = DEFAULT_STOP_TIMEOUT_S,
) -> str:
    """Stop the fault's experiments that are not over, then delete its templates; idempotent.

    Ids not known are found by ``tags``; anything already gone counts as done. Raises
    :class:`FisRevertFailed` when an experiment cannot be stopped or does not stop in time.
    """
    template_ids = [template_id] if template_id else _templates_tagged(fis, tags)
    stopped = deleted = 0
    for tid in template_ids:
        experiment_ids = [experiment_id] if experiment_id else _experiments_of(fis, tid)
        stopped += sum(_stop(fis, eid, poll_interval_s, stop_timeout_s) for eid in experiment_ids)
        try:
            call(fis.delete_experiment_template, id=tid)
            deleted += 1
        except ClientError as error:
            if not _not_found(error):
                raise
    return f"stopped {stopped} FIS experiment(s), deleted {deleted} experiment template(s)"


def revert_from_plan(plan: dict[str, Any], clients: AwsClients) -> str:
    """Execute a recorded ``fis-experiment`` revert plan (``gameday rollback``)."""
    return clean_up(clients("fis"), dict(plan["tags"]))


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


def _stop(fis: BaseClient, experiment_id: str, poll_interval_s: float, timeout_s: float) -> bool:
    """Stop one experiment unless it is over or gone; True when a stop was requested."""

    def over() -> bool:
        return status(call(fis.get_experiment, id=experiment_id)["experiment"]) in TERMINAL

    try:
        if over():
            return False
        try:
            call(fis.stop_experiment, id=experiment_id)
        except ClientError as refused:
            if _not_found(refused) or over():
                return False  # gone, or it ended on its own while we asked
            raise
        if not wait_until(over, timeout_s, interval_s=poll_interval_s):
            raise FisRevertFailed(
                f"FIS experiment {experiment_id} not stopped {timeout_s:g}s after StopExperiment"
            )
    except ClientError as error:
        if _not_found(error):
            return False
        raise FisRevertFailed(f"FIS experiment {experiment_id}: {describe_error(error)}") from error
    return True


def _templates_tagged(fis: BaseClient, tags: dict[str, str]) -> list[str]:
    pages = fis.get_paginator("list_experiment_templates").paginate()
    return [
        str(template["id"])
        for page in pages
        for template in page["experimentTemplates"]
        if all(template.get("tags", {}).get(key) == value for key, value in tags.items())
    ]


def _experiments_of(fis: BaseClient, template_id: str) -> list[str]:
    pages = fis.get_paginator("list_experiments").paginate(experimentTemplateId=template_id)
    return [str(experiment["id"]) for page in pages for experiment in page["experiments"]]
