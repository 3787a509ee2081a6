"""AWS clients the way every gameday AWS call makes them.

Credentials come only from the standard chain (environment, profile, SSO, assumed role), chosen
by the target's ``profile`` and ``region``; gameday never reads or stores keys. botocore's
*standard* retry mode absorbs short throttling bursts per request; :data:`throttle_retry` adds a
longer, jittered backoff around a whole operation (a paginated listing, a stop) for sustained
throttling during a game day, when the account is busy by design.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoRegionError, ProfileNotFound
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from gameday.errors import EnvironmentProblem, InputError
from gameday.targets import AwsTarget

STANDARD_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 5})

# botocore.retries.standard's throttle codes (a private list there, so spelled out here; a test
# keeps the two in step).
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)


def aws_client(target: AwsTarget, service_name: str) -> BaseClient:
    """A client for ``service_name`` in the target's account and region, with standard retries."""
    return default_client(service_name, target.profile, target.region)


def default_client(service_name: str, profile: str | None = None, region: str | None = None) -> BaseClient:
    """A client from the standard chain (``AWS_PROFILE``, ``AWS_REGION`` … unless given), standard retries."""
    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as error:
        raise EnvironmentProblem(f"AWS profile '{profile}' is not configured: {error}") from error
    try:
        client = session.client(service_name, config=STANDARD_RETRIES)
    except NoRegionError as error:
        raise EnvironmentProblem(
            f"no AWS region for {service_name}: set AWS_DEFAULT_REGION (or the profile's region) or give one"
        ) from error
    for hook in _client_hooks:
        hook(client)
    return client


ClientHook = Callable[[BaseClient], None]
_client_hooks: list[ClientHook] = []


@contextmanager
def client_hook(hook: ClientHook) -> Iterator[None]:
    """Pass every client :func:`aws_client` makes inside the block to ``hook`` (the dry run's interceptor)."""
    _client_hooks.append(hook)
    try:
        yield
    finally:
        _client_hooks.remove(hook)


def is_throttle(error: BaseException) -> bool:
    """True for AWS throttling: a known throttle code, or HTTP 429 for errors the model lacks."""
    if not isinstance(error, ClientError):
        return False
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in THROTTLE_CODES or status == 429


def describe_error(error: ClientError | BotoCoreError) -> str:
    """One line for a failed AWS call: the error code and AWS's message, never a traceback."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = details.get("Code", "Unknown")
        message = details.get("Message", "")
        return f"{code}: {message}" if message else code
    return f"{type(error).__name__}: {error}"


throttle_retry = retry(
    retry=retry_if_exception(is_throttle),
    wait=wait_random_exponential(multiplier=1, max=20),
    stop=stop_after_attempt(6),
    reraise=True,
)
"""Decorator: retry a whole AWS operation on throttling, up to 6 attempts with jittered backoff."""


@contextmanager
def reading(what: str, user_mistake: Callable[[ClientError], str | None]) -> Iterator[None]:
    """Turn a failed read of ``what`` into one line: the user's mistake (``user_mistake`` names it,
    exit 2) or a problem of the account or the network (AWS's own words)."""
    try:
        yield
    except ClientError as error:
        mistake = user_mistake(error)
        if mistake is not None:
            raise InputError(f"{what}: {mistake}") from error
        raise EnvironmentProblem(f"{what}: {describe_error(error)}") from error
    except BotoCoreError as error:
        raise EnvironmentProblem(f"{what}: {describe_error(error)}") from error


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
