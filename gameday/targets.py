"""Targets: where logical names in a scenario become real resources.

``targets.yaml`` holds one entry per target. ``local`` is localcloud (the default); an AWS target
maps each logical service to an ECS cluster and service, and each queue to an SQS URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import ConfigDict, Field

from gameday.durations import Seconds
from gameday.errors import InputError, Problem
from gameday.packaged import shop_stack
from gameday.shared import Strict
from gameday.traces.dependencies import DependencyEntry, DependencyName
from gameday.yamlfile import hinted, load_model, read_yaml

DEFAULT_LOCALCLOUD_URL = "http://127.0.0.1:4580"


class LocalTarget(Strict):
    """localcloud: logical names are the stack file's service and queue names.

    Without a ``stack`` it runs the demo shop that ships inside gameday, from any folder.
    """

    kind: Literal["localcloud"]
    stack: Path = Field(default_factory=shop_stack)
    control_url: str = DEFAULT_LOCALCLOUD_URL


class EcsService(Strict):
    cluster: str
    service: str


class QueueConsumer(Strict):
    """What consumes a queue, so mode ``consumer`` of throttle-queue knows what to turn down."""

    ecs: EcsService | None = None
    lambda_function: str | None = Field(default=None, alias="lambda")
    via: Literal["desired-count", "reserved-concurrency", "event-source-mapping"] = "desired-count"


class AwsQueue(Strict):
    url: str
    consumer: QueueConsumer | None = None


class AwsPath(Strict):
    """A network path ``source->destination`` as AWS sees it.

    ``security_group`` is the destination's group whose ingress rule lets the source in
    (``source_security_group`` or ``source_cidr``) on ``port``; ``subnets`` are the destination's
    subnets, for NACL deny entries and FIS ``aws:network:disrupt-connectivity``.
    """

    security_group: str | None = None
    source_security_group: str | None = None
    source_cidr: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    subnets: list[str] = []
    lambda_function: str | None = Field(default=None, alias="lambda")


XrayServiceName = Annotated[str, Field(min_length=1, max_length=64)]  # a sampling rule's ServiceName


class AwsTarget(Strict):
    """An AWS account; every resource a scenario names must be mapped here."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    kind: Literal["aws"]
    region: str
    profile: str | None = None
    account_allowlist: list[str] = Field(min_length=1)
    entry_url: str
    services: dict[str, EcsService] = {}
    queues: dict[str, AwsQueue] = {}
    paths: dict[str, AwsPath] = {}
    dependencies: dict[DependencyName, DependencyEntry] = Field(
        default={},
        description="how each dependency a scenario grades shows in the traces: "
        "host, url, name, aws + resource, or annotation",
    )
    fis_role_arn: str | None = None
    stop_alarms: list[str] = Field(default=[], description="CloudWatch alarm ARNs that abort the run")
    results_topic_arn: str | None = Field(
        default=None,
        pattern=hinted(
            r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$", "write an SNS topic ARN"
        ),
        description="an SNS topic each run's verdict and summary are published to",
    )
    opt_in_tag: str = Field(
        default="gameday:allowed=true", pattern=hinted(r"^[^=]+=.*$", "write the tag as key=value")
    )
    blast_radius_percent: float = Field(default=50, gt=0, le=100)
    load_balancer: str | None = Field(
        default=None,
        pattern=hinted(r"^app/[^/]+/[^/]+$", "write it as CloudWatch names an ALB: app/<name>/<id>"),
        description="the entry ALB as CloudWatch names it (app/<name>/<id>), for its request metrics",
    )
    xray_settle: Seconds = Field(
        default=30, ge=0, description="how long after the run X-Ray needs before its traces are complete"
    )
    xray_sampling: Literal["run-rule", "keep"] = Field(
        default="run-rule",
        description="run-rule: for the run, X-Ray keeps every request of the services (a rule of the run's "
        "own, deleted after); keep: the account's sampling rules",
    )
    xray_services: list[XrayServiceName] | None = Field(
        default=None,
        min_length=1,
        description="the services' names in X-Ray (their segments' name, wildcards * and ? allowed); "
        "default: the services' keys, or every service (*) when none is mapped",
    )
    xray_trace_cap: int = Field(
        default=20_000, ge=1, description="traces fetched at most; above it, every faulted or in-fault trace"
    )

    def service(self, logical: str) -> EcsService:
        """The ECS service a scenario's ``service:`` names; :class:`InputError` naming the mapped ones."""
        return _mapped(self.services, "service", logical)

    def queue(self, logical: str) -> AwsQueue:
        return _mapped(self.queues, "queue", logical)

    def path(self, logical: str) -> AwsPath:
        return _mapped(self.paths, "path", logical)


_Mapped = TypeVar("_Mapped")


def _mapped(mapping: dict[str, _Mapped], kind: str, logical: str) -> _Mapped:
    """Every logical name is resolved here, so each kind's error reads the same everywhere."""
    if logical not in mapping:
        known = ", ".join(sorted(mapping)) or "none"
        raise InputError(f"targets: the AWS target maps no {kind} '{logical}' (it maps: {known})")
    return mapping[logical]


Target = Annotated[LocalTarget | AwsTarget, Field(discriminator="kind")]


class TargetsFile(Strict):
    targets: dict[str, Target]


def load_target(path: Path, name: str) -> Target:
    """Return target ``name`` from ``path``; a missing file means only ``local`` exists."""
    if not path.exists():
        if name == "local":
            return LocalTarget(kind="localcloud")
        raise InputError([Problem(str(path), None, "", f"no targets file, so no target named '{name}'")])
    targets = load_model(path, TargetsFile).targets
    if name not in targets:
        known = ", ".join(sorted(targets)) or "none"
        _, lines = read_yaml(path)
        line = lines.get(("targets",))
        raise InputError([Problem(str(path), line, "targets", f"no target named '{name}' (known: {known})")])
    target = targets[name]
    if isinstance(target, LocalTarget) and not _is_file(target.stack):
        _, lines = read_yaml(path)
        where = ("targets", name, "stack")
        message = f"no stack file {target.stack} (relative to the folder gameday runs in)"
        raise InputError([Problem(str(path), lines.get(where), f"targets.{name}.stack", message)])
    return target


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system
        return False
