"""IAM reader against the moto server over real HTTP, plus the provider's value shaping.

The shapes are checked against real Terraform in test_iam_kms_oracle.py; here: the shapes on
hand-made objects, account defaults, calls per N (listings constant, per-role calls counted),
pagination, objects vanishing mid-read, failures as values, the read-only guarantee, the
derived attachment match, and Go's JSON normalisation on fixed inputs (expected strings are
what hashicorp/aws 5.100.0 wrote to state for the same documents).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import READERS, LiveIndex, LiveResource, ReadContext, reader_for
from driftpatch.aws.readers import iam as iam_reader
from driftpatch.aws.readers.common import (
    go_float,
    iam_document,
    legacy_policy_normalize,
    name_prefix_from_name,
    normalize_json,
    provider_tags,
    rfc3339,
)
from driftpatch.aws.readers.iam import ATTACHMENT, IamReader
from driftpatch.aws.readers.interface import ReadResult
from driftpatch.aws.readers.kms import KmsReader
from driftpatch.aws.session import AwsSession, is_read_only
from driftpatch.embedded import ACCOUNT_ID, EmbeddedAws, free_port

REGION = "us-east-1"
IAM_TYPES = {
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"},
        }
    ],
}
TRUST_NORMAL = (
    '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
    '"Principal":{"Service":"ec2.amazonaws.com"}}],"Version":"2012-10-17"}'
)


def iam_client(aws: EmbeddedAws) -> Any:
    return boto3.client("iam", endpoint_url=aws.endpoint_url, region_name=REGION)


def read(session: AwsSession) -> tuple[LiveIndex, ReadResult]:
    result = IamReader().read(ReadContext(session, REGION, ACCOUNT_ID))
    return LiveIndex(result.resources), result


def count_operations(session: AwsSession) -> Counter[str]:
    """Operation names called on the session's (cached) IAM client."""
    counter: Counter[str] = Counter()
    session.client("iam", REGION).meta.events.register(
        "after-call.iam.*", lambda model, **_: counter.update([model.name])
    )
    return counter


def statement(action: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
        }
    )


# --------------------------------------------------------------------------- moto server


def test_reads_every_type_in_the_provider_shape(aws: EmbeddedAws) -> None:
    c = iam_client(aws)
    boundary = c.create_policy(PolicyName="boundary", PolicyDocument=statement("s3:*"))["Policy"]
    policy = c.create_policy(
        PolicyName="app-2026112212464563390000000a",
        Path="/app/",
        Description="app access",
        # Key order, whitespace and HTML characters as someone typed them.
        PolicyDocument='{ "Version": "2012-10-17",\n "Statement": [{"Resource": "*", '
        '"Effect": "Allow", "Action": "s3:GetObject", '
        '"Condition": {"StringEquals": {"aws:PrincipalTag/t": "a&b<c>"}}}]}',
        Tags=[{"Key": "Env", "Value": "prod"}, {"Key": "aws:cloudformation:stack", "Value": "x"}],
    )["Policy"]
    role = c.create_role(
        RoleName="app",
        Path="/svc/",
        Description="the app",
        MaxSessionDuration=7200,
        AssumeRolePolicyDocument=json.dumps(TRUST, indent=2),
        PermissionsBoundary=boundary["Arn"],
        Tags=[{"Key": "Team", "Value": "a"}, {"Key": "aws:x", "Value": "AWS's own"}],
    )["Role"]
    c.put_role_policy(RoleName="app", PolicyName="logs", PolicyDocument=statement("logs:*"))
    c.attach_role_policy(RoleName="app", PolicyArn=policy["Arn"])
    c.create_role(RoleName="bare", AssumeRolePolicyDocument=json.dumps(TRUST))

    live, result = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    assert not result.errors and not result.incomplete_types

    r = live.get("aws_iam_role", "app")
    assert r is not None and r.region is None and not r.account_default
    assert r.attributes == {
        "arn": role["Arn"],
        "assume_role_policy": TRUST_NORMAL,
        "create_date": rfc3339(role["CreateDate"]),
        "description": "the app",
        "id": "app",
        "inline_policy": [
            {
                "name": "logs",
                "policy": '{"Version":"2012-10-17","Statement":'
                '[{"Action":"logs:*","Effect":"Allow","Resource":"*"}]}',
            }
        ],
        "managed_policy_arns": [policy["Arn"]],
        "max_session_duration": 7200,
        "name": "app",
        "name_prefix": "",
        "path": "/svc/",
        "permissions_boundary": boundary["Arn"],
        "tags": {"Team": "a"},
        "tags_all": {"Team": "a"},
        "unique_id": role["RoleId"],
    }
    assert str(r.attributes["create_date"]).endswith("Z")

    bare = live.get("aws_iam_role", "bare")
    assert bare is not None
    assert bare.attributes["inline_policy"] == [] == bare.attributes["managed_policy_arns"]
    assert bare.attributes["permissions_boundary"] == "" == bare.attributes["description"]
    assert bare.attributes["tags"] == {} and bare.attributes["max_session_duration"] == 3600

    rp = live.get("aws_iam_role_policy", "app:logs")
    assert rp is not None
    assert rp.attributes == {
        "id": "app:logs",
        "name": "logs",
        "name_prefix": "",
        "policy": r.attributes["inline_policy"][0]["policy"],  # type: ignore[index]
        "role": "app",
    }

    p = live.get("aws_iam_policy", policy["Arn"])
    assert p is not None
    assert p.attributes == {
        "arn": policy["Arn"],
        "attachment_count": 1,
        "description": "app access",
        "id": policy["Arn"],
        "name": "app-2026112212464563390000000a",
        "name_prefix": "app-",
        "path": "/app/",
        "policy": '{"Statement":[{"Action":"s3:GetObject","Condition":{"StringEquals":'
        '{"aws:PrincipalTag/t":"a\\u0026b\\u003cc\\u003e"}},"Effect":"Allow","Resource":"*"}],'
        '"Version":"2012-10-17"}',
        "policy_id": policy["PolicyId"],
        "tags": {"Env": "prod"},
        "tags_all": {"Env": "prod"},
    }
    assert {x.type for x in live} == IAM_TYPES - {ATTACHMENT}


