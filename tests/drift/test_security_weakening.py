"""Which drift is security drift: one policy, from the rules, for every type."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from driftpatch.drift.security import is_security_drift, weakening_rules
from driftpatch.model import Category, Finding, Kind, Severity


def drift(type_: str, attribute: str, expected: Any, actual: Any) -> Finding:
    return Finding(
        kind=Kind.DRIFT,
        rule_id="DRIFT",
        title="t",
        severity=Severity.MEDIUM,
        category=Category.DRIFT,
        resource_type=type_,
        address=f"{type_}.x",
        resource_id="id-1",
        attribute=attribute,
        expected=expected,
        actual=actual,
    )


def _doc(principal: Any, action: str) -> str:
    stmt = {"Effect": "Allow", "Principal": principal, "Action": action}
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]})


SSH = {
    "cidr_blocks": ["0.0.0.0/0"],
    "description": "",
    "from_port": 22,
    "ipv6_cidr_blocks": [],
    "prefix_list_ids": [],
    "protocol": "tcp",
    "security_groups": [],
    "self": False,
    "to_port": 22,
}


@pytest.mark.parametrize(
    ("finding", "rules"),
    [
        (
            drift("aws_s3_bucket", "policy", "", _doc("*", "s3:GetObject")),
            ("DP-S3-002",),
        ),
        (
            drift(
                "aws_iam_role",
                "assume_role_policy",
                _doc({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole"),
                _doc({"AWS": "*"}, "sts:AssumeRole"),
            ),
            ("DP-IAM-002",),
        ),
        (drift("aws_security_group", "ingress", [], [SSH]), ("DP-VPC-001",)),
        (
            drift("aws_instance", "metadata_options[0].http_tokens", "required", "optional"),
            ("DP-EC2-001",),
        ),
        (drift("aws_ebs_volume", "encrypted", True, False), ("DP-EC2-003",)),
        # Not weaker: the other way round, unrelated attributes, tags.
        (drift("aws_security_group", "ingress", [SSH], []), ()),
        (drift("aws_vpc", "enable_dns_hostnames", True, False), ()),
        (drift("aws_instance", "tags.Env", "prod", "dev"), ()),
    ],
)
def test_a_drift_is_security_drift_when_a_rule_fires_only_on_the_live_value(
    finding: Finding, rules: tuple[str, ...]
) -> None:
    assert weakening_rules(finding) == rules
    assert is_security_drift(finding) is bool(rules)


def test_a_rule_folded_in_by_the_scan_counts_without_re_evaluation() -> None:
    f = drift("aws_vpc", "enable_dns_hostnames", True, False)
    folded = dataclasses.replace(f, also=("DP-VPC-003",))
    assert is_security_drift(folded)
