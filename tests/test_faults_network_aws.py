"""break-network on AWS, against moto (security group rules and network ACLs are faithful there)
and botocore's Stubber for refusals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_fault_run import REGION, aws_target, client, killed_run, mocked_account
from botocore.stub import Stubber

from faults.api_change import ApiChangeInjector
from faults.network.aws import break_network_aws
from faults.network.spec import BreakNetwork
from faults.registry import build_injector
from gameday.commands.rollback import rollback
from gameday.errors import InputError
from gameday.ledger import Ledger
from gameday.targets import AwsTarget

PORT = 8080


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with mocked_account(monkeypatch):
        yield


@dataclass(frozen=True)
class Vpc:
    orders: str  # the destination's security group
    bff: str  # the source's security group
    subnet: str
    acl: str


def vpc() -> Vpc:
    ec2 = client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    bff = ec2.create_security_group(GroupName="bff", Description="bff", VpcId=vpc_id)["GroupId"]
    orders = ec2.create_security_group(GroupName="orders", Description="orders", VpcId=vpc_id)["GroupId"]
    acls = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
    return Vpc(orders=orders, bff=bff, subnet=subnet, acl=acls["NetworkAcls"][0]["NetworkAclId"])


def allow(group: str, **source: Any) -> None:
    permission: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT, **source}
    client("ec2").authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])


def ingress(group: str) -> list[tuple[str, int, str]]:
    """(protocol, port, source) of each ingress rule: what a revert must give back exactly."""
    rules = client("ec2").describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    return sorted(
        (
            r["IpProtocol"],
            r["FromPort"],
            r.get("ReferencedGroupInfo", {}).get("GroupId") or r.get("CidrIpv4", ""),
        )
        for r in rules["SecurityGroupRules"]
        if not r["IsEgress"]
    )


def target(**path: Any) -> AwsTarget:
    return aws_target(paths={"bff->orders": {"port": PORT, **path}})


def fault(**params: Any) -> BreakNetwork:
    return BreakNetwork.model_validate(
        {"kind": "break-network", "at": 0, "for": 30, "target": {"path": "bff->orders"}, **params}
    )


def injector(fault_: BreakNetwork, mapped: AwsTarget) -> ApiChangeInjector:
    built = break_network_aws(fault_, mapped, client, fault_id="f1-break-network")
    built.poll_interval_s = 0.01
    return built


def test_security_group_rule_is_revoked_and_re_authorized_identically(moto: None) -> None:
    net = vpc()
    allow(net.orders, UserIdGroupPairs=[{"GroupId": net.bff, "Description": "bff to orders"}])
    allow(net.orders, IpRanges=[{"CidrIp": "10.9.0.0/16"}])  # another client: must stay
    before = ingress(net.orders)
    built = injector(fault(), target(security_group=net.orders, source_security_group=net.bff))
    plan = built.revert_plan()
    assert plan["action"] == "aws-sg-ingress"
    assert plan["group_id"] == net.orders
    [rule] = plan["rules"]
    assert rule["rule_id"].startswith("sgr-")
    assert rule["ip_permission"]["UserIdGroupPairs"][0]["GroupId"] == net.bff
    outcome = built.inject()
    assert outcome.landed, outcome.detail
    assert outcome.affected == [rule["rule_id"]]
    assert "security groups are stateful" in outcome.detail
    assert ingress(net.orders) == [("tcp", PORT, "10.9.0.0/16")]
    built.revert()
    built.revert()  # already there: InvalidPermission.Duplicate counts as restored
    assert ingress(net.orders) == before


def test_a_path_with_no_rule_is_already_broken_and_nothing_changes(moto: None) -> None:
    net = vpc()
    built = injector(fault(), target(security_group=net.orders, source_security_group=net.bff))
    assert built.revert_plan()["action"] == "none"
    outcome = built.inject()
    assert not outcome.landed
    assert outcome.detail == f"no rule of {net.orders} lets bff reach orders on tcp {PORT}: already broken?"


def test_a_wider_rule_that_still_admits_the_source_means_the_fault_would_not_land(moto: None) -> None:
    net = vpc()
    allow(net.orders, IpRanges=[{"CidrIp": "10.0.1.0/24"}])
    allow(net.orders, IpRanges=[{"CidrIp": "10.0.0.0/16"}])
    before = ingress(net.orders)
    outcome = injector(fault(), target(security_group=net.orders, source_cidr="10.0.1.0/24")).inject()
    assert not outcome.landed
    assert "revoking would not break bff->orders" in outcome.detail
    assert ingress(net.orders) == before


def deny_entries(acl: str) -> list[tuple[int, str, int]]:
    got = client("ec2").describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]["Entries"]
    return sorted(
        (e["RuleNumber"], e["CidrBlock"], e["PortRange"]["From"])
        for e in got
        if e["RuleAction"] == "deny" and not e["Egress"] and e["RuleNumber"] < 32767
    )


def test_nacl_method_adds_first_deny_entries_and_revert_deletes_exactly_those(moto: None) -> None:
    net = vpc()
    ec2 = client("ec2")
    ec2.create_network_acl_entry(
        NetworkAclId=net.acl,
        RuleNumber=1,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="10.5.0.0/16",
        PortRange={"From": 22, "To": 22},
    )
    built = injector(fault(method="nacl"), target(subnets=[net.subnet], source_cidr="10.0.1.0/24"))
    plan = built.revert_plan()
    assert plan == {
        "action": "aws-nacl-entries",
        "entries": [
            {
                "network_acl_id": net.acl,
                "rule_number": 2,
                "protocol": "6",
                "cidr_block": "10.0.1.0/24",
                "port_range": {"From": PORT, "To": PORT},
            }
        ],
    }
    outcome = built.inject()
    assert outcome.landed, outcome.detail
    assert deny_entries(net.acl) == [(2, "10.0.1.0/24", PORT)]
    built.revert()
    built.revert()  # the entry is gone: nothing more to delete
    assert deny_entries(net.acl) == []
    entries = ec2.describe_network_acls(NetworkAclIds=[net.acl])["NetworkAcls"][0]["Entries"]
    assert any(e["RuleNumber"] == 1 and e["RuleAction"] == "allow" for e in entries)


def test_rollback_from_the_ledger_restores_the_rule(moto: None, tmp_path: Path) -> None:
    net = vpc()
    allow(net.orders, UserIdGroupPairs=[{"GroupId": net.bff}])
    before = ingress(net.orders)
    mapped = target(security_group=net.orders, source_security_group=net.bff)
    run_dir = killed_run(tmp_path, mapped, injector(fault(), mapped), "break-network", "path:bff->orders")
    assert ingress(net.orders) == []

    assert rollback(run_dir, tmp_path, tmp_path / "targets.yaml") == 0
    assert ingress(net.orders) == before
    assert Ledger(run_dir / "ledger.jsonl").unreverted() == []


def test_access_denied_on_revoke_is_a_fault_that_did_not_land() -> None:
    ec2 = boto3.client("ec2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    rule = {
        "SecurityGroupRuleId": "sgr-0123456789abcdef0",
        "GroupId": "sg-orders",
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": PORT,
        "ToPort": PORT,
        "ReferencedGroupInfo": {"GroupId": "sg-bff", "UserId": "123456789012"},
    }
    with Stubber(ec2) as stub:
        stub.add_response("describe_security_group_rules", {"SecurityGroupRules": [rule]})
        stub.add_client_error(
            "revoke_security_group_ingress", "UnauthorizedOperation", "You are not authorized", 403
        )
        built = break_network_aws(
            fault(),
            target(security_group="sg-orders", source_security_group="sg-bff"),
            lambda _: ec2,
            fault_id="f1",
        )
        outcome = built.inject()
    assert not outcome.landed
    assert (
        outcome.detail
        == "ec2:RevokeSecurityGroupIngress failed: UnauthorizedOperation: You are not authorized"
    )


@pytest.mark.parametrize(
    ("fault_", "path", "message"),
    [
        (fault(), {"source_security_group": "sg-bff"}, "needs security_group"),
        (fault(), {"security_group": "sg-orders"}, "source_security_group or source_cidr"),
        (fault(method="nacl"), {"source_cidr": "10.0.1.0/24"}, "needs subnets and source_cidr"),
        (fault(method="nacl"), {"subnets": ["subnet-1"]}, "needs subnets and source_cidr"),
    ],
)
def test_targets_file_gaps_are_input_errors_before_the_run(
    fault_: BreakNetwork, path: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        break_network_aws(fault_, target(**path), client, fault_id="f1")


def test_method_is_refused_with_fis() -> None:
    with pytest.raises(ValueError, match="method only applies to via: api"):
        fault(method="nacl", via="fis")


def test_the_registry_serves_break_network_via_api_on_aws(moto: None) -> None:
    net = vpc()
    allow(net.orders, UserIdGroupPairs=[{"GroupId": net.bff}])
    mapped = target(security_group=net.orders, source_security_group=net.bff)
    built = build_injector(fault(mode="reset"), mapped, fault_id="f1", run_id="r1")
    assert built.describe() == f"revoke the ingress rule of {net.orders} that lets {net.bff} in (bff->orders)"
    assert built.revert_plan()["action"] == "aws-sg-ingress"