def test_aws_owned_roles_are_account_defaults(aws: EmbeddedAws) -> None:
    c = iam_client(aws)
    linked = c.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")["Role"]
    assert linked["Path"].startswith("/aws-service-role/")
    c.create_role(
        RoleName="AWSReservedSSO_Admin_0123456789abcdef",
        Path="/aws-reserved/sso.amazonaws.com/",
        AssumeRolePolicyDocument=json.dumps(TRUST),
    )
    c.put_role_policy(
        RoleName="AWSReservedSSO_Admin_0123456789abcdef",
        PolicyName="inline",
        PolicyDocument=statement("s3:*"),
    )
    c.create_role(RoleName="service-role", Path="/service-role/", AssumeRolePolicyDocument="{}")
    live, _ = read(AwsSession(endpoint_url=aws.endpoint_url, region=REGION))
    defaults = {(x.type, x.id) for x in live if x.account_default}
    assert defaults == {
        ("aws_iam_role", linked["RoleName"]),
        ("aws_iam_role", "AWSReservedSSO_Admin_0123456789abcdef"),
        ("aws_iam_role_policy", "AWSReservedSSO_Admin_0123456789abcdef:inline"),
    }
    # /service-role/ is only a naming convention for roles customers create.
    assert live.get("aws_iam_role", "service-role") is not None
    assert ("aws_iam_role", "service-role") not in defaults


def test_aws_managed_policies_are_never_emitted(
    aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    aws.reset()
    c = iam_client(aws)
    c.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    c.attach_role_policy(RoleName="r", PolicyArn=readonly)
    mine = c.create_policy(PolicyName="mine", PolicyDocument=statement("s3:*"))["Policy"]["Arn"]
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    live, _ = read(session)
    assert [p.id for p in live.of_type("aws_iam_policy")] == [mine]
    assert ops["GetPolicy"] == 1  # not one per AWS-managed policy
    role = live.get("aws_iam_role", "r")
    assert role is not None and role.attributes["managed_policy_arns"] == [readonly]


def build_world(aws: EmbeddedAws, n: int) -> None:
    """n roles, each with one inline policy and one attached managed policy of its own."""
    c = iam_client(aws)
    for i in range(n):
        arn = c.create_policy(PolicyName=f"p{i}", PolicyDocument=statement("s3:*"))["Policy"]["Arn"]
        c.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=json.dumps(TRUST))
        c.put_role_policy(RoleName=f"r{i}", PolicyName="inline", PolicyDocument=statement("sqs:*"))
        c.attach_role_policy(RoleName=f"r{i}", PolicyArn=arn)


