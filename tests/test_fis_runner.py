"""The FIS experiment lifecycle against botocore's Stubber: moto never executes an FIS action."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.stub import ANY, Stubber
from fis_helpers import REGION, aws_target, create_template_problems

from faults.fis.builder import build_template
from faults.fis.parts import EMPTY_TARGETS_TAG
from faults.fis.runner import FisExperimentInjector, FisRevertFailed, clean_up, revert_from_plan
from faults.fis.template_file import complete_template
from faults.kill_tasks.spec import KillTasks
from faults.kind import RevertContext
from faults.revert import execute_revert_plan

TEMPLATE_ID = "EXT1a2b3c4d5e6f7"
EXPERIMENT_ID = "EXP1a2b3c4d5e6f7"
TASK_ARN = "arn:aws:ecs:eu-west-1:111122223333:task/shop/0123456789abcdef"
TAGS = {"gameday:run": "run-1", "gameday:fault": "f1-kill-tasks"}


@pytest.fixture
def fis(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[BaseClient, Stubber]]:
    """A stubbed FIS client with dummy credentials only: no test can reach a real account."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("fis", region_name=REGION)
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def injector(client: BaseClient) -> FisExperimentInjector:
    fault = KillTasks.model_validate(
        {
            "kind": "kill-tasks",
            "at": "10s",
            "for": "1m",
            "target": {"service": "orders"},
            "count": 1,
            "via": "fis",
        }
    )
    template = build_template(fault, aws_target(), run_id="run-1", fault_id="f1-kill-tasks")
    return FisExperimentInjector(
        template,
        client,
        fault_id="f1-kill-tasks",
        run_id="run-1",
        summary="kill-tasks on service:orders",
        poll_interval_s=0,
        start_timeout_s=5,
        stop_timeout_s=5,
    )


def experiment(
    status: str,
    action: str | None = None,
    reason: str | None = None,
    *,
    actions: dict[str, Any] | None = None,
    mode: str = "fail",
) -> dict[str, Any]:
    """GetExperiment's answer; ``action`` is the state of the fault's one aws:ecs:stop-task."""
    state: dict[str, str] = {"status": status}
    if reason:
        state["reason"] = reason
    found: dict[str, Any] = {
        "id": EXPERIMENT_ID,
        "experimentTemplateId": TEMPLATE_ID,
        "state": state,
        "experimentOptions": {"emptyTargetResolutionMode": mode},
    }
    if action:
        actions = {"f1-kill-tasks": stop_task(action)}
    if actions:
        found["actions"] = actions
    return {"experiment": found}


def stop_task(status: str, reason: str | None = None) -> dict[str, Any]:
    state = {"status": status, **({"reason": reason} if reason else {})}
    return {"actionId": "aws:ecs:stop-task", "targets": {"Tasks": "chosen"}, "state": state}


def wait(status: str) -> dict[str, Any]:
    return {"actionId": "aws:fis:wait", "parameters": {"duration": "PT1M"}, "state": {"status": status}}


def resolved(*arns: str, target: str = "chosen") -> list[dict[str, Any]]:
    return [
        {"resourceType": "aws:ecs:task", "targetName": target, "targetInformation": {"identifier": arn}}
        for arn in arns
    ]


def expect_resolved(stub: Stubber, targets: list[dict[str, Any]], **page: str) -> None:
    stub.add_response(
        "list_experiment_resolved_targets",
        {"resolvedTargets": targets, **({"nextToken": page["next"]} if "next" in page else {})},
        {"experimentId": EXPERIMENT_ID, **({"nextToken": page["token"]} if "token" in page else {})},
    )


def expect_create_and_start(stub: Stubber) -> None:
    stub.add_response(
        "create_experiment_template",
        {"experimentTemplate": {"id": TEMPLATE_ID, "tags": TAGS}},
        {
            "clientToken": "gameday-run-1-f1-kill-tasks-template",
            "description": ANY,
            "roleArn": ANY,
            "stopConditions": ANY,
            "targets": ANY,
            "actions": ANY,
            "tags": TAGS,
            "experimentOptions": {"emptyTargetResolutionMode": "fail"},
        },
    )
    stub.add_response(
        "start_experiment",
        experiment("initiating"),
        {
            "experimentTemplateId": TEMPLATE_ID,
            "clientToken": "gameday-run-1-f1-kill-tasks-experiment",
            "tags": TAGS,
        },
    )


def expect_get(stub: Stubber, answer: dict[str, Any]) -> None:
    stub.add_response("get_experiment", answer, {"id": EXPERIMENT_ID})


