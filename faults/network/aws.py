"""break-network on AWS through direct EC2 calls: revoke the ingress rule, or add NACL denies.

``security-group`` (the default) revokes the destination group's ingress rule(s) that admit the
source on the path's port. Security groups are stateful: connections already open stay up until
they close, so a client with a warm connection pool notices late. ``nacl`` adds deny entries for
the source CIDR to the network ACL of each destination subnet; ACLs are stateless, so open
connections break too. ``blackhole`` and ``reset`` differ only on localcloud: on AWS both deny.
The exact rules and entries are recorded before anything changes, and revert puts back only those.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from faults.api_change import ApiChange, ApiChangeInjector, AwsClients, call
from faults.aws_calls import aws_call
from faults.base import FaultNotLanded
from faults.network.spec import BreakNetwork
from gameday.errors import InputError
from gameday.targets import AwsPath, AwsTarget

PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17"}  # network ACL entries name protocols by number
EVERYWHERE = "0.0.0.0/0"


def break_network_aws(
    fault: BreakNetwork, target: AwsTarget, clients: AwsClients, *, fault_id: str
) -> ApiChangeInjector:
    """The injector for ``fault`` on ``target``; a targets-file gap is an :class:`InputError` now."""
    name = fault.target.path
    path = target.path(name)
    change: ApiChange
    if fault.method == "nacl":
        if not path.subnets or path.source_cidr is None:
            raise InputError(
                f"targets: path '{name}' needs subnets and source_cidr for break-network method nacl"
            )
        change = NaclDeny(clients("ec2"), name, path, path.subnets, path.source_cidr)
        return ApiChangeInjector(change, delete_nacl_entries, clients, fault_id=fault_id)
    if path.security_group is None or (path.source_security_group is None and path.source_cidr is None):
        raise InputError(
            f"targets: path '{name}' needs security_group and source_security_group or source_cidr "
            "for break-network on AWS"
        )
    change = RevokedIngress(clients("ec2"), name, path, path.security_group)
    return ApiChangeInjector(change, reauthorize_ingress, clients, fault_id=fault_id)


def _port_label(path: AwsPath) -> str:
    return f"{path.protocol} {path.port}" if path.port is not None else f"all {path.protocol} ports"


class RevokedIngress:
    """The destination group's ingress rules that admit the source, revoked."""

    def __init__(self, ec2: BaseClient, name: str, path: AwsPath, group: str) -> None:
        self._ec2 = ec2
        self._name = name
        self._path = path
        self._group = group
        self._source = path.source_security_group or str(path.source_cidr)
        self._revoked: list[str] = []

    def describe(self) -> str:
        return f"revoke the ingress rule of {self._group} that lets {self._source} in ({self._name})"

    def prepare(self) -> dict[str, Any]:
        rules = [r for r in self._ingress_rules() if self._admits(r)]
        exact = [r for r in rules if self._names_the_source(r)]
        wider = [r for r in rules if not self._names_the_source(r)]
        if wider:
            shown = ", ".join(f"{r['SecurityGroupRuleId']} ({r.get('CidrIpv4')})" for r in wider)
            raise FaultNotLanded(
                f"{self._group} also admits {self._source} through {shown}: "
                f"revoking would not break {self._name}"
            )
        if not exact:
            source, destination = self._name.split("->", 1)
            raise FaultNotLanded(
                f"no rule of {self._group} lets {source} reach {destination} on {_port_label(self._path)}: "
                "already broken?"
            )
        self._revoked = [r["SecurityGroupRuleId"] for r in exact]
        return {
            "action": "aws-sg-ingress",
            "group_id": self._group,
            "rules": [
                {"rule_id": r["SecurityGroupRuleId"], "ip_permission": ip_permission(r)} for r in exact
            ],
        }

    def apply(self) -> tuple[str, list[str]]:
        with aws_call("ec2:RevokeSecurityGroupIngress"):
            call(
                self._ec2.revoke_security_group_ingress,
                GroupId=self._group,
                SecurityGroupRuleIds=self._revoked,
            )
        return (
            f"revoked ingress rule(s) {', '.join(self._revoked)} of {self._group} "
            f"({_port_label(self._path)} from {self._source}); connections already open stay up until "
            "they close (security groups are stateful)",
            list(self._revoked),
        )

    def not_observed(self) -> str | None:
        left = {r["SecurityGroupRuleId"] for r in self._ingress_rules()} & set(self._revoked)
        return f"EC2 still shows rule(s) {', '.join(sorted(left))}" if left else None

    def _ingress_rules(self) -> list[dict[str, Any]]:
        with aws_call("ec2:DescribeSecurityGroupRules"):
            pages = self._ec2.get_paginator("describe_security_group_rules").paginate(
                Filters=[{"Name": "group-id", "Values": [self._group]}]
            )
            rules: list[dict[str, Any]] = call(
                lambda: [r for page in pages for r in page["SecurityGroupRules"]]
            )
        return [r for r in rules if not r.get("IsEgress")]

    def _admits(self, rule: dict[str, Any]) -> bool:
        """Does ``rule`` let the source in on the path's protocol and port?"""
        if rule.get("IpProtocol") not in (self._path.protocol, "-1"):
            return False
        port = self._path.port
        in_range = port is None or int(rule.get("FromPort", -1)) <= port <= int(rule.get("ToPort", -1))
        if rule.get("IpProtocol") != "-1" and not in_range:
            return False
        if self._names_the_source(rule):
            return True
        cidr = rule.get("CidrIpv4")
        if cidr is None:
            return False
        if self._path.source_cidr is None:
            return bool(
                cidr == EVERYWHERE
            )  # the source group's addresses are unknown; all of them are in this
        source, admitted = ipaddress.ip_network(self._path.source_cidr), ipaddress.ip_network(cidr)
        return source.version == admitted.version and source.subnet_of(admitted)  # type: ignore[arg-type]

    def _names_the_source(self, rule: dict[str, Any]) -> bool:
        if self._path.source_security_group is not None:
            return bool(
                rule.get("ReferencedGroupInfo", {}).get("GroupId") == self._path.source_security_group
            )
        return bool(rule.get("CidrIpv4") == self._path.source_cidr)


