"""A run's verdict and summary to the target's SNS topic, for people and systems not watching the run.

A scheduled run has no terminal: the topic is how its result reaches a mailbox, a chat channel or
a ticketing hook. Subscribers can filter on the message attributes (verdict, scenario, target). A
publish that fails is a warning: the verdict stands and the run folder has everything. The AWS
call made here, for the runner's IAM policy: sns:Publish on ``results_topic_arn``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from gameday.aws_session import aws_client, describe_error
from gameday.errors import GamedayError
from gameday.evidence.records import Verdict
from gameday.runfolder import RunFolder
from gameday.targets import AwsTarget

SUBJECT_LIMIT = 100  # characters, SNS's limit for email subjects
MESSAGE_LIMIT = 256 * 1024  # bytes, SNS's limit for a message with its attributes
_ATTRIBUTE_ROOM = 1024  # bytes kept free for the attributes and the truncation note


def result_subject(verdict: Verdict, scenario: str, target_name: str) -> str:
    subject = f"gameday {verdict.value}: {scenario} on {target_name}"
    return subject if len(subject) <= SUBJECT_LIMIT else subject[: SUBJECT_LIMIT - 1] + "…"


def result_message(run_dir: Path, where: str) -> str:
    """The run's summary.md and where its folder is, cut to fit SNS's limit."""
    try:
        summary = RunFolder(run_dir).file(RunFolder.SUMMARY).read_text(encoding="utf-8")
    except OSError:
        summary = "(the run wrote no summary)\n"
    footer = f"\nrun folder: {where}\n"
    room = MESSAGE_LIMIT - _ATTRIBUTE_ROOM - len(footer.encode())
    body = summary.encode()
    if len(body) > room:
        summary = body[:room].decode(errors="ignore") + "\n… (cut to fit SNS; the run folder has it all)\n"
    return summary + footer


def publish_result(
    target: AwsTarget, target_name: str, scenario: str, verdict: Verdict, run_dir: Path, where: str
) -> None:
    """Publish to ``target.results_topic_arn``, if it names one; a failure is one warning line."""
    if target.results_topic_arn is None:
        return
    try:
        aws_client(target, "sns").publish(
            TopicArn=target.results_topic_arn,
            Subject=result_subject(verdict, scenario, target_name),
            Message=result_message(run_dir, where),
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in (
                    ("verdict", verdict.value),
                    ("scenario", scenario),
                    ("target", target_name),
                )
            },
        )
    except (ClientError, BotoCoreError, GamedayError) as error:
        reason = describe_error(error) if isinstance(error, (ClientError, BotoCoreError)) else str(error)
        print(
            f"gameday: warning: the result was not published to {target.results_topic_arn}: {reason}",
            file=sys.stderr,
        )
