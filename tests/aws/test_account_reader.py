"""Account/logging readers: the oracle (real Terraform + hashicorp/aws 5.100.0 against moto,
refreshed, compared key by key with what the readers emit) and unit tests over real HTTP.

moto gaps seen here (not special-cased in the reader):
- DescribeTrails ignores trailNameList and returns every trail, so the provider's read fails
  with "too many results" when a region has two trails: each oracle stack has one trail.
- DescribeTrails always says HasCustomEventSelectors/HasInsightSelectors false, so selectors
  never reach state through moto; their flattening is unit-tested on AWS-shaped responses.
- DescribeFlowLogs returns no DestinationOptions; DescribeLogGroups no logGroupClass.
- GuardDuty returns no MalwareProtection data source.
Harness artifact (not moto): the provider override sets skip_requesting_account_id, so the
provider builds flow-log and detector ARNs (and the detector's account_id) with an empty
account; the comparison blanks the account in exactly those provider-built values.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import READERS, covered_types, reader_for
from driftpatch.aws.readers.account import (
    ACCOUNT_TYPE,
    AccountIamReader,
    AccountLoggingReader,
    flatten_advanced_selectors,
    flatten_event_selectors,
    name_prefix_from_name,
)
from driftpatch.aws.readers.interface import LiveResource, ReadContext, ReadResult
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import ACCOUNT_ID, EmbeddedAws
from driftpatch.terraform.binary import Terraform

REGION = "us-east-1"
LOGGING = AccountLoggingReader()
IAM = AccountIamReader()
OUR_TYPES = (*LOGGING.types, *IAM.types)
# Built by the provider from its own (here: empty) account id, see the module docstring.
PROVIDER_BUILT = {
    "aws_flow_log": ("arn",),
    "aws_guardduty_detector": ("arn", "account_id"),
}

COMMON = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

resource "aws_s3_bucket" "logs" {
  bucket        = "driftpatch-oracle-logs"
  force_destroy = true
}

resource "aws_kms_key" "logs" {
  description = "log encryption"
}

resource "aws_iam_role" "delivery" {
  name = "log-delivery"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = ["cloudtrail.amazonaws.com", "vpc-flow-logs.amazonaws.com"] }
    }]
  })
}

resource "aws_cloudwatch_log_group" "trail" {
  name              = "/oracle/trail"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.logs.arn
  tags = {
    Env = "prod"
  }
}
"""

FULL = """
resource "aws_cloudtrail" "full" {
  name                          = "org-trail"
  s3_bucket_name                = aws_s3_bucket.logs.id
  s3_key_prefix                 = "ct"
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  enable_logging                = false
  kms_key_id                    = aws_kms_key.logs.arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.delivery.arn
  tags = {
    Team = "security"
  }
}

resource "aws_cloudwatch_log_group" "minimal" {
  name = "/oracle/minimal"
}

resource "aws_cloudwatch_log_group" "prefixed" {
  name_prefix = "/oracle/p-"
}

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.20.1.0/24"
}

resource "aws_flow_log" "to_logs" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.trail.arn
  iam_role_arn    = aws_iam_role.delivery.arn
  tags = {
    Name = "vpc-flow"
  }
}

resource "aws_flow_log" "to_s3" {
  subnet_id                = aws_subnet.a.id
  traffic_type             = "REJECT"
  log_destination_type     = "s3"
  log_destination          = aws_s3_bucket.logs.arn
  max_aggregation_interval = 60
}

resource "aws_guardduty_detector" "main" {
  enable                       = true
  finding_publishing_frequency = "FIFTEEN_MINUTES"
  tags = {
    Team = "security"
  }
}

resource "aws_config_configuration_recorder" "main" {
  name     = "main"
  role_arn = aws_iam_role.delivery.arn
  recording_group {
    all_supported                 = true
    include_global_resource_types = true
  }
}

resource "aws_config_delivery_channel" "main" {
  name           = "main"
  s3_bucket_name = aws_s3_bucket.logs.id
  depends_on     = [aws_config_configuration_recorder.main]
}

resource "aws_config_configuration_recorder_status" "main" {
  name       = aws_config_configuration_recorder.main.name
  is_enabled = true
  depends_on = [aws_config_delivery_channel.main]
}

resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length        = 14
  require_lowercase_characters   = true
  require_numbers                = true
  require_uppercase_characters   = true
  require_symbols                = true
  allow_users_to_change_password = true
  password_reuse_prevention      = 24
  max_password_age               = 90
}
"""