def _counts(aws: EmbeddedAws, n: int) -> Counter[str]:
    aws.reset()
    build_world(aws, n)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    live, result = read(session)
    assert not result.errors
    assert len(live.of_type("aws_iam_role")) == len(live.of_type("aws_iam_policy")) == n
    assert sum(ops.values()) == session.calls()["iam"]
    return ops


def test_listing_calls_do_not_grow_with_n(aws: EmbeddedAws) -> None:
    one, many = _counts(aws, 1), _counts(aws, 20)
    # Roles: no per-role call (ListRoles + the authorization details answer for all of them);
    # policies come with their documents from the details too, GetPolicy per policy for tags.
    listings = {"ListRoles": 1, "GetAccountAuthorizationDetails": 1}
    assert one == {**listings, "GetPolicy": 1}
    assert many == {**listings, "GetPolicy": 20}


def test_paginates_listings(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> None:
    c = iam_client(aws)
    for i in range(12):
        c.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=json.dumps(TRUST))
        c.create_policy(PolicyName=f"p{i}", PolicyDocument=statement("s3:*"))
    monkeypatch.setattr(iam_reader, "PAGE_SIZE", 5)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    live, result = read(session)
    assert not result.errors
    assert len(live.of_type("aws_iam_role")) == len(live.of_type("aws_iam_policy")) == 12
    assert ops["ListRoles"] == 3


def test_roles_changed_between_the_listings_are_gone_or_read_not_errors(aws: EmbeddedAws) -> None:
    """A role deleted between ListRoles and the authorization details is simply absent; one
    made between them (the details know it, ListRoles did not) is read with one GetRole."""
    c = iam_client(aws)
    for name in ("keep", "vanish"):
        c.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        c.put_role_policy(RoleName=name, PolicyName="a", PolicyDocument=statement("s3:*"))
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)

    def race(model: Any, **_: Any) -> None:
        if model.name == "ListRoles":  # answered already: change the world behind it
            c.delete_role_policy(RoleName="vanish", PolicyName="a")
            c.delete_role(RoleName="vanish")
            c.create_role(
                RoleName="late", AssumeRolePolicyDocument=json.dumps(TRUST), Description="new"
            )

    session.client("iam", REGION).meta.events.register("after-call.iam.ListRoles", race)
    # The details read after the listing, as a slow listing would leave them.
    gate = threading.Event()

    def after_listing(**_: Any) -> None:
        gate.wait(30)  # returns None: a before-call answer would replace the request

    session.client("iam", REGION).meta.events.register(
        "after-call.iam.ListRoles", lambda **_: gate.set()
    )
    session.client("iam", REGION).meta.events.register(
        "before-call.iam.GetAccountAuthorizationDetails", after_listing
    )
    live, result = read(session)
    assert not result.errors and not result.incomplete_types
    assert sorted(r.id for r in live.of_type("aws_iam_role")) == ["keep", "late"]
    assert [r.id for r in live.of_type("aws_iam_role_policy")] == ["keep:a"]
    late = live.get("aws_iam_role", "late")
    assert late is not None and late.attributes["description"] == "new"
    assert ops["GetRole"] == 1


