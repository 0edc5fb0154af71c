"""IAM users reader against the moto server over real HTTP, plus its value shaping.

The shapes are checked against real Terraform in test_iam_users_oracle.py; here: the shapes on
hand-made objects, secrets never read, calls per N (listings constant, per-user and
per-profile calls counted), failures as values, the derived matches from state, and a
`--live` snapshot's odd-typed link attribute refused as the schema's attributes are.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import READERS, LiveIndex, LiveResource, ReadContext
from driftpatch.aws.readers.iam_users import (
    ACCESS_KEY,
    DETAIL_TYPES,
    GROUP,
    GROUP_ATTACHMENT,
    GROUP_MEMBERSHIP,
    LINK_GROUPS,
    LINK_POLICIES,
    LINK_USERS,
    PROFILE,
    USER,
    USER_ATTACHMENT,
    USER_GROUPS,
    IamUsersReader,
)
from driftpatch.aws.readers.interface import ReadResult
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import ACCOUNT_ID, EmbeddedAws
from driftpatch.typed import AttributeTypeError

from .test_iam_reader import TRUST, limited_session, statement

REGION = "us-east-1"


def read(session: AwsSession) -> tuple[LiveIndex, ReadResult]:
    result = IamUsersReader().read(ReadContext(session, REGION, ACCOUNT_ID))
    return LiveIndex(result.resources), result


def build(aws: EmbeddedAws, n: int) -> Any:
    c = boto3.client("iam", endpoint_url=aws.endpoint_url, region_name=REGION)
    arn = c.create_policy(PolicyName="p", PolicyDocument=statement("s3:*"))["Policy"]["Arn"]
    c.create_group(GroupName="g")
    c.attach_group_policy(GroupName="g", PolicyArn=arn)
    for i in range(n):
        c.create_user(UserName=f"u{i}", Tags=[{"Key": "Team", "Value": "a"}])
        c.put_user_policy(UserName=f"u{i}", PolicyName="inl", PolicyDocument=statement("s3:*"))
        c.attach_user_policy(UserName=f"u{i}", PolicyArn=arn)
        c.add_user_to_group(GroupName="g", UserName=f"u{i}")
        c.create_access_key(UserName=f"u{i}")
        c.create_instance_profile(InstanceProfileName=f"ip{i}", Path="/x/")
    return c


def test_reads_every_type_in_the_provider_shape(aws: EmbeddedAws) -> None:
    c = build(aws, 1)
    c.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
    c.add_role_to_instance_profile(InstanceProfileName="ip0", RoleName="r")
    c.tag_instance_profile(InstanceProfileName="ip0", Tags=[{"Key": "Env", "Value": "t"}])
    c.create_instance_profile(InstanceProfileName="linked", Path="/aws-service-role/")
    key = c.list_access_keys(UserName="u0")["AccessKeyMetadata"][0]
    live, result = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    assert result.errors == () and result.incomplete_types == frozenset()
    arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/p"

    user = live.get(USER, "u0")
    assert user is not None
    assert {k: v for k, v in user.attributes.items() if k != "unique_id"} == {
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/u0",
        "id": "u0",
        "name": "u0",
        "path": "/",
        "permissions_boundary": "",
        "tags": {"Team": "a"},
        "tags_all": {"Team": "a"},
        LINK_POLICIES: [arn],
        LINK_GROUPS: ["g"],
    }
    policy = live.get("aws_iam_user_policy", "u0:inl")
    assert policy is not None and policy.attributes["user"] == "u0"
    assert policy.attributes["policy"] == (
        '{"Version":"2012-10-17","Statement":[{"Action":"s3:*","Effect":"Allow","Resource":"*"}]}'
    )
    group = live.get(GROUP, "g")
    assert group is not None
    assert group.attributes[LINK_USERS] == ["u0"] and group.attributes[LINK_POLICIES] == [arn]
    (access_key,) = live.of_type(ACCESS_KEY)
    # Only what the provider reads back: never a secret.
    assert dict(access_key.attributes) == {
        "create_date": access_key.attributes["create_date"],
        "id": key["AccessKeyId"],
        "status": "Active",
        "user": "u0",
    }
    profile = live.get(PROFILE, "ip0")
    assert profile is not None
    assert profile.attributes["role"] == "r" and profile.attributes["tags"] == {"Env": "t"}
    assert profile.attributes["path"] == "/x/" and not profile.account_default
    linked = live.get(PROFILE, "linked")
    assert linked is not None and linked.attributes["role"] is None and linked.account_default
    assert not [r for r in live if r.type in IamUsersReader.derived_types]


def count_operations(session: AwsSession) -> Counter[str]:
    counter: Counter[str] = Counter()
    session.client("iam", REGION).meta.events.register(
        "after-call.iam.*", lambda model, **_: counter.update([model.name])
    )
    return counter


@pytest.mark.parametrize("n", [1, 12])
def test_listings_are_constant_and_per_object_calls_counted(aws: EmbeddedAws, n: int) -> None:
    build(aws, n)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    _, result = read(session)
    assert result.errors == ()
    assert ops == {
        "GetAccountAuthorizationDetails": 1,
        "ListInstanceProfiles": 1,
        "ListAccessKeys": n,  # access keys are in no account-wide listing
        "GetInstanceProfile": n,  # listings leave tags out
    }


def test_a_denied_listing_marks_its_types_incomplete_and_the_rest_is_read(
    aws: EmbeddedAws,
) -> None:
    build(aws, 2)
    with limited_session(aws, "iam:GetAccountAuthorizationDetails") as session:
        live, result = read(session)
    assert result.incomplete_types == frozenset(DETAIL_TYPES)
    (error,) = result.errors
    assert error.scope == "iam/global"
    assert error.message.startswith("GetAccountAuthorizationDetails: AccessDenied")
    assert sorted(r.id for r in live.of_type(PROFILE)) == ["ip0", "ip1"]
    assert not live.of_type(USER) and not live.of_type(ACCESS_KEY)


def test_a_denied_per_user_call_is_one_error(aws: EmbeddedAws) -> None:
    build(aws, 3)
    with limited_session(aws, "iam:ListAccessKeys") as session:
        live, result = read(session)
    assert result.incomplete_types == {ACCESS_KEY}
    (error,) = result.errors
    # The reader's own user ("reader", made by limited_session) is a fourth.
    assert error.message.startswith("ListAccessKeys: AccessDenied")
    assert "(and 3 more users)" in error.message
    assert len(live.of_type(USER)) == 4


def _owners() -> LiveIndex:
    user = LiveResource(
        USER, "u", None, {"id": "u", "name": "u", LINK_POLICIES: ["arn:p"], LINK_GROUPS: ["a"]}
    )
    group = LiveResource(
        GROUP, "a", None, {"id": "a", "name": "a", LINK_POLICIES: ["arn:q"], LINK_USERS: ["u", "v"]}
    )
    return LiveIndex((user, group))


def test_derived_types_are_matched_from_state() -> None:
    live, reader = _owners(), IamUsersReader()
    found = reader.match(USER_ATTACHMENT, "u-2024", {"user": "u", "policy_arn": "arn:p"}, live)
    assert found is not None
    assert dict(found.attributes) == {"id": "u-2024", "policy_arn": "arn:p", "user": "u"}
    assert reader.match(USER_ATTACHMENT, "x", {"user": "u", "policy_arn": "arn:q"}, live) is None
    assert reader.match(USER_ATTACHMENT, "x", {"user": "w", "policy_arn": "arn:p"}, live) is None
    found = reader.match(GROUP_ATTACHMENT, "a-1", {"group": "a", "policy_arn": "arn:q"}, live)
    assert found is not None and found.attributes["group"] == "a"
    # A group membership is every member of the group, not just the configured ones.
    found = reader.match(GROUP_MEMBERSHIP, "m", {"name": "m", "group": "a", "users": ["u"]}, live)
    assert found is not None
    assert dict(found.attributes) == {"group": "a", "id": "m", "name": "m", "users": ["u", "v"]}
    assert reader.match(GROUP_MEMBERSHIP, "m", {"name": "m", "group": "b"}, live) is None
    # A user's group membership is the configured groups the user is still in.
    state = {"user": "u", "groups": ["a", "b"]}
    found = reader.match(USER_GROUPS, "terraform-1", state, live)
    assert found is not None
    assert dict(found.attributes) == {"groups": ["a"], "id": "terraform-1", "user": "u"}
    assert reader.match(USER_GROUPS, "t", {"user": "w", "groups": ["a"]}, live) is None


def test_an_odd_typed_link_in_a_snapshot_is_refused_with_its_name() -> None:
    user = LiveResource(USER, "u", None, {"id": "u", LINK_GROUPS: {"a": 1}})
    with pytest.raises(AttributeTypeError, match=f"aws_iam_user u: attribute {LINK_GROUPS}"):
        IamUsersReader().match(USER_GROUPS, "t", {"user": "u", "groups": ["a"]}, LiveIndex((user,)))


def test_registered_once() -> None:
    readers = [r for r in READERS if isinstance(r, IamUsersReader)]
    assert len(readers) == 1
    for type_ in readers[0].types:
        assert [t for r in READERS for t in r.types].count(type_) == 1
