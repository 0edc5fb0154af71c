"""State vs an inventory: drift, missing, unmanaged, and what is never reported."""

from __future__ import annotations

from driftpatch.aws.readers import READERS, LiveResource
from driftpatch.drift.detect import MISSING_RULE, UNMANAGED_RULE, detect
from driftpatch.model import Address, Inventory, Kind, ResourceStatus
from driftpatch.terraform.state import StateInstance

VPC = {
    "id": "vpc-1",
    "cidr_block": "10.0.0.0/16",
    "enable_dns_support": True,
    "enable_dns_hostnames": False,
    "instance_tenancy": "default",
    "tags": {"Name": "main"},
    "tags_all": {"Name": "main"},
    "arn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1",
}
KEY = {
    "id": "k-1",
    "enable_key_rotation": True,
    "description": "",
    "deletion_window_in_days": 30,
    "arn": "arn:aws:kms:us-east-1:123456789012:key/k-1",
    "tags": {},
    "tags_all": {},
}


def _inst(address: str, attrs: dict[str, object]) -> StateInstance:
    return StateInstance(
        address=Address.parse(address),
        provider='provider["registry.terraform.io/hashicorp/aws"]',
        schema_version=1,
        attributes=attrs,
        sensitive_paths=(),
        dependencies=(),
        origin="t",
    )


def _live(type_: str, attrs: dict[str, object], **kw: object) -> LiveResource:
    return LiveResource(type_, str(attrs["id"]), "us-east-1", attrs, **kw)  # type: ignore[arg-type]


def test_changed_missing_unmanaged_and_defaults() -> None:
    instances = [
        _inst("aws_vpc.main", VPC),
        _inst("aws_vpc.gone", {**VPC, "id": "vpc-2"}),
        _inst("aws_glue_job.x", {"id": "x"}),  # no reader: unsupported, never "missing"
    ]
    inventory = Inventory(
        resources=(
            _live("aws_vpc", {**VPC, "enable_dns_hostnames": True}),
            _live("aws_vpc", {**VPC, "id": "vpc-3", "tags": {}}),
            _live("aws_vpc", {**VPC, "id": "vpc-default"}, account_default=True),
        ),
        regions=("us-east-1",),
    )
    result = detect(instances, inventory, readers=READERS)
    assert [
        (f.kind, f.rule_id, f.address, f.resource_id, f.attribute) for f in result.findings
    ] == [
        (Kind.DRIFT, "DRIFT", "aws_vpc.main", "vpc-1", "enable_dns_hostnames"),
        (Kind.MISSING, MISSING_RULE, "aws_vpc.gone", "vpc-2", None),
        (Kind.UNMANAGED, UNMANAGED_RULE, None, "vpc-3", None),
    ]
    drift = result.findings[0]
    assert (drift.expected, drift.actual) == (False, True)
    assert result.statuses == {
        "aws_vpc.main": ResourceStatus.DRIFTED,
        "aws_vpc.gone": ResourceStatus.MISSING,
        "aws_glue_job.x": ResourceStatus.UNSUPPORTED,
    }


def test_incomplete_listing_never_claims_missing() -> None:
    inventory = Inventory(
        resources=(), regions=("us-east-1",), incomplete=frozenset({("aws_kms_key", "us-east-1")})
    )
    result = detect([_inst("aws_kms_key.k", KEY)], inventory, readers=READERS)
    assert result.findings == ()
    assert result.statuses == {"aws_kms_key.k": ResourceStatus.UNREAD}


SG_RULE = {
    "id": "sgrule-1",
    "security_group_id": "sg-1",
    "type": "ingress",
    "protocol": "tcp",
    "from_port": 22,
    "to_port": 22,
    "cidr_blocks": ["10.0.0.0/8"],
}