MINIMAL = """
resource "aws_cloudtrail" "minimal" {
  name           = "minimal"
  s3_bucket_name = aws_s3_bucket.logs.id
}

resource "aws_guardduty_detector" "off" {
  enable = false
}

resource "aws_config_configuration_recorder" "partial" {
  name     = "partial"
  role_arn = aws_iam_role.delivery.arn
  recording_group {
    all_supported  = false
    resource_types = ["AWS::EC2::Instance", "AWS::S3::Bucket"]
  }
}

resource "aws_iam_account_password_policy" "weak" {
  minimum_password_length = 8
}
"""


def _read_all(session: AwsSession, region: str = REGION) -> list[ReadResult]:
    ctx = ReadContext(session, region, ACCOUNT_ID)
    return [LOGGING.read(ctx), IAM.read(ctx)]


def _resources(results: list[ReadResult]) -> dict[tuple[str, str], LiveResource]:
    return {(r.type, r.id): r for res in results for r in res.resources}


def _blank_account(value: Any) -> Any:
    if value == ACCOUNT_ID:
        return ""
    return value.replace(f":{ACCOUNT_ID}:", "::") if isinstance(value, str) else value


def _diff(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    keys = sorted(set(expected) | set(actual))
    return [
        f"  {k}: state={json.dumps(expected.get(k, '<absent>'))} "
        f"reader={json.dumps(actual.get(k, '<absent>'))}"
        for k in keys
        if expected.get(k, "<absent>") != actual.get(k, "<absent>")
    ]


@pytest.mark.terraform
@pytest.mark.parametrize("variant", ["full", "minimal"])
def test_oracle(
    variant: str,
    tf_apply: Any,
    terraform: Terraform,
    aws: EmbeddedAws,
    tmp_path: Path,
) -> None:
    (tmp_path / "main.tf").write_text(COMMON + (FULL if variant == "full" else MINIMAL))
    tf_apply(tmp_path)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], tmp_path
    )
    state = json.loads((tmp_path / "terraform.tfstate").read_text())
    live = _resources(_read_all(AwsSession(endpoint_url=aws.endpoint_url, region=REGION)))
    instances = [
        (r["type"], r["name"], inst["attributes"])
        for r in state["resources"]
        if r["type"] in OUR_TYPES
        for inst in r["instances"]
    ]
    seen_types = {t for t, _, _ in instances}
    assert seen_types >= {
        "aws_cloudtrail",
        "aws_cloudwatch_log_group",
        "aws_guardduty_detector",
        "aws_config_configuration_recorder",
        "aws_iam_account_password_policy",
    }
    problems: list[str] = []
    for type_, name, attrs in instances:
        reader = reader_for(type_)
        assert reader is not None
        got = live.get((type_, attrs["id"]))
        if got is None:
            problems.append(f"{type_}.{name}: no live object with id {attrs['id']}")
            continue
        skip = reader.unreadable.get(type_, frozenset())
        expected = {k: v for k, v in attrs.items() if k not in skip}
        actual = dict(got.attributes)
        for key in PROVIDER_BUILT.get(type_, ()):
            actual[key] = _blank_account(actual[key])
        diff = _diff(expected, actual)
        if diff:
            problems.append(f"{type_}.{name}:\n" + "\n".join(diff))
    assert not problems, "reader differs from refreshed state:\n" + "\n".join(problems)


# -- unit tests over real HTTP ------------------------------------------------------------------


