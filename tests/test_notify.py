"""A run's verdict and summary to the target's SNS topic (moto's SNS, read through a subscribed queue)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_fault_run import aws_target, client, mocked_account

from gameday.errors import InputError
from gameday.evidence.records import Verdict
from gameday.notify import MESSAGE_LIMIT, SUBJECT_LIMIT, publish_result, result_subject
from gameday.targets import AwsTarget, load_target


@pytest.fixture
def topic(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A topic and the URL of a queue subscribed to it with raw delivery off (the SNS envelope)."""
    with mocked_account(monkeypatch):
        arn = client("sns").create_topic(Name="gameday-results")["TopicArn"]
        queue = client("sqs").create_queue(QueueName="results")["QueueUrl"]
        queue_arn = client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        client("sns").subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
        yield arn, queue


def received(queue: str) -> list[dict[str, Any]]:
    messages = client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def run_folder(tmp_path: Path, summary: str) -> Path:
    run_dir = tmp_path / "runs" / "20261204T030000Z-orders-task-loss"
    run_dir.mkdir(parents=True)
    (run_dir / "summary.md").write_text(summary, encoding="utf-8")
    return run_dir


def staging(arn: str | None) -> AwsTarget:
    return aws_target(results_topic_arn=arn) if arn else aws_target()


def test_the_verdict_and_summary_are_published_with_attributes_to_filter_on(
    topic: tuple[str, str], tmp_path: Path
) -> None:
    arn, queue = topic
    run_dir = run_folder(tmp_path, "## orders-task-loss: FAIL\n\n| score | value |\n")

    publish_result(staging(arn), "staging", "orders-task-loss", Verdict.FAIL, run_dir, "s3://b/runs/R")

    (envelope,) = received(queue)
    assert envelope["Subject"] == "gameday FAIL: orders-task-loss on staging"
    assert envelope["Message"].startswith("## orders-task-loss: FAIL\n")
    assert envelope["Message"].endswith("run folder: s3://b/runs/R\n")
    attributes = {name: value["Value"] for name, value in envelope["MessageAttributes"].items()}
    assert attributes == {"verdict": "FAIL", "scenario": "orders-task-loss", "target": "staging"}


def test_a_huge_summary_is_cut_to_fit_and_says_so(topic: tuple[str, str], tmp_path: Path) -> None:
    arn, queue = topic
    run_dir = run_folder(tmp_path, "| a row of the verdict table |\n" * 20_000)

    publish_result(staging(arn), "staging", "x" * 200, Verdict.PASS, run_dir, "reports/runs/R")

    (envelope,) = received(queue)
    assert len(envelope["Message"].encode()) < MESSAGE_LIMIT
    assert "cut to fit SNS; the run folder has it all" in envelope["Message"]
    assert len(result_subject(Verdict.PASS, "x" * 200, "staging")) == SUBJECT_LIMIT


def test_no_topic_publishes_nothing_and_a_failed_publish_is_a_warning(
    topic: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arn, queue = topic
    run_dir = run_folder(tmp_path, "summary\n")
    publish_result(staging(None), "staging", "s", Verdict.PASS, run_dir, "r")
    assert received(queue) == []

    missing = arn.replace("gameday-results", "deleted-topic")
    publish_result(staging(missing), "staging", "s", Verdict.PASS, run_dir, "r")

    assert f"warning: the result was not published to {missing}: NotFound" in capsys.readouterr().err


def test_a_topic_that_is_not_an_sns_arn_is_refused_in_the_targets_file(tmp_path: Path) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n"
        "  staging:\n"
        "    kind: aws\n"
        "    region: eu-west-1\n"
        "    account_allowlist: ['123456789012']\n"
        "    entry_url: https://shop.example\n"
        "    results_topic_arn: arn:aws:sqs:eu-west-1:123456789012:results\n"
    )
    with pytest.raises(
        InputError, match=r"targets.yaml:7: targets\.staging\.results_topic_arn: .*SNS topic ARN"
    ):
        load_target(targets, "staging")
