"""The application-service readers (Lambda, ECR, Route 53, DynamoDB) without Terraform: value
shaping the provider does (names, TXT quoting, ids, kept-from-state attributes), calls that do
not grow per object where the API lists in bulk, and failures as values. The provider shape
itself is proven against Terraform in test_app_oracle.py."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3

from driftpatch.aws.allowlist import is_allowed
from driftpatch.aws.readers import READERS, LiveIndex, ReadContext, reader_for
from driftpatch.aws.readers.dynamodb import DynamoDbReader
from driftpatch.aws.readers.ecr import EcrReader
from driftpatch.aws.readers.lambda_ import invoke_arn, signing_read
from driftpatch.aws.readers.messaging import SqsReader, name_prefix
from driftpatch.aws.readers.route53 import (
    Route53Reader,
    clean_record_name,
    expand_record_name,
    record_attributes,
    record_key,
)
from driftpatch.aws.readers.ssm import SsmReader
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import ACCOUNT_ID, EmbeddedAws

from .test_iam_reader import limited_session

REGION = "us-east-1"
APP_TYPES = (
    "aws_lambda_function",
    "aws_ecr_repository",
    "aws_route53_zone",
    "aws_route53_record",
    "aws_dynamodb_table",
    "aws_sns_topic",
    "aws_sqs_queue",
    "aws_kms_alias",
    "aws_ssm_parameter",
    "aws_secretsmanager_secret",
    "aws_cloudwatch_metric_alarm",
)


def test_each_type_has_exactly_one_reader() -> None:
    for type_ in APP_TYPES:
        assert [r for r in READERS if type_ in r.types] == [reader_for(type_)], type_


def test_route53_names_as_the_provider_expands_them() -> None:
    assert expand_record_name("www", "example.com.") == "www.example.com"
    assert expand_record_name("WWW.Example.com.", "example.com") == "www.example.com"
    assert expand_record_name("", "example.com.") == "example.com"
    assert clean_record_name("\\052.example.com.") == "*.example.com."
    assert (
        record_key("/hostedzone/Z1", "Api.Example.com.", "cname", "") == "Z1_api.example.com_CNAME"
    )
    assert record_key("Z1", "w.example.com", "A", "blue") == "Z1_w.example.com_A_blue"


def test_txt_values_lose_their_outer_quotes_only() -> None:
    rrset = {
        "Name": "example.com.",
        "Type": "TXT",
        "TTL": 300,
        "ResourceRecords": [{"Value": '"v=spf1 -all"'}, {"Value": 'a "b" c'}],
    }
    attrs = record_attributes("/hostedzone/Z1", rrset)
    assert attrs["records"] == ['a "b" c', "v=spf1 -all"]
    assert attrs["id"] == "Z1_example.com_TXT" and attrs["zone_id"] == "Z1"
    assert "weighted_routing_policy" not in attrs  # absent live: the state's value is kept


def test_lambda_invoke_arn_and_signing_regions() -> None:
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    assert invoke_arn(arn) == (
        f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    )
    assert signing_read("eu-west-1", arn, "Zip")
    assert not signing_read("eu-west-1", arn, "Image")
    assert not signing_read("ap-south-2", arn.replace("eu-west-1", "ap-south-2"), "Zip")


def _zone_world(aws: EmbeddedAws, zones: int) -> None:
    dns = boto3.client("route53", endpoint_url=aws.endpoint_url, region_name=REGION)
    for n in range(zones):
        zone = dns.create_hosted_zone(Name=f"z{n}.example.com", CallerReference=str(n))
        record = {
            "Name": f"www.z{n}.example.com.",
            "Type": "A",
            "TTL": 60,
            "ResourceRecords": [{"Value": "192.0.2.1"}],
        }
        dns.change_resource_record_sets(
            HostedZoneId=zone["HostedZone"]["Id"],
            ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]},
        )


def _operations(aws: EmbeddedAws, reader: Any) -> tuple[LiveIndex, Counter[str]]:
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    counted: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        counted[model.name] += 1

    client = session.client(reader.service, REGION)
    client.meta.events.register("before-call.*.*", count)
    result = reader.read(ReadContext(session, REGION, ACCOUNT_ID))
    assert result.errors == () and result.incomplete_types == frozenset()
    return LiveIndex(result.resources), counted


def test_route53_reads_zones_with_a_fixed_number_of_calls_each(aws: EmbeddedAws) -> None:
    _zone_world(aws, 3)
    live, calls = _operations(aws, Route53Reader())
    assert calls == {
        "ListHostedZones": 1,
        "ListTagsForResources": 1,  # ten zones per call
        "GetHostedZone": 3,
        "ListResourceRecordSets": 3,
    }
    assert len(live.of_type("aws_route53_zone")) == 3
    records = live.of_type("aws_route53_record")
    # Each zone's apex NS and SOA are Route 53's own; the www records are someone's.
    assert sorted(r.id.split("_", 1)[1] for r in records if not r.account_default) == [
        f"www.z{n}.example.com_A" for n in range(3)
    ]


def test_a_record_matches_its_state_under_a_short_name(aws: EmbeddedAws) -> None:
    _zone_world(aws, 1)
    live, _ = _operations(aws, Route53Reader())
    zone = live.of_type("aws_route53_zone")[0]
    state = {
        "zone_id": zone.id,
        "name": "www",
        "type": "A",
        "set_identifier": "",
        "allow_overwrite": None,
        "weighted_routing_policy": [],
    }
    found = Route53Reader().match("aws_route53_record", f"{zone.id}_www_A", state, live)
    assert found is not None
    assert found.attributes["id"] == f"{zone.id}_www_A"
    assert found.attributes["name"] == "www"
    assert found.attributes["fqdn"] == "www.z0.example.com"
    assert found.attributes["weighted_routing_policy"] == []
    assert found.id == f"{zone.id}_www.z0.example.com_A"  # the live object it owns


def test_dynamodb_keeps_what_aws_does_not_return(aws: EmbeddedAws) -> None:
    db = boto3.client("dynamodb", endpoint_url=aws.endpoint_url, region_name=REGION)
    db.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    live, calls = _operations(aws, DynamoDbReader())
    assert calls == {
        "ListTables": 1,
        "DescribeTable": 1,
        "DescribeContinuousBackups": 1,
        "DescribeTimeToLive": 1,
        "ListTagsOfResource": 1,
    }
    state = {"stream_view_type": "KEYS_ONLY", "range_key": None}
    found = DynamoDbReader().match("aws_dynamodb_table", "t", state, live)
    assert found is not None
    assert found.attributes["stream_enabled"] is False
    assert found.attributes["stream_view_type"] == "KEYS_ONLY"  # the provider keeps it
    assert found.attributes["billing_mode"] == "PAY_PER_REQUEST"


def test_a_denied_listing_marks_only_its_type_incomplete(aws: EmbeddedAws) -> None:
    ecr = boto3.client("ecr", endpoint_url=aws.endpoint_url, region_name=REGION)
    ecr.create_repository(repositoryName="repo")
    db = boto3.client("dynamodb", endpoint_url=aws.endpoint_url, region_name=REGION)
    db.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    with limited_session(aws, "ecr:DescribeRepositories") as session:
        ctx = ReadContext(session, REGION, ACCOUNT_ID)
        denied = EcrReader().read(ctx)
        allowed = DynamoDbReader().read(ctx)
    assert denied.resources == ()
    assert denied.incomplete_types == {"aws_ecr_repository"}
    assert [e.scope for e in denied.errors] == [f"ecr/{REGION}"]
    assert "DescribeRepositories" in denied.errors[0].message
    assert allowed.errors == () and [r.id for r in allowed.resources] == ["t"]


def test_an_account_without_queues_reads_as_no_queues(aws: EmbeddedAws) -> None:
    # SQS answers ListQueues with `{}` then: no queues, not a malformed answer.
    live, calls = _operations(aws, SqsReader())
    assert not list(live) and calls == {"ListQueues": 1}


def test_queue_attributes_aws_leaves_out_keep_the_state_value(aws: EmbeddedAws) -> None:
    sqs = boto3.client("sqs", endpoint_url=aws.endpoint_url, region_name=REGION)
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    live, calls = _operations(aws, SqsReader())
    assert calls == {"ListQueues": 1, "GetQueueAttributes": 1, "ListQueueTags": 1}
    state = {"kms_data_key_reuse_period_seconds": 300, "visibility_timeout_seconds": 30}
    found = SqsReader().match("aws_sqs_queue", url, state, live)
    assert found is not None
    assert found.attributes["visibility_timeout_seconds"] == 45  # returned: AWS's value
    assert found.attributes["kms_data_key_reuse_period_seconds"] == 300  # left out: kept
    assert found.attributes["name"] == "q" and found.attributes["url"] == url


def test_name_prefixes_as_the_provider_derives_them() -> None:
    suffix = "20261204224131343600000002"
    assert name_prefix(f"app-{suffix}.fifo", True) == "app-"
    assert name_prefix(f"app-{suffix}", False) == "app-"
    assert name_prefix("app-jobs", False) == ""


def test_securestring_values_are_never_read(aws: EmbeddedAws) -> None:
    ssm = boto3.client("ssm", endpoint_url=aws.endpoint_url, region_name=REGION)
    ssm.put_parameter(Name="/p/plain", Value="visible", Type="String")
    ssm.put_parameter(Name="/p/secret", Value="hunter2-secret", Type="SecureString")
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    asked: list[str] = []  # the names GetParameters was asked for

    def record(params: Any, **_: Any) -> None:
        asked.extend(params["Names"])

    client = session.client("ssm", REGION)
    client.meta.events.register("before-parameter-build.ssm.GetParameters", record)
    result = SsmReader().read(ReadContext(session, REGION, ACCOUNT_ID))
    assert result.errors == ()
    live = LiveIndex(result.resources)
    plain, secret = (
        live.get("aws_ssm_parameter", "/p/plain"),
        live.get("aws_ssm_parameter", "/p/secret"),
    )
    assert plain is not None and plain.attributes["value"] == "visible"
    assert secret is not None and "value" not in secret.attributes
    assert secret.attributes["type"] == "SecureString"
    assert "hunter2" not in repr([dict(r.attributes) for r in result.resources])
    assert asked == ["/p/plain"]


def test_secret_values_cannot_be_read() -> None:
    # The secrets reader reads metadata and policy; the calls that return values are refused
    # before a request is signed.
    assert not is_allowed("secretsmanager", "GetSecretValue")
    assert not is_allowed("secretsmanager", "BatchGetSecretValue")
    assert not is_allowed("ssm", "GetParameter")  # GetParameters is used, never decrypting
