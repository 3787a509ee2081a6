"""The account check: the first AWS call of every run, so a wrong profile touches nothing."""

from __future__ import annotations

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from gameday.aws_session import describe_error
from gameday.errors import EnvironmentProblem
from gameday.targets import AwsTarget


def check_account(target: AwsTarget, target_name: str, sts: BaseClient) -> str:
    """The account the credentials act in, if the target allows it; otherwise a clear refusal.

    ``sts:GetCallerIdentity`` needs no permission and cannot be denied, so a failure here means
    there are no usable credentials at all.
    """
    try:
        account = str(sts.get_caller_identity()["Account"])
    except (ClientError, BotoCoreError) as error:
        raise EnvironmentProblem(
            f"cannot tell which AWS account target '{target_name}' would act in: {describe_error(error)}"
        ) from error
    if account not in target.account_allowlist:
        allowed = ", ".join(target.account_allowlist)
        raise EnvironmentProblem(
            f"account {account} is not in the allowlist of target '{target_name}' (allowed: {allowed})"
        )
    return account
