"""Inline vs separate resources: one setting reported once, and stale parent copies ignored."""

from __future__ import annotations

from driftpatch.drift.compare import compare
from driftpatch.drift.reconcile import Owners, reconcile

RULE = {
    "cidr_blocks": ["10.0.0.0/8"],
    "description": "",
    "from_port": 443,
    "ipv6_cidr_blocks": [],
    "prefix_list_ids": [],
    "protocol": "tcp",
    "security_groups": [],
    "self": False,
    "to_port": 443,
}


def _owners() -> Owners:
    return Owners.from_state(
        [
            ("aws_s3_bucket_versioning", {"bucket": "logs", "id": "logs"}),
            (
                "aws_security_group_rule",
                {
                    "security_group_id": "sg-1",
                    "type": "ingress",
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": ["10.0.0.0/8"],
                },
            ),
            ("aws_iam_role_policy_attachment", {"role": "app", "policy_arn": "arn:p/Read"}),
            ("aws_iam_role_policy", {"role": "app", "name": "inline"}),
        ]
    )


def test_split_versioning_owns_the_buckets_inline_copy() -> None:
    state = {"id": "logs", "bucket": "logs", "versioning": [{"enabled": False}]}
    live = {"id": "logs", "bucket": "logs", "versioning": [{"enabled": True}]}
    want, have, skip = reconcile("aws_s3_bucket", state, live, _owners())
    assert skip == frozenset({"versioning"})
    assert compare("aws_s3_bucket", want, have, skip=skip) == ()
    # without a split resource, the inline copy is compared
    _, _, skip2 = reconcile("aws_s3_bucket", state, live, Owners())
    assert [c.attribute for c in compare("aws_s3_bucket", state, live, skip=skip2)] == [
        "versioning[0].enabled"
    ]


def test_rules_owned_by_security_group_rule_resources_are_not_the_groups_drift() -> None:
    state = {"id": "sg-1", "ingress": [], "egress": []}  # stale: written before the rule
    live = {"id": "sg-1", "ingress": [RULE], "egress": []}
    want, have, skip = reconcile("aws_security_group", state, live, _owners())
    assert compare("aws_security_group", want, have, skip=skip) == ()


def test_a_rule_added_by_hand_next_to_owned_ones_is_drift() -> None:
    opened = {**RULE, "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}
    state = {"id": "sg-1", "ingress": [], "egress": []}
    live = {"id": "sg-1", "ingress": [opened], "egress": []}
    want, have, skip = reconcile("aws_security_group", state, live, _owners())
    changes = compare("aws_security_group", want, have, skip=skip)
    assert [c.attribute for c in changes] == ["ingress"]
    assert changes[0].actual == [{**RULE, "cidr_blocks": ["0.0.0.0/0"]}]


def test_role_attachments_and_inline_policies_owned_elsewhere() -> None:
    state = {"id": "app", "name": "app", "managed_policy_arns": [], "inline_policy": []}
    live = {
        "id": "app",
        "name": "app",
        "managed_policy_arns": ["arn:p/Read"],
        "inline_policy": [{"name": "inline", "policy": "{}"}],
    }
    want, have, skip = reconcile("aws_iam_role", state, live, _owners())
    assert compare("aws_iam_role", want, have, skip=skip) == ()
    live["managed_policy_arns"] = ["arn:p/Read", "arn:aws:iam::aws:policy/AdministratorAccess"]
    want, have, skip = reconcile("aws_iam_role", state, live, _owners())
    changes = compare("aws_iam_role", want, have, skip=skip)
    assert [(c.attribute, c.actual) for c in changes] == [
        ("managed_policy_arns", ["arn:aws:iam::aws:policy/AdministratorAccess"])
    ]


def test_odd_typed_rule_attributes_from_a_hand_edited_plan_do_not_crash() -> None:
    """Found by fuzzing `check --plan` (issue 10): a prior_state rule whose cidr_blocks was a
    number, or whose from_port was a list, ended in "internal error: TypeError"."""
    owners = Owners.from_state(
        [
            (
                "aws_security_group_rule",
                {
                    "security_group_id": "sg-1",
                    "type": "ingress",
                    "protocol": "tcp",
                    "from_port": [None, -2415],
                    "to_port": "x",
                    "cidr_blocks": 370,
                    "ipv6_cidr_blocks": ["::/0"],
                },
            ),
            (
                "aws_vpc_security_group_ingress_rule",
                {"security_group_id": "sg-1", "ip_protocol": "tcp", "from_port": {"a": 1}},
            ),
        ]
    )
    (first, second) = owners.sg_rules["sg-1"]
    assert (first.from_port, first.to_port) == (0, 0)
    assert first.sources == frozenset({("ipv6_cidr_blocks", "::/0")})
    assert second.from_port == 0


def test_an_odd_typed_source_list_in_a_groups_own_rules_does_not_crash() -> None:
    """Issue 10: a group's ingress element whose cidr_blocks is a number, at the key of a rule
    managed separately, ended in "TypeError: 'int' object is not iterable". It is kept as it
    is (and so compared); the list beside it loses what the separate rule owns."""
    owners = Owners.from_state(
        [
            (
                "aws_security_group_rule",
                {
                    "security_group_id": "sg-1",
                    "type": "ingress",
                    "protocol": "tcp",
                    "from_port": 22,
                    "to_port": 22,
                    "ipv6_cidr_blocks": ["::/0"],
                },
            )
        ]
    )
    element = {
        "protocol": "tcp",
        "from_port": 22,
        "to_port": 22,
        "cidr_blocks": 5,
        "ipv6_cidr_blocks": ["::/0", "2001:db8::/32"],
    }
    want, have, skip = reconcile(
        "aws_security_group", {"id": "sg-1", "ingress": [element]}, {"ingress": []}, owners
    )
    assert want["ingress"] == [{**element, "ipv6_cidr_blocks": ["2001:db8::/32"]}]
    assert (have["ingress"], skip) == ([], frozenset())


def test_an_all_traffic_rule_written_with_ports_minus_one_owns_its_echo() -> None:
    # terraform-aws-modules/security-group's "all-all" rule: protocol -1, ports -1 in state;
    # AWS (and moto) answer with no ports, read as 0: the same rule, not drift.
    owners = Owners.from_state(
        [
            (
                "aws_security_group_rule",
                {
                    "security_group_id": "sg-1",
                    "type": "egress",
                    "protocol": "-1",
                    "from_port": -1,
                    "to_port": -1,
                    "cidr_blocks": ["10.10.10.0/28"],
                },
            )
        ]
    )
    echo = {
        **RULE,
        "protocol": "-1",
        "from_port": 0,
        "to_port": 0,
        "cidr_blocks": ["10.10.10.0/28"],
    }
    state = {"id": "sg-1", "ingress": [], "egress": []}
    live = {"id": "sg-1", "ingress": [], "egress": [echo]}
    want, have, skip = reconcile("aws_security_group", state, live, owners)
    assert compare("aws_security_group", want, have, skip=skip) == ()