def ip_permission(rule: dict[str, Any]) -> dict[str, Any]:
    """A security group rule as AuthorizeSecurityGroupIngress takes it back, description included."""
    permission: dict[str, Any] = {"IpProtocol": rule["IpProtocol"]}
    if rule["IpProtocol"] != "-1":
        permission.update(FromPort=rule["FromPort"], ToPort=rule["ToPort"])
    described = {"Description": rule["Description"]} if rule.get("Description") else {}
    if "ReferencedGroupInfo" in rule:
        pair = {k: v for k, v in rule["ReferencedGroupInfo"].items() if k in ("GroupId", "UserId", "VpcId")}
        permission["UserIdGroupPairs"] = [{**pair, **described}]
    elif "CidrIpv4" in rule:
        permission["IpRanges"] = [{"CidrIp": rule["CidrIpv4"], **described}]
    elif "CidrIpv6" in rule:
        permission["Ipv6Ranges"] = [{"CidrIpv6": rule["CidrIpv6"], **described}]
    elif "PrefixListId" in rule:
        permission["PrefixListIds"] = [{"PrefixListId": rule["PrefixListId"], **described}]
    return permission


def reauthorize_ingress(plan: dict[str, Any], clients: AwsClients) -> str:
    """Authorize each recorded rule again; one that is already there counts as restored."""
    ec2 = clients("ec2")
    present = 0
    for rule in plan["rules"]:
        try:
            call(
                ec2.authorize_security_group_ingress,
                GroupId=plan["group_id"],
                IpPermissions=[rule["ip_permission"]],
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "InvalidPermission.Duplicate":
                raise
            present += 1
    already = f" ({present} already present)" if present else ""
    return f"re-authorized {len(plan['rules'])} ingress rule(s) of {plan['group_id']}{already}"


class NaclDeny:
    """Deny entries for the source CIDR, first in the network ACL of each destination subnet."""

    def __init__(
        self, ec2: BaseClient, name: str, path: AwsPath, subnets: list[str], source_cidr: str
    ) -> None:
        self._ec2 = ec2
        self._name = name
        self._path = path
        self._subnets = subnets
        self._source_cidr = source_cidr
        self._entries: list[dict[str, Any]] = []

    def describe(self) -> str:
        return f"deny {self._source_cidr} in the network ACLs of {', '.join(self._subnets)} ({self._name})"

    def prepare(self) -> dict[str, Any]:
        acls = self._acls_of_subnets()
        self._entries = [self._entry(acl) for acl in acls]
        return {"action": "aws-nacl-entries", "entries": list(self._entries)}

    def apply(self) -> tuple[str, list[str]]:
        with aws_call("ec2:CreateNetworkAclEntry"):
            for entry in self._entries:
                call(self._ec2.create_network_acl_entry, **_entry_params(entry))
        shown = ", ".join(f"{e['network_acl_id']} rule {e['rule_number']}" for e in self._entries)
        return (
            f"denied {self._source_cidr} ({_port_label(self._path)}) into subnets "
            f"{', '.join(self._subnets)}: {shown}; network ACLs are stateless, so open connections break too",
            [e["network_acl_id"] for e in self._entries],
        )

    def not_observed(self) -> str | None:
        with aws_call("ec2:DescribeNetworkAcls"):
            acls = _network_acls(self._ec2, [e["network_acl_id"] for e in self._entries])
        missing = [e for e in self._entries if not _has_entry(acls.get(e["network_acl_id"], {}), e)]
        shown = ", ".join(f"{e['network_acl_id']} rule {e['rule_number']}" for e in missing)
        return f"EC2 does not show deny entries {shown}" if missing else None

    def _acls_of_subnets(self) -> list[dict[str, Any]]:
        with aws_call("ec2:DescribeNetworkAcls"):
            got = call(
                self._ec2.describe_network_acls,
                Filters=[{"Name": "association.subnet-id", "Values": list(self._subnets)}],
            )
        acls: list[dict[str, Any]] = got["NetworkAcls"]
        associated = {a["SubnetId"] for acl in acls for a in acl.get("Associations", [])}
        unassociated = [s for s in self._subnets if s not in associated]
        if unassociated:
            raise FaultNotLanded(f"EC2 shows no network ACL for subnet(s) {', '.join(unassociated)}")
        return acls

    def _entry(self, acl: dict[str, Any]) -> dict[str, Any]:
        """The deny entry for ``acl``, at the lowest ingress rule number not in use: evaluated first."""
        used = {int(e["RuleNumber"]) for e in acl.get("Entries", []) if not e.get("Egress")}
        number = next(n for n in range(1, 32767) if n not in used)
        port = self._path.port
        return {
            "network_acl_id": acl["NetworkAclId"],
            "rule_number": number,
            "protocol": PROTOCOL_NUMBERS[self._path.protocol],
            "cidr_block": self._source_cidr,
            "port_range": {"From": port, "To": port} if port is not None else {"From": 0, "To": 65535},
        }


def _entry_params(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "NetworkAclId": entry["network_acl_id"],
        "RuleNumber": int(entry["rule_number"]),
        "Protocol": entry["protocol"],
        "RuleAction": "deny",
        "Egress": False,
        "CidrBlock": entry["cidr_block"],
        "PortRange": entry["port_range"],
    }


def _network_acls(ec2: BaseClient, ids: list[str]) -> dict[str, dict[str, Any]]:
    got = call(ec2.describe_network_acls, NetworkAclIds=sorted(set(ids)))
    return {acl["NetworkAclId"]: acl for acl in got["NetworkAcls"]}


def _has_entry(acl: dict[str, Any], entry: dict[str, Any]) -> bool:
    """Is the recorded deny entry there, unchanged (not another rule that took its number)?"""
    return any(
        not e.get("Egress")
        and int(e["RuleNumber"]) == int(entry["rule_number"])
        and e.get("RuleAction") == "deny"
        and e.get("CidrBlock") == entry["cidr_block"]
        and str(e.get("Protocol")) == entry["protocol"]
        for e in acl.get("Entries", [])
    )


def delete_nacl_entries(plan: dict[str, Any], clients: AwsClients) -> str:
    """Delete exactly the recorded deny entries that are still there; the rest of each ACL is untouched."""
    ec2 = clients("ec2")
    entries = plan["entries"]
    acls = _network_acls(ec2, [e["network_acl_id"] for e in entries]) if entries else {}
    deleted = [e for e in entries if _has_entry(acls.get(e["network_acl_id"], {}), e)]
    for entry in deleted:
        call(
            ec2.delete_network_acl_entry,
            NetworkAclId=entry["network_acl_id"],
            RuleNumber=int(entry["rule_number"]),
            Egress=False,
        )
    gone = len(entries) - len(deleted)
    already = f" ({gone} already gone)" if gone else ""
    return f"deleted {len(deleted)} network ACL deny entr{'y' if len(deleted) == 1 else 'ies'}{already}"


UNDO = {"aws-sg-ingress": reauthorize_ingress, "aws-nacl-entries": delete_nacl_entries}
"""Revert actions of break-network on AWS, keyed by the plan's ``action``; rollback uses them too."""