def _reset_auth(aws: EmbeddedAws, count: bytes) -> None:
    """moto reads the bare number from the body; a form content type would hide it."""
    req = urllib.request.Request(
        f"{aws.endpoint_url}/moto-api/reset-auth",
        data=count,
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200


@contextmanager
def limited_session(aws: EmbeddedAws, *denied: str) -> Iterator[AwsSession]:
    """A session of a user allowed everything but `denied`, with moto enforcing IAM."""
    c = iam_client(aws)
    c.create_user(UserName="reader")
    rules = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    rules += [{"Effect": "Deny", "Action": action, "Resource": "*"} for action in denied]
    c.put_user_policy(
        UserName="reader",
        PolicyName="p",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": rules}),
    )
    key = c.create_access_key(UserName="reader")["AccessKey"]
    _reset_auth(aws, b"0")  # from now on, every request is authorised
    try:
        session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
        session._session = boto3.Session(
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
            region_name=REGION,
        )
        yield session
    finally:
        _reset_auth(aws, b"inf")  # moto's default: no authorisation


def test_access_denied_for_iam_skips_iam_only(aws: EmbeddedAws) -> None:
    c = iam_client(aws)
    c.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
    key = boto3.client("kms", endpoint_url=aws.endpoint_url, region_name=REGION).create_key()
    with limited_session(aws, "iam:*") as session:
        result = IamReader().read(ReadContext(session, REGION, ACCOUNT_ID))
        kms = KmsReader().read(ReadContext(session, REGION, ACCOUNT_ID))
    assert not result.resources
    assert result.incomplete_types == IAM_TYPES
    messages = sorted(e.message for e in result.errors)
    assert [e.scope for e in result.errors] == ["iam/global"] * 2
    assert messages[0].startswith("GetAccountAuthorizationDetails: AccessDenied")
    assert messages[1].startswith("ListRoles: AccessDenied")
    assert not kms.errors
    keys = [k.id for k in kms.resources if k.type == "aws_kms_key"]
    assert keys == [key["KeyMetadata"]["KeyId"]]


def test_denied_details_mark_roles_and_policies_incomplete(aws: EmbeddedAws) -> None:
    c = iam_client(aws)
    for i in range(3):
        c.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=json.dumps(TRUST))
        c.put_role_policy(RoleName=f"r{i}", PolicyName="a", PolicyDocument=statement("s3:*"))
    c.create_policy(PolicyName="p", PolicyDocument=statement("s3:*"))
    with limited_session(aws, "iam:GetAccountAuthorizationDetails") as session:
        live, result = read(session)
    assert result.incomplete_types == IAM_TYPES
    assert len(result.errors) == 1  # one failed read, said once for roles and policies
    assert result.errors[0].message.startswith("GetAccountAuthorizationDetails: AccessDenied")
    # A role whose inline policies cannot be read is not emitted half-read.
    assert not live.of_type("aws_iam_role") and not live.of_type("aws_iam_role_policy")
    assert not live.of_type("aws_iam_policy")


def test_a_denied_per_policy_call_is_one_error_and_roles_still_read(aws: EmbeddedAws) -> None:
    c = iam_client(aws)
    c.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
    for i in range(3):
        c.create_policy(PolicyName=f"p{i}", PolicyDocument=statement("s3:*"))
    with limited_session(aws, "iam:GetPolicy") as session:
        live, result = read(session)
    assert result.incomplete_types == {"aws_iam_policy"}
    (error,) = result.errors
    assert error.message.startswith("GetPolicy: AccessDenied")
    assert "(and 2 more policies)" in error.message
    assert not live.of_type("aws_iam_policy")  # not emitted half-read
    assert [r.id for r in live.of_type("aws_iam_role")] == ["r"]


def test_connection_error_is_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    result = IamReader().read(ReadContext(session, REGION, ACCOUNT_ID))
    assert not result.resources
    assert result.incomplete_types == IAM_TYPES
    assert len(result.errors) == 2  # ListRoles, the authorization details
    assert all("Could not connect" in e.message for e in result.errors)


def test_only_read_only_calls(aws: EmbeddedAws) -> None:
    build_world(aws, 2)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ops = count_operations(session)
    _, result = read(session)  # the session's guard raises on anything else
    assert not result.errors
    assert ops and all(is_read_only(op) for op in ops), sorted(ops)


def test_registered() -> None:
    readers = [r for r in READERS if isinstance(r, IamReader)]
    assert len(readers) == 1 and readers[0].is_global
    for type_ in IAM_TYPES:
        assert reader_for(type_) is readers[0]
        assert [t for r in READERS for t in r.types].count(type_) == 1
    assert readers[0].derived_types == {ATTACHMENT}


# --------------------------------------------------------------------------- derived attachments


def _role(name: str, arns: list[str], default: bool = False) -> LiveResource:
    attrs = {"id": name, "managed_policy_arns": arns}
    return LiveResource("aws_iam_role", name, None, attrs, account_default=default)


