"""Attribute-level comparison: exact changes, at reviewer granularity, with no noise."""

from __future__ import annotations

import json

from driftpatch.drift.compare import Change, compare, format_path, value_at

BUCKET_STATE = {
    "id": "logs",
    "bucket": "logs",
    "arn": "arn:aws:s3:::logs",
    "force_destroy": False,
    "tags": None,
    "tags_all": {},
    "versioning": [{"enabled": False, "mfa_delete": False}],
    "logging": [],
    "policy": "",
    "grant": [{"id": "abc", "permissions": ["READ", "WRITE"], "type": "CanonicalUser", "uri": ""}],
}


def test_identical_after_a_clean_apply_is_no_change() -> None:
    live = json.loads(json.dumps(BUCKET_STATE))
    live["tags"] = {}  # Terraform's refresh noise: tags null -> {}
    live["grant"][0]["permissions"] = ["WRITE", "READ"]  # a set: order is not drift
    live["grant"][0]["uri"] = None  # "" and null are both unset
    live["arn"] = "arn:aws:s3:::other"  # computed-only: never drift from code
    assert compare("aws_s3_bucket", BUCKET_STATE, live) == ()


def test_leaf_of_a_single_nested_block() -> None:
    live = {**BUCKET_STATE, "versioning": [{"enabled": True, "mfa_delete": False}]}
    assert compare("aws_s3_bucket", BUCKET_STATE, live) == (
        Change("versioning[0].enabled", ("versioning", 0, "enabled"), False, True),
    )


def test_block_that_appears_reports_its_leaves() -> None:
    live = {**BUCKET_STATE, "logging": [{"target_bucket": "audit", "target_prefix": "x/"}]}
    changes = compare("aws_s3_bucket", BUCKET_STATE, live)
    assert [c.attribute for c in changes] == [
        "logging[0].target_bucket",
        "logging[0].target_prefix",
    ]
    assert [c.actual for c in changes] == ["audit", "x/"]


def test_tags_compare_per_key_with_tags_all_folded() -> None:
    state = {**BUCKET_STATE, "tags": {"Env": "prod"}, "tags_all": {"Env": "prod", "Team": "a"}}
    live = {
        **BUCKET_STATE,
        "tags": {"Env": "dev", "Team": "a", "Extra": "1"},
        "tags_all": {"Env": "dev", "Team": "a", "Extra": "1"},
    }
    assert compare("aws_s3_bucket", state, live) == (
        Change("tags.Env", ("tags", "Env"), "prod", "dev"),
        Change("tags.Extra", ("tags", "Extra"), None, "1"),
    )


def test_security_group_rules_compare_as_a_set() -> None:
    rule = {
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
    opened = {**rule, "cidr_blocks": ["0.0.0.0/0"], "from_port": 22, "to_port": 22}
    state = {"id": "sg-1", "name": "web", "ingress": [rule], "egress": []}
    assert compare("aws_security_group", state, {**state, "ingress": [rule]}) == ()
    changes = compare("aws_security_group", state, {**state, "ingress": [opened, rule]})
    assert [(c.attribute, c.expected, c.actual) for c in changes] == [
        ("ingress", [rule], [opened, rule])
    ]


def test_policy_json_compared_as_documents() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    state = {"id": "r", "name": "r", "assume_role_policy": json.dumps(doc)}
    same = {**state, "assume_role_policy": json.dumps(doc, indent=2, sort_keys=True)}
    assert compare("aws_iam_role", state, same) == ()
    wide = json.loads(json.dumps(doc))
    wide["Statement"][0]["Principal"] = {"AWS": "*"}
    changed = compare("aws_iam_role", state, {**state, "assume_role_policy": json.dumps(wide)})
    assert [c.attribute for c in changed] == ["assume_role_policy"]


def test_numbers_compare_by_value_and_skip_is_honoured() -> None:
    state = {
        "id": "i-1",
        "instance_type": "t3.micro",
        "metadata_options": [{"http_put_response_hop_limit": 1, "http_tokens": "required"}],
    }
    live = {
        "id": "i-1",
        "instance_type": "t3.large",
        "metadata_options": [{"http_put_response_hop_limit": 1.0, "http_tokens": "required"}],
    }
    assert [c.attribute for c in compare("aws_instance", state, live)] == ["instance_type"]
    assert compare("aws_instance", state, live, skip=frozenset({"instance_type"})) == ()


def test_attributes_missing_on_one_side_are_not_compared() -> None:
    assert compare("aws_instance", {"id": "i", "ami": "a"}, {"id": "i"}) == ()


def test_paths() -> None:
    attrs = {"a": [{"b": {"c": 1}}]}
    assert value_at(attrs, ("a", 0, "b", "c")) == 1
    assert value_at(attrs, ("a", 3)) is None
    assert format_path(("metadata_options", 0, "http_tokens")) == "metadata_options[0].http_tokens"


def test_nested_block_tags_fold_default_tags() -> None:
    defaults = {"Project": "shop", "ManagedBy": "terraform"}
    state = {
        "id": "i-1",
        "root_block_device": [{"volume_size": 20, "tags": None, "tags_all": defaults}],
    }
    live = {
        "id": "i-1",
        "root_block_device": [{"volume_size": 20, "tags": defaults, "tags_all": defaults}],
    }
    assert compare("aws_instance", state, live) == ()
    live["root_block_device"][0]["tags"] = {**defaults, "Owner": "x"}
    live["root_block_device"][0]["tags_all"] = {**defaults, "Owner": "x"}
    assert [c.attribute for c in compare("aws_instance", state, live)] == [
        "root_block_device[0].tags"
    ]


def test_all_traffic_rule_ports_are_not_drift_as_the_provider_suppresses_them() -> None:
    state = {"type": "egress", "protocol": "-1", "from_port": -1, "to_port": -1}
    live = {"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0}
    assert compare("aws_security_group_rule", state, live) == ()
    tcp = {"type": "egress", "protocol": "tcp", "from_port": 443, "to_port": 443}
    moved = {**tcp, "to_port": 8443}
    assert [c.attribute for c in compare("aws_security_group_rule", tcp, moved)] == ["to_port"]


def test_a_null_one_element_nested_block_is_an_absent_block() -> None:
    # What a create writes for a nested block the API left out (null), and what the next
    # refresh writes ([]): the same absent block, never drift.
    created = {
        "capacity_reservation_specification": [
            {"capacity_reservation_preference": None, "capacity_reservation_target": None}
        ]
    }
    refreshed = {
        "capacity_reservation_specification": [
            {"capacity_reservation_preference": None, "capacity_reservation_target": []}
        ]
    }
    assert compare("aws_autoscaling_group", created, refreshed) == ()
    target = [{"capacity_reservation_ids": ["cr-1"]}]
    changed = {
        "capacity_reservation_specification": [
            {"capacity_reservation_preference": None, "capacity_reservation_target": target}
        ]
    }
    assert [c.attribute for c in compare("aws_autoscaling_group", created, changed)] == [
        "capacity_reservation_specification[0].capacity_reservation_target[0]"
        ".capacity_reservation_ids"
    ]
