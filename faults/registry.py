"""Which provider serves a fault: chosen by the *target*, never by the scenario.

A scenario says what harm to do to which logical resource; the target decides whether that means
localcloud's control API or real AWS calls. Each installed kind (:mod:`faults.catalogue`) brings
its providers per backend; on AWS the scenario's ``via`` picks direct API calls or an FIS
experiment, which any kind with an FIS mapping or template gets without a provider of its own.
"""

from __future__ import annotations

import random
from typing import TypeVar

from botocore.client import BaseClient

from faults.base import Injector
from faults.catalogue import kind_of
from faults.fis.aws import fis_injector
from faults.kind import AwsProvider, FaultKind, LocalProvider, ProviderArgs
from gameday.aws_session import aws_client
from gameday.errors import InputError
from gameday.faultspecs import FaultBase
from gameday.safety.resources import Resource
from gameday.targets import AwsTarget, LocalTarget, Target

P = TypeVar("P", LocalProvider, AwsProvider)


def build_injector(
    fault: FaultBase,
    target: Target,
    *,
    fault_id: str,
    run_id: str,
    localcloud_client: object | None = None,
    ecs_client: BaseClient | None = None,
    rng: random.Random | None = None,
    resources: tuple[Resource, ...] = (),
) -> Injector:
    """The injector for one scenario fault entry on ``target``; nothing is called on the target yet.

    ``resources`` are what the run's plan resolved for the fault on an AWS target.
    """
    args = ProviderArgs(
        fault_id=fault_id,
        run_id=run_id,
        localcloud_client=localcloud_client,
        ecs_client=ecs_client,
        rng=rng,
        resources=resources,
    )
    kind = kind_of(fault)
    if isinstance(target, LocalTarget):
        return _provided(kind.local, fault, "localcloud")(fault, target, args)
    return _provided(_aws_provider(kind, fault), fault, f"AWS (via: {fault.via})")(fault, target, args)


def _aws_provider(kind: FaultKind, fault: FaultBase) -> AwsProvider | None:
    provider = kind.aws.get(fault.via)
    if provider is None and fault.via == "fis" and (kind.fis is not None or kind.fis_template is not None):
        return _via_fis
    return provider


def _via_fis(fault: FaultBase, target: AwsTarget, args: ProviderArgs) -> Injector:
    """Any ``via: fis`` fault, and FIS template files: one FIS experiment in the target's account."""
    return fis_injector(fault, target, aws_client(target, "fis"), run_id=args.run_id, fault_id=args.fault_id)


def _provided(provider: P | None, fault: FaultBase, backend: str) -> P:
    """The provider for ``fault``, or a clear error before anything runs."""
    if provider is None:
        raise InputError(
            f"faults: {fault.kind} is not available on {backend} targets in this version of gameday"
        )
    return provider