def test_lifecycle_create_start_follow_stop_delete(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    expect_get(stub, experiment("initiating", "pending"))
    expect_get(stub, experiment("running", "running"))
    expect_resolved(stub, resolved(TASK_ARN))
    fault = injector(client)
    outcome = fault.inject()
    assert outcome.landed, outcome.detail
    assert outcome.affected == [TASK_ARN]
    assert EXPERIMENT_ID in outcome.detail and "f1-kill-tasks running" in outcome.detail

    expect_get(stub, experiment("running", "running"))
    stub.add_response("stop_experiment", experiment("stopping"), {"id": EXPERIMENT_ID})
    expect_get(stub, experiment("stopping"))
    expect_get(stub, experiment("stopped"))
    stub.add_response(
        "delete_experiment_template", {"experimentTemplate": {"id": TEMPLATE_ID}}, {"id": TEMPLATE_ID}
    )
    fault.revert()


def test_revert_after_the_experiment_ended_only_deletes_and_is_idempotent(
    fis: tuple[BaseClient, Stubber],
) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    expect_get(stub, experiment("completed", "completed"))
    expect_resolved(stub, resolved(TASK_ARN))
    fault = injector(client)
    assert fault.inject().landed
    expect_get(stub, experiment("completed", "completed"))
    stub.add_response(
        "delete_experiment_template", {"experimentTemplate": {"id": TEMPLATE_ID}}, {"id": TEMPLATE_ID}
    )
    fault.revert()
    stub.add_client_error("get_experiment", "ResourceNotFoundException", http_status_code=404)
    stub.add_client_error("delete_experiment_template", "ResourceNotFoundException", http_status_code=404)
    fault.revert()


def test_a_failed_experiment_does_not_land_and_says_why(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    expect_get(stub, experiment("initiating"))
    expect_get(stub, experiment("failed", "cancelled", reason="Target resolution returned empty set"))
    outcome = injector(client).inject()
    assert not outcome.landed
    assert outcome.detail == f"FIS experiment {EXPERIMENT_ID} failed: Target resolution returned empty set"


def test_access_denied_does_not_land(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    stub.add_client_error(
        "create_experiment_template",
        "AccessDeniedException",
        "not authorized to perform fis:CreateExperimentTemplate",
        403,
    )
    fault = injector(client)
    outcome = fault.inject()
    assert not outcome.landed
    assert outcome.detail.startswith("fis:CreateExperimentTemplate failed: AccessDeniedException")
    # nothing was created, so revert finds nothing by its tags and does nothing
    stub.add_response("list_experiment_templates", {"experimentTemplates": []}, {})
    fault.revert()


def test_an_experiment_that_never_starts_does_not_land(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    fault = injector(client)
    fault._start_timeout_s = 0  # one look only
    expect_get(stub, experiment("initiating", "pending"))
    outcome = fault.inject()
    assert not outcome.landed and "still initiating" in outcome.detail
    assert outcome.detail.endswith("no action started")


def test_a_harmful_action_on_resolved_targets_lands_and_names_them(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    expect_get(stub, experiment("running", "running"))
    other = "arn:aws:ecs:eu-west-1:111122223333:task/shop/fedcba9876543210"
    expect_resolved(stub, resolved(TASK_ARN) + resolved("subnet-0a", target="unused"), next="page-2")
    expect_resolved(stub, resolved(other, TASK_ARN), token="page-2")
    outcome = injector(client).inject()
    assert outcome.landed, outcome.detail
    assert outcome.affected == [TASK_ARN, other]
    assert outcome.detail.endswith("(f1-kill-tasks running); 2 resolved target(s)")


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (
            experiment(
                "running", actions={"wait-f1": wait("running"), "f1-kill-tasks": stop_task("pending")}
            ),
            "still running after 0s; only aws:fis:wait ran in the fault's window",
        ),
        (
            experiment("completed", actions={"wait-f1": wait("completed")}),
            "completed: only aws:fis:wait ran in the fault's window",
        ),
    ],
    ids=["wait-running", "only-waits-completed"],
)
def test_a_wait_is_no_harm_so_the_fault_does_not_land(
    fis: tuple[BaseClient, Stubber], answer: dict[str, Any], why: str
) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    fault = injector(client)
    fault._start_timeout_s = 0  # one look only
    expect_get(stub, answer)
    outcome = fault.inject()
    assert not outcome.landed
    assert outcome.detail == f"FIS experiment {EXPERIMENT_ID} {why}"


def test_targets_resolved_to_nothing_do_not_land(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    expect_get(stub, experiment("completed", "completed", mode="skip"))
    expect_resolved(stub, resolved("subnet-0a", target="other-target"))
    outcome = injector(client).inject()
    assert not outcome.landed and outcome.affected == []
    assert outcome.detail == (
        f"FIS experiment {EXPERIMENT_ID} completed: "
        "every target resolved to no resources (emptyTargetResolutionMode skip)"
    )


def test_a_skipped_action_does_not_land(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    expect_get(stub, experiment("completed", "skipped", mode="skip"))
    outcome = injector(client).inject()
    assert not outcome.landed
    assert outcome.detail.endswith(
        "f1-kill-tasks skipped: every target resolved to no resources (emptyTargetResolutionMode skip)"
    )


def test_a_failed_action_does_not_land_and_gives_fis_reason(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    denied = "Unable to stop task: not authorized to perform ecs:StopTask"
    answer = experiment(
        "failed",
        reason="Experiment failed because one or more actions failed.",
        actions={"f1-kill-tasks": stop_task("failed", reason=denied)},
    )
    expect_get(stub, answer)
    outcome = injector(client).inject()
    assert not outcome.landed
    assert outcome.detail == (
        f"FIS experiment {EXPERIMENT_ID} failed: Experiment failed because one or more actions failed.; "
        f"f1-kill-tasks (aws:ecs:stop-task) failed: {denied}"
    )


def test_resolved_targets_fis_will_not_list_are_no_evidence(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    expect_create_and_start(stub)
    expect_get(stub, experiment("running", "running"))
    stub.add_client_error("list_experiment_resolved_targets", "AccessDeniedException", "no", 403)
    outcome = injector(client).inject()
    assert not outcome.landed
    assert outcome.detail.startswith("fis:ListExperimentResolvedTargets failed: AccessDeniedException")


def test_a_skip_template_runs_with_fail_and_says_so(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    public: dict[str, Any] = {
        "description": "stop tasks (from an AWS public template)",
        "targets": {"chosen": {"resourceType": "aws:ecs:task", "selectionMode": "ALL"}},
        "actions": {"stop": {"actionId": "aws:ecs:stop-task", "targets": {"Tasks": "chosen"}}},
        "experimentOptions": {"emptyTargetResolutionMode": "skip", "accountTargeting": "single-account"},
    }
    completed = complete_template(public, aws_target(), run_id="run-1", fault_id="f1-kill-tasks")
    assert completed["experimentOptions"] == {
        "emptyTargetResolutionMode": "fail",
        "accountTargeting": "single-account",
    }
    assert public["experimentOptions"]["emptyTargetResolutionMode"] == "skip"  # the file's copy is kept
    assert completed["tags"] == {**TAGS, EMPTY_TARGETS_TAG: "fail instead of skip"}
    assert create_template_problems(completed) == ""
    stub.add_response("create_experiment_template", {"experimentTemplate": {"id": TEMPLATE_ID}})
    stub.add_response("start_experiment", experiment("initiating"))
    expect_get(stub, experiment("running", "running"))
    expect_resolved(stub, resolved(TASK_ARN))
    fault = FisExperimentInjector(
        completed, client, fault_id="f1-kill-tasks", run_id="run-1", summary="template", poll_interval_s=0
    )
    outcome = fault.inject()
    assert outcome.landed
    assert outcome.detail.endswith("; ran with emptyTargetResolutionMode fail instead of skip")


def test_the_plan_finds_template_and_experiment_by_tags(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    plan = injector(client).revert_plan()
    assert plan["action"] == "fis-experiment" and plan["tags"] == TAGS and plan["region"] == REGION
    other = {"id": "EXTother", "tags": {"gameday:run": "run-0", "gameday:fault": "f1-kill-tasks"}}
    stub.add_response(
        "list_experiment_templates", {"experimentTemplates": [other, {"id": TEMPLATE_ID, "tags": TAGS}]}, {}
    )
    stub.add_response(
        "list_experiments",
        {"experiments": [{"id": EXPERIMENT_ID, "experimentTemplateId": TEMPLATE_ID, "tags": TAGS}]},
        {"experimentTemplateId": TEMPLATE_ID},
    )
    expect_get(stub, experiment("running"))
    stub.add_response("stop_experiment", experiment("stopping"), {"id": EXPERIMENT_ID})
    expect_get(stub, experiment("stopped"))
    stub.add_response(
        "delete_experiment_template", {"experimentTemplate": {"id": TEMPLATE_ID}}, {"id": TEMPLATE_ID}
    )
    assert (
        revert_from_plan(plan, lambda name: client)
        == "stopped 1 FIS experiment(s), deleted 1 experiment template(s)"
    )


def test_rollback_runs_the_plan_through_the_revert_registry(
    fis: tuple[BaseClient, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, stub = fis
    monkeypatch.setattr(RevertContext, "aws_client", lambda self, name: client)
    stub.add_response("list_experiment_templates", {"experimentTemplates": []}, {})
    context = RevertContext(run_id="run-1", fault_id="f1-kill-tasks", target_name="prod")
    done = execute_revert_plan(injector(client).revert_plan(), context)
    assert done == "stopped 0 FIS experiment(s), deleted 0 experiment template(s)"


def test_an_experiment_that_will_not_stop_keeps_the_fault_open(fis: tuple[BaseClient, Stubber]) -> None:
    client, stub = fis
    expect_get(stub, experiment("running"))
    stub.add_client_error("stop_experiment", "AccessDeniedException", "no fis:StopExperiment", 403)
    expect_get(stub, experiment("running"))
    with pytest.raises(FisRevertFailed, match="AccessDeniedException"):
        clean_up(client, TAGS, template_id=TEMPLATE_ID, experiment_id=EXPERIMENT_ID, poll_interval_s=0)
