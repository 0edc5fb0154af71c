from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from driftpatch.drift.policy import canonical_policy, parse_policy, policies_equal

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.mark.parametrize(
    "other",
    [
        # key order and whitespace
        json.dumps(TRUST, indent=4, sort_keys=True),
        # a single statement instead of a one-element list
        json.dumps({**TRUST, "Statement": TRUST["Statement"][0]}),
        # string vs one-element list, for actions and principals
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": ["sts:AssumeRole"],
                        "Principal": {"Service": ["ec2.amazonaws.com"]},
                        "Effect": "Allow",
                        "Sid": "",
                    }
                ],
            }
        ),
        # IAM returns documents URL-encoded
        quote(json.dumps(TRUST)),
    ],
)
def test_same_policy_in_other_forms(other: str) -> None:
    assert policies_equal(json.dumps(TRUST), other)


def test_account_id_principal_equals_its_root_arn() -> None:
    a = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "*"}]}
    b = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]},
                "Action": ["*"],
            }
        ]
    }
    assert policies_equal(json.dumps(a), json.dumps(b))


def test_action_order_does_not_matter_but_content_does() -> None:
    a = {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}
        ]
    }
    b = {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*"}
        ]
    }
    c = {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
    assert policies_equal(json.dumps(a), json.dumps(b))
    assert not policies_equal(json.dumps(a), json.dumps(c))


def test_widened_trust_policy_is_a_difference() -> None:
    widened = json.loads(json.dumps(TRUST))
    widened["Statement"][0]["Principal"] = {"AWS": "*"}
    assert not policies_equal(json.dumps(TRUST), json.dumps(widened))


def test_star_principal_forms_are_equal() -> None:
    a = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}
    b = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"}]}
    assert canonical_policy(a) == canonical_policy(b)


def test_empty_and_non_policies() -> None:
    assert policies_equal("", None)
    assert parse_policy("not json") is None
    assert parse_policy("[1, 2]") is None
    assert not policies_equal("not json", json.dumps(TRUST))