def _clients(aws: EmbeddedAws, region: str = REGION) -> Any:
    def client(service: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=aws.endpoint_url)

    return client


def _bucket(client: Any, name: str = "trail-bucket") -> str:
    client("s3").create_bucket(Bucket=name)
    return name


def test_account_facts_and_shapes(aws: EmbeddedAws) -> None:
    c = _clients(aws)
    bucket = _bucket(c)
    c("cloudtrail").create_trail(Name="trail1", S3BucketName=bucket, IsMultiRegionTrail=True)
    c("cloudtrail").start_logging(Name="trail1")
    c("cloudtrail").add_tags(
        ResourceId=f"arn:aws:cloudtrail:{REGION}:{ACCOUNT_ID}:trail/trail1",
        TagsList=[{"Key": "a", "Value": "b"}],
    )
    c("guardduty").create_detector(Enable=True)
    c("logs").create_log_group(logGroupName="/app", tags={"k": "v"})
    c("logs").put_retention_policy(logGroupName="/app", retentionInDays=30)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    results = _read_all(session)
    assert [r.errors for r in results] == [(), ()]
    live = _resources(results)
    regional = live[(ACCOUNT_TYPE, f"{ACCOUNT_ID}/{REGION}")]
    assert regional.account_default and regional.region == REGION
    assert dict(regional.attributes) == {
        "account_id": ACCOUNT_ID,
        "cloudtrail_logging": True,
        "cloudtrail_multi_region_logging": True,
        "config_recorder_enabled": False,
        "guardduty_enabled": True,
        "region": REGION,
        "scope": "region",
    }
    glob = live[(ACCOUNT_TYPE, ACCOUNT_ID)]
    assert glob.account_default and glob.region is None
    assert dict(glob.attributes) == {
        "account_access_keys_present": False,
        "account_id": ACCOUNT_ID,
        "account_mfa_enabled": False,
        "password_policy_present": False,  # NoSuchEntity: no policy, no resource
        "region": None,
        "scope": "global",
    }
    assert ("aws_iam_account_password_policy", "iam-account-password-policy") not in live
    trail = live[("aws_cloudtrail", f"arn:aws:cloudtrail:{REGION}:{ACCOUNT_ID}:trail/trail1")]
    assert trail.attributes["tags"] == {"a": "b"} == trail.attributes["tags_all"]
    assert trail.attributes["enable_logging"] is True
    c("logs").create_log_group(logGroupName="/aws/lambda/fn")
    live = _resources(_read_all(session))
    assert live[("aws_cloudwatch_log_group", "/aws/lambda/fn")].account_default
    group = live[("aws_cloudwatch_log_group", "/app")]
    assert not group.account_default
    assert group.attributes["retention_in_days"] == 30
    assert group.attributes["tags"] == {"k": "v"}
    assert group.attributes["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/app"


def test_multi_region_trail_covers_other_regions(aws: EmbeddedAws) -> None:
    c = _clients(aws)
    bucket = _bucket(c)
    c("cloudtrail").create_trail(Name="everywhere", S3BucketName=bucket, IsMultiRegionTrail=True)
    c("cloudtrail").start_logging(Name="everywhere")
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    other = LOGGING.read(ReadContext(session, "eu-west-1", ACCOUNT_ID))
    live = _resources([other])
    # The trail is a resource of its home region only ...
    assert not [r for r in other.resources if r.type == "aws_cloudtrail"]
    # ... but it covers eu-west-1.
    facts = live[(ACCOUNT_TYPE, f"{ACCOUNT_ID}/eu-west-1")].attributes
    assert facts["cloudtrail_multi_region_logging"] is True
    assert facts["guardduty_enabled"] is False


def test_single_region_trail_not_logging(aws: EmbeddedAws) -> None:
    c = _clients(aws)
    c("cloudtrail").create_trail(Name="local", S3BucketName=_bucket(c))
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    facts = _resources(_read_all(session))[(ACCOUNT_TYPE, f"{ACCOUNT_ID}/{REGION}")].attributes
    assert facts["cloudtrail_logging"] is False
    assert facts["cloudtrail_multi_region_logging"] is False


def test_listing_calls_do_not_grow_with_n(aws: EmbeddedAws) -> None:
    """Bulk listings: DescribeFlowLogs/DescribeLogGroups/ListDetectors once however many
    objects; only the per-object calls the provider also needs (log-group tags) grow."""

    def calls(n: int) -> Mapping[str, int]:
        aws.reset()
        c = _clients(aws)
        bucket = _bucket(c)
        for i in range(n):
            c("logs").create_log_group(logGroupName=f"/g/{i}")
            vpc = c("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            c("ec2").create_flow_logs(
                ResourceIds=[vpc],
                ResourceType="VPC",
                TrafficType="ALL",
                LogDestinationType="s3",
                LogDestination=f"arn:aws:s3:::{bucket}",
            )
        session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
        result = LOGGING.read(ReadContext(session, REGION, ACCOUNT_ID))
        assert len([r for r in result.resources if r.type == "aws_flow_log"]) == n
        assert len([r for r in result.resources if r.type == "aws_cloudwatch_log_group"]) == n
        return session.calls()

    one, twenty = calls(1), calls(20)
    assert one["ec2"] == twenty["ec2"] == 1
    assert one["cloudtrail"] == twenty["cloudtrail"] == 1  # DescribeTrails, no trail
    assert one["guardduty"] == twenty["guardduty"] == 1
    assert one["config"] == twenty["config"] == 2
    assert twenty["logs"] - one["logs"] == 19  # one ListTagsForResource per group


def test_pagination_of_log_groups(aws: EmbeddedAws) -> None:
    c = _clients(aws)
    for i in range(60):  # DescribeLogGroups pages hold 50
        c("logs").create_log_group(logGroupName=f"/many/{i:02d}")
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    result = LOGGING.read(ReadContext(session, REGION, ACCOUNT_ID))
    names = sorted(r.id for r in result.resources if r.type == "aws_cloudwatch_log_group")
    assert names == [f"/many/{i:02d}" for i in range(60)]


def test_connection_failure_is_a_value(aws: EmbeddedAws) -> None:
    from driftpatch.embedded import free_port

    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    result = LOGGING.read(ReadContext(session, REGION, ACCOUNT_ID))
    assert result.incomplete_types == frozenset(LOGGING.types)
    scopes = sorted(e.scope for e in result.errors)
    assert scopes == [f"{s}/{REGION}" for s in ("cloudtrail", "config", "ec2", "guardduty", "logs")]
    facts = _resources([result])[(ACCOUNT_TYPE, f"{ACCOUNT_ID}/{REGION}")].attributes
    assert facts["guardduty_enabled"] is None  # unknown, not "off"
    assert facts["cloudtrail_multi_region_logging"] is None
    iam = IAM.read(ReadContext(session, REGION, ACCOUNT_ID))
    assert iam.incomplete_types == frozenset({"aws_iam_account_password_policy", ACCOUNT_TYPE})
    glob = _resources([iam])[(ACCOUNT_TYPE, ACCOUNT_ID)].attributes
    assert glob["account_mfa_enabled"] is None and glob["password_policy_present"] is None


def _reset_auth(aws: EmbeddedAws, count: bytes) -> None:
    """moto reads the bare number from the body; a form content type would hide it."""
    req = urllib.request.Request(
        f"{aws.endpoint_url}/moto-api/reset-auth",
        data=count,
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200


def test_access_denied_for_one_service(aws: EmbeddedAws) -> None:
    """moto enforcing IAM: a user allowed everything but GuardDuty."""
    c = _clients(aws)
    iam = c("iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(
        UserName="reader",
        PolicyName="p",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Effect": "Deny", "Action": "guardduty:*", "Resource": "*"},
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    c("logs").create_log_group(logGroupName="/still/read")
    _reset_auth(aws, b"0")  # from now on, every request is authorised
    try:
        sess = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
        sess._session = boto3.Session(
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
            region_name=REGION,
        )
        result = LOGGING.read(ReadContext(sess, REGION, ACCOUNT_ID))
    finally:
        _reset_auth(aws, b"inf")  # moto's default: no authorisation
    assert [e.scope for e in result.errors] == [f"guardduty/{REGION}"]
    # moto answers GuardDuty's denied call with a 403 (its rest-json auth says
    # SignatureDoesNotMatch rather than AccessDenied); either way it is a value.
    assert result.errors[0].message.startswith("ListDetectors: ")
    assert result.incomplete_types == frozenset({"aws_guardduty_detector"})
    live = _resources([result])
    assert ("aws_cloudwatch_log_group", "/still/read") in live
    assert live[(ACCOUNT_TYPE, f"{ACCOUNT_ID}/{REGION}")].attributes["guardduty_enabled"] is None


def test_read_only_guard_never_trips(aws: EmbeddedAws) -> None:
    c = _clients(aws)
    c("cloudtrail").create_trail(Name="trail1", S3BucketName=_bucket(c))
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    operations: list[str] = []
    for service in ("cloudtrail", "ec2", "logs", "guardduty", "config", "iam"):
        session.client(service, REGION).meta.events.register(
            "before-call.*.*", lambda model, **_: operations.append(model.name)
        )
    _read_all(session)  # would raise ReadOnlyViolation on a write
    assert operations and all(op.startswith(("Describe", "List", "Get")) for op in operations)


def test_registration() -> None:
    assert LOGGING in READERS or any(isinstance(r, AccountLoggingReader) for r in READERS)
    assert any(isinstance(r, AccountIamReader) for r in READERS)
    assert set(OUR_TYPES) <= covered_types()
    assert isinstance(reader_for(ACCOUNT_TYPE), AccountIamReader)
    assert reader_for("aws_cloudtrail") is not None and not reader_for("aws_cloudtrail").is_global  # type: ignore[union-attr]


def test_password_policy_shape(aws: EmbeddedAws) -> None:
    c = _clients(aws)
    c("iam").update_account_password_policy(MinimumPasswordLength=10, RequireSymbols=True)
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    iam = IAM.read(ReadContext(session, REGION, ACCOUNT_ID))
    live = _resources([iam])
    policy = live[("aws_iam_account_password_policy", "iam-account-password-policy")]
    assert policy.region is None
    assert policy.attributes["minimum_password_length"] == 10
    assert policy.attributes["require_symbols"] is True
    assert policy.attributes["password_reuse_prevention"] == 0
    assert live[(ACCOUNT_TYPE, ACCOUNT_ID)].attributes["password_policy_present"] is True


# -- pure flattening, on AWS-shaped responses ---------------------------------------------------


def test_event_selector_flattening() -> None:
    default = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}]
    assert flatten_event_selectors(default) == []
    custom = [
        {
            "ReadWriteType": "WriteOnly",
            "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::b/"]}],
            "ExcludeManagementEventSources": ["kms.amazonaws.com"],
        }
    ]
    assert flatten_event_selectors(custom) == [
        {
            "data_resource": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::b/"]}],
            "exclude_management_event_sources": ["kms.amazonaws.com"],
            "include_management_events": True,
            "read_write_type": "WriteOnly",
        }
    ]
    adv = [{"Name": "s3", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}]
    assert flatten_advanced_selectors(adv) == [
        {
            "field_selector": [
                {
                    "field": "eventCategory",
                    "equals": ["Data"],
                    "not_equals": None,
                    "starts_with": None,
                    "not_starts_with": None,
                    "ends_with": None,
                    "not_ends_with": None,
                }
            ],
            "name": "s3",
        }
    ]


def test_name_prefix() -> None:
    assert name_prefix_from_name("/oracle/p-20261122122030754100000001") == "/oracle/p-"
    assert name_prefix_from_name("/oracle/minimal") == ""
    assert name_prefix_from_name("20261122122030754100000001") == ""