def test_a_type_without_region_is_unread_when_any_scanned_region_failed() -> None:
    """Separate security group rules carry no region in state: the failed read of their groups
    in any scanned region leaves them unread, never "missing" (issue 10)."""
    inventory = Inventory(
        resources=(),
        regions=("eu-west-1", "us-east-1"),
        incomplete=frozenset({("aws_security_group_rule", "us-east-1")}),
    )
    assert not inventory.complete_for("aws_security_group_rule", None)
    assert inventory.complete_for("aws_security_group_rule", "eu-west-1")
    result = detect([_inst("aws_security_group_rule.ssh", SG_RULE)], inventory, readers=READERS)
    assert result.findings == ()
    assert result.statuses == {"aws_security_group_rule.ssh": ResourceStatus.UNREAD}
    complete = Inventory(resources=(), regions=("us-east-1",))
    missing = detect([_inst("aws_security_group_rule.ssh", SG_RULE)], complete, readers=READERS)
    assert missing.statuses == {"aws_security_group_rule.ssh": ResourceStatus.MISSING}


def test_completeness_is_per_account() -> None:
    inventory = Inventory(resources=(), regions=("us-east-1",), account_id="123456789012")
    assert inventory.complete_for("aws_vpc", "us-east-1", "123456789012")
    assert not inventory.complete_for("aws_vpc", "us-east-1", "210987654321")
    other = {**VPC, "arn": "arn:aws:ec2:us-east-1:210987654321:vpc/vpc-1"}
    result = detect([_inst("aws_vpc.main", other)], inventory, readers=READERS)
    assert result.findings == ()  # another account was not read: not "missing"
    assert result.statuses == {"aws_vpc.main": ResourceStatus.UNSUPPORTED}


def test_volume_of_an_unread_instance_listing_is_not_unmanaged() -> None:
    """A root volume is a part of the instance listing it; with DescribeInstances denied it
    may still be one, so it is not reported as unmanaged (no import patch)."""
    volume = _live("aws_ebs_volume", {"id": "vol-root", "encrypted": True})
    denied = Inventory(
        resources=(volume,),
        regions=("us-east-1",),
        incomplete=frozenset({("aws_instance", "us-east-1")}),
    )
    assert detect([], denied, readers=READERS).findings == ()
    read = Inventory(resources=(volume,), regions=("us-east-1",))
    assert [f.rule_id for f in detect([], read, readers=READERS).findings] == [UNMANAGED_RULE]


def test_resources_in_regions_not_scanned_are_not_compared() -> None:
    west = {**VPC, "arn": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1"}
    result = detect([_inst("aws_vpc.main", west)], Inventory((), ("us-east-1",)), readers=READERS)
    assert result.findings == ()
    assert result.statuses["aws_vpc.main"] is ResourceStatus.UNSUPPORTED


def test_instance_volumes_are_parts_not_unmanaged() -> None:
    instance = {
        "id": "i-1",
        "root_block_device": [{"volume_id": "vol-root"}],
        "ebs_block_device": [],
    }
    inventory = Inventory(
        resources=(
            _live("aws_instance", instance),
            _live("aws_ebs_volume", {"id": "vol-root"}),
            _live("aws_ebs_volume", {"id": "vol-loose"}),
        ),
        regions=("us-east-1",),
    )
    result = detect([_inst("aws_instance.web", instance)], inventory, readers=READERS)
    assert [f.resource_id for f in result.findings if f.kind is Kind.UNMANAGED] == ["vol-loose"]


def test_types_left_out_of_an_inventory_are_not_compared() -> None:
    """`inventory --types aws_vpc` reads no KMS key: a snapshot of it proves no key missing."""
    inventory = Inventory(resources=(), regions=("us-east-1",), types=frozenset({"aws_vpc"}))
    result = detect(
        [_inst("aws_kms_key.k", KEY), _inst("aws_vpc.main", VPC)], inventory, readers=READERS
    )
    assert result.statuses == {
        "aws_kms_key.k": ResourceStatus.UNSUPPORTED,
        "aws_vpc.main": ResourceStatus.MISSING,
    }
