"""AWS clients and the throttle retry: the standard chain, standard retries, and backoff on throttling."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.retries.standard import ThrottledRetryableChecker
from botocore.stub import Stubber
from tenacity import wait_none

from faults.base import FaultNotLanded
from faults.kill_tasks.aws import EcsTasks
from gameday.aws_session import THROTTLE_CODES, aws_client, describe_error, is_throttle, throttle_retry
from gameday.errors import EnvironmentProblem
from gameday.targets import AwsTarget


def _error(code: str, status: int = 400, message: str = "") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "ListTasks",
    )


def _target(profile: str | None = None) -> AwsTarget:
    return AwsTarget(
        kind="aws",
        region="eu-west-1",
        profile=profile,
        account_allowlist=["111122223333"],
        entry_url="https://shop.example.com",
    )


@pytest.fixture
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private AWS config with one profile and dummy keys, so nothing real is ever read."""
    config = tmp_path / "config"
    config.write_text(
        "[profile staging]\nregion = us-west-2\n"
        "aws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    return config


def test_throttle_codes_match_botocores_standard_retry() -> None:
    assert set(ThrottledRetryableChecker._THROTTLED_ERROR_CODES) == THROTTLE_CODES


@pytest.mark.parametrize(
    ("error", "throttle"),
    [
        (_error("ThrottlingException"), True),
        (_error("RequestLimitExceeded"), True),
        (_error("SomethingUnmodeled", status=429), True),
        (_error("AccessDeniedException"), False),
        (_error("ClusterNotFoundException"), False),
        (ValueError("Throttling"), False),
    ],
)
def test_is_throttle(error: BaseException, throttle: bool) -> None:
    assert is_throttle(error) is throttle


def test_throttling_is_retried_until_it_passes() -> None:
    calls: list[int] = []

    @throttle_retry
    def list_tasks() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _error("ThrottlingException", message="Rate exceeded")
        return "listed"

    assert list_tasks.retry_with(wait=wait_none())() == "listed"
    assert len(calls) == 3


def test_other_errors_are_not_retried_and_sustained_throttling_gives_up() -> None:
    calls: list[str] = []

    @throttle_retry
    def call(code: str) -> None:
        calls.append(code)
        raise _error(code)

    fast = call.retry_with(wait=wait_none())
    with pytest.raises(ClientError, match="AccessDenied"):
        fast("AccessDenied")
    with pytest.raises(ClientError, match="Throttling"):
        fast("Throttling")
    assert calls == ["AccessDenied"] + ["Throttling"] * 6


def test_a_throttled_ecs_listing_is_retried_and_then_reported(
    aws_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(EcsTasks._list_running.retry, "wait", wait_none())
    ecs = boto3.client("ecs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    tasks = EcsTasks(ecs, "shop", "orders")
    with Stubber(ecs) as stub:
        stub.add_client_error("list_tasks", "ThrottlingException", "Rate exceeded")
        stub.add_response("list_tasks", {"taskArns": ["arn:task/1"]})
        assert tasks.running() == ["arn:task/1"]
        for _ in range(6):
            stub.add_client_error("list_tasks", "ThrottlingException", "Rate exceeded")
        with pytest.raises(
            FaultNotLanded, match=r"^ecs:ListTasks failed: ThrottlingException: Rate exceeded$"
        ):
            tasks.running()


def test_clients_use_the_targets_region_profile_and_standard_retries(aws_config: Path) -> None:
    ecs = aws_client(_target(profile="staging"), "ecs")

    assert ecs.meta.region_name == "eu-west-1"  # the target's region wins over the profile's
    assert ecs.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}
    assert ecs._request_signer._credentials.access_key == "testing"


def test_an_unknown_profile_is_one_clear_line(aws_config: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="AWS profile 'nope' is not configured"):
        aws_client(_target(profile="nope"), "ecs")


def test_errors_are_described_in_one_line() -> None:
    assert describe_error(_error("AccessDeniedException", message="not authorized")) == (
        "AccessDeniedException: not authorized"
    )
    assert describe_error(_error("AccessDeniedException")) == "AccessDeniedException"
    assert describe_error(NoCredentialsError()) == "NoCredentialsError: Unable to locate credentials"
