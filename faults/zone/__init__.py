"""impair-zone: take one Availability Zone out for the window, as a zonal outage does.

This module is the kind, whole (:data:`KIND`). On localcloud ``local`` sets the zone fault through
the control API (every connection into the zone's tasks is blackholed or delayed) and stops every
task placed there; on AWS ``aws`` builds the FIS experiment that cuts the zone's subnets and stops
the stack's tasks in it, and ``touches`` reads which those are before the run. Only the network
fault is undone: the schedulers replace stopped tasks.
"""

from __future__ import annotations

from faults.base import Injector
from faults.kind import FaultKind, ProviderArgs, Revert
from faults.zone.aws import zone_template
from faults.zone.local import (
    ClearLocalZoneFault,
    LocalZoneInjector,
    ZoneControlApi,
    clear_zone_fault_from_plan,
)
from faults.zone.spec import ImpairZone
from faults.zone.touches import zone_permissions, zone_touches
from gameday.localcloud.client import LocalcloudClient
from gameday.targets import LocalTarget


def _local(fault: ImpairZone, target: LocalTarget, args: ProviderArgs) -> Injector:
    given = args.localcloud_client
    client = given if isinstance(given, ZoneControlApi) else LocalcloudClient(target.control_url)
    return LocalZoneInjector(fault, client, target.control_url, fault_id=args.fault_id, run_id=args.run_id)


KIND = FaultKind(
    spec=ImpairZone,
    local=_local,
    reverts=[Revert(ClearLocalZoneFault, clear_zone_fault_from_plan)],
    touches=zone_touches,
    fis_template=zone_template,
    permissions=zone_permissions,
)