def test_attachment_is_matched_from_state_against_the_roles_policies() -> None:
    arn = "arn:aws:iam::123456789012:policy/p"
    live = LiveIndex((_role("app", [arn, "arn:aws:iam::aws:policy/ReadOnlyAccess"]),))
    reader = IamReader()
    state = {"id": "app-20261122134940884500000005", "role": "app", "policy_arn": arn}
    found = reader.match(ATTACHMENT, state["id"], state, live)
    assert found is not None
    assert (found.type, found.id, found.region) == (ATTACHMENT, state["id"], None)
    assert found.attributes == state and not found.account_default
    assert reader.match(ATTACHMENT, "x", {**state, "policy_arn": arn + "2"}, live) is None
    assert reader.match(ATTACHMENT, "x", {**state, "role": "other"}, live) is None
    # Other types match by id.
    assert reader.match("aws_iam_role", "app", {}, live) is live.get("aws_iam_role", "app")
    slr = LiveIndex((_role("AWSServiceRoleForX", [arn], default=True),))
    found = reader.match(ATTACHMENT, "i", {"role": "AWSServiceRoleForX", "policy_arn": arn}, slr)
    assert found is not None and found.account_default


# --------------------------------------------------------------------------- provider rules


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1"),
        (-0.0, "-0"),
        (0.5, "0.5"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e-7, "1.5e-7"),
        (1e-6, "0.000001"),
        (12345678901234567890.0, "12345678901234567000"),
        (1e100, "1e+100"),
    ],
)
def test_go_float(value: float, expected: str) -> None:
    assert go_float(value) == expected


def test_normalize_json_is_gos_marshal() -> None:
    # Written by hashicorp/aws 5.100.0 to state for the same document (see the oracle stack).
    typed = (
        '{\n  "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"],\n'
        '  "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a&b <x>"}},\n'
        '  "Resource": "*"}],\n  "Version": "2012-10-17"\n}'
    )
    assert normalize_json(typed) == (
        '{"Statement":[{"Action":["s3:GetObject"],"Condition":{"StringEquals":'
        '{"aws:PrincipalTag/team":"a\\u0026b \\u003cx\\u003e"}},"Effect":"Allow",'
        '"Resource":"*","Sid":"Read"}],"Version":"2012-10-17"}'
    )
    assert normalize_json('{"n": 10, "f": 2.50, "u": "é\\u2028\\n\\u0001"}') == (
        '{"f":2.5,"n":10,"u":"é\\u2028\\n\\u0001"}'
    )
    assert normalize_json("") == "" and normalize_json("  ") == ""
    assert normalize_json("{not json") == "{not json"


def test_legacy_normalize_moves_version_first() -> None:
    doc = (
        '{"Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],\n'
        ' "Version": "2012-10-17"}'
    )
    assert legacy_policy_normalize(doc) == (
        '{"Version":"2012-10-17","Statement":'
        '[{"Action":"ec2:Describe*","Effect":"Allow","Resource":"*"}]}'
    )
    with_id = '{"Version": "2012-10-17", "Id": "x", "Statement": []}'
    assert legacy_policy_normalize(with_id) == '{"Version":"2012-10-17","Id":"x","Statement":[]}'
    # Only the 2012-10-17 language version moves; anything else stays sorted.
    old = '{"Version": "2008-10-17", "Statement": []}'
    assert legacy_policy_normalize(old) == '{"Statement":[],"Version":"2008-10-17"}'
    assert legacy_policy_normalize("") == ""


def test_iam_document_from_botocore_or_raw() -> None:
    # botocore hands over parsed documents (dicts, ints); a failed parse stays URL-encoded.
    parsed = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Condition": {"N": 5}}]}
    assert (
        iam_document(parsed)
        == '{"Statement":[{"Condition":{"N":5},"Effect":"Allow"}],"Version":"2012-10-17"}'
    )
    assert iam_document("%7B%22b%22%3A%20%22a%2Bb c%22%7D") == '{"b":"a+b c"}'
    assert iam_document(None) == ""


def test_small_provider_rules() -> None:
    assert name_prefix_from_name("app-20261122134939235100000001") == "app-"
    assert name_prefix_from_name("inl-2026112213495272820000000f") == "inl-"
    assert name_prefix_from_name("20261122134939235100000001") == ""
    assert name_prefix_from_name("plain") == ""
    tags = provider_tags([{"Key": "b", "Value": "2"}, {"Key": "aws:x", "Value": "y"}])
    assert tags == {"b": "2"}
