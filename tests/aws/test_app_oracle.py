"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the application-service readers
(Lambda, ECR, Route 53, DynamoDB, SNS, SQS, KMS aliases, SSM parameters, Secrets Manager,
CloudWatch metric alarms).

The stack in stacks/app is applied to moto once, changed out of band (one change per important
attribute: a function's memory, timeout, environment, concurrency, description, tags,
a function deleted; a repository's tag mutability, scan-on-push, tags, a repository deleted;
a zone's comment and tags; a record's values and TTL, a weight, a record deleted; a table's
read capacity, point-in-time recovery, TTL, tags, deletion protection, a table deleted; a
topic's display name and tags, a topic deleted; a queue's visibility timeout, retention and
tags, a queue deleted; an alias pointed at another key, an alias deleted; a parameter's value
and description, tags, a parameter deleted; a secret's description, tags and policy, a secret
deleted; an alarm's threshold and tags, an alarm deleted), then refreshed with
`terraform apply -refresh-only`. Every prior state instance is looked up through the reader's
`match` and must equal the refreshed instance key by key, except the reader's documented
`unreadable` attributes, or be gone where the refresh dropped it.

The applied state scans to zero findings through `detect`, and after the changes the same world
goes through `driftpatch scan` (the CLI in a subprocess, as a user runs it): each change is
reported once, at its attribute (EXPECTED_FINDINGS), and nothing on the unchanged resources.

moto differences the readers reproduce because they read the same API: UpdateFunctionConfiguration
ignores TracingConfig (so tracing is not changed out of band here), GetFunctionCodeSigningConfig
answers a null ARN for a function without one (see lambda_.py), and ListHostedZones leaves out
the first page's Marker (see the session's response check).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.aws.readers import READERS, LiveIndex, ReadContext
from driftpatch.aws.readers.cloudwatch import CloudWatchReader
from driftpatch.aws.readers.dynamodb import DynamoDbReader
from driftpatch.aws.readers.ecr import EcrReader
from driftpatch.aws.readers.kms import KmsReader
from driftpatch.aws.readers.lambda_ import LambdaReader
from driftpatch.aws.readers.messaging import SnsReader, SqsReader
from driftpatch.aws.readers.route53 import Route53Reader
from driftpatch.aws.readers.secrets import SecretsManagerReader
from driftpatch.aws.readers.ssm import SsmReader
from driftpatch.aws.session import AwsSession
from driftpatch.drift.detect import detect
from driftpatch.embedded import EmbeddedAws
from driftpatch.model import Inventory
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.state import parse_state

from ..clirun import run_cli
from .oracle import differences, instances

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "app"
REGION = "us-east-1"
TYPES = (
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
# (cloudwatch is among the harness's own.)
# Instances the out-of-band changes remove; their refresh drops them from state.
EXPECTED_GONE = {
    ("aws_lambda_function", "doomed"),
    ("aws_ecr_repository", "doomed"),
    ("aws_route53_record", "doomed"),
    ("aws_dynamodb_table", "doomed"),
    ("aws_sns_topic", "doomed"),
    ("aws_sqs_queue", "doomed"),
    ("aws_kms_alias", "doomed"),
    ("aws_ssm_parameter", "doomed"),
    ("aws_secretsmanager_secret", "doomed"),
    ("aws_cloudwatch_metric_alarm", "doomed"),
}
# What `driftpatch scan` reports for the out-of-band changes, against the applied state.
EXPECTED_FINDINGS = {
    ("drift", "aws_lambda_function.full", "memory_size"),
    ("drift", "aws_lambda_function.full", "timeout"),
    ("drift", "aws_lambda_function.full", "environment[0].variables"),
    ("drift", "aws_lambda_function.full", "reserved_concurrent_executions"),
    ("drift", "aws_lambda_function.full", "tags.Team"),
    ("drift", "aws_lambda_function.min", "description"),
    ("drift", "aws_lambda_function.min", "tags.Owner"),
    ("drift", "aws_ecr_repository.full", "image_tag_mutability"),
    ("drift", "aws_ecr_repository.full", "image_scanning_configuration[0].scan_on_push"),
    ("drift", "aws_ecr_repository.min", "tags.Owner"),
    ("drift", "aws_route53_zone.public", "comment"),
    ("drift", "aws_route53_zone.public", "tags.Owner"),
    ("drift", "aws_route53_record.www", "records"),
    ("drift", "aws_route53_record.www", "ttl"),
    ("drift", "aws_route53_record.short", "ttl"),
    ("drift", "aws_route53_record.weighted", "weighted_routing_policy[0].weight"),
    ("missing", "aws_route53_record.doomed", None),
    ("drift", "aws_dynamodb_table.full", "read_capacity"),
    ("drift", "aws_dynamodb_table.full", "point_in_time_recovery[0].enabled"),
    # Recovery off: AWS returns no period, and the provider's refresh writes 0 (35 before).
    ("drift", "aws_dynamodb_table.full", "point_in_time_recovery[0].recovery_period_in_days"),
    ("drift", "aws_dynamodb_table.full", "ttl[0].enabled"),
    ("drift", "aws_dynamodb_table.full", "tags.Owner"),
    ("drift", "aws_dynamodb_table.min", "deletion_protection_enabled"),
    ("missing", "aws_dynamodb_table.doomed", None),
    ("drift", "aws_sns_topic.full", "display_name"),
    ("drift", "aws_sns_topic.full", "tags.Owner"),
    ("missing", "aws_sns_topic.doomed", None),
    ("drift", "aws_sqs_queue.full", "visibility_timeout_seconds"),
    ("drift", "aws_sqs_queue.full", "message_retention_seconds"),
    ("drift", "aws_sqs_queue.full", "tags.Owner"),
    ("missing", "aws_sqs_queue.doomed", None),
    ("drift", "aws_kms_alias.app", "target_key_id"),
    ("missing", "aws_kms_alias.doomed", None),
    ("drift", "aws_ssm_parameter.plain", "value"),
    ("drift", "aws_ssm_parameter.plain", "description"),
    ("drift", "aws_ssm_parameter.list", "tags.Owner"),
    ("missing", "aws_ssm_parameter.doomed", None),
    ("drift", "aws_secretsmanager_secret.full", "description"),
    ("drift", "aws_secretsmanager_secret.full", "tags.Owner"),
    ("drift", "aws_secretsmanager_secret.min", "policy"),
    ("missing", "aws_secretsmanager_secret.doomed", None),
    ("drift", "aws_cloudwatch_metric_alarm.errors", "threshold"),
    ("drift", "aws_cloudwatch_metric_alarm.errors", "tags.Owner"),
    ("missing", "aws_cloudwatch_metric_alarm.doomed", None),
    ("missing", "aws_lambda_function.doomed", None),
    ("missing", "aws_ecr_repository.doomed", None),
}

APP_READERS = (
    LambdaReader(),
    EcrReader(),
    Route53Reader(),
    DynamoDbReader(),
    SnsReader(),
    SqsReader(),
    KmsReader(),
    SsmReader(),
    SecretsManagerReader(),
    CloudWatchReader(),
)
TfApply = Callable[[Path], dict[str, Any]]


def write_code(workdir: Path) -> None:
    with zipfile.ZipFile(workdir / "fn.zip", "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")


def mutate(aws: EmbeddedAws, state: Mapping[str, Any]) -> None:
    """Out-of-band changes, the way someone with console access would make them."""
    zones = {
        res["name"]: res["instances"][0]["attributes"]["zone_id"]
        for res in state["resources"]
        if res["type"] == "aws_route53_zone"
    }
    fn = boto3.client("lambda", endpoint_url=aws.endpoint_url, region_name=REGION)
    ecr = boto3.client("ecr", endpoint_url=aws.endpoint_url, region_name=REGION)

    fn.update_function_configuration(
        FunctionName="app-full",
        MemorySize=512,
        Timeout=60,
        Environment={"Variables": {"STAGE": "prod", "LEVEL": "debug"}},
    )
    fn.put_function_concurrency(FunctionName="app-full", ReservedConcurrentExecutions=10)
    full_arn = fn.get_function(FunctionName="app-full")["Configuration"]["FunctionArn"]
    fn.tag_resource(Resource=full_arn, Tags={"Team": "payments"})
    fn.update_function_configuration(FunctionName="app-min", Description="changed by hand")
    min_arn = fn.get_function(FunctionName="app-min")["Configuration"]["FunctionArn"]
    fn.tag_resource(Resource=min_arn, Tags={"Owner": "ops"})
    fn.delete_function(FunctionName="app-doomed")

    ecr.put_image_tag_mutability(repositoryName="app/full", imageTagMutability="MUTABLE")
    ecr.put_image_scanning_configuration(
        repositoryName="app/full", imageScanningConfiguration={"scanOnPush": False}
    )
    min_repo = ecr.describe_repositories(repositoryNames=["app/min"])["repositories"][0]
    ecr.tag_resource(resourceArn=min_repo["repositoryArn"], tags=[{"Key": "Owner", "Value": "ops"}])
    ecr.delete_repository(repositoryName="app/doomed")

    dns = boto3.client("route53", endpoint_url=aws.endpoint_url, region_name=REGION)
    dns.update_hosted_zone_comment(Id=zones["public"], Comment="changed by hand")
    dns.change_tags_for_resource(
        ResourceType="hostedzone",
        ResourceId=zones["public"],
        AddTags=[{"Key": "Owner", "Value": "ops"}],
    )

    def rrset(name: str, type_: str, ttl: int, *values: str, **extra: Any) -> dict[str, Any]:
        records = [{"Value": v} for v in values]
        return {"Name": name, "Type": type_, "TTL": ttl, "ResourceRecords": records, **extra}

    def change(zone: str, action: str, record: dict[str, Any]) -> None:
        batch = {"Changes": [{"Action": action, "ResourceRecordSet": record}]}
        dns.change_resource_record_sets(HostedZoneId=zones[zone], ChangeBatch=batch)

    change("public", "UPSERT", rrset("www.example.com.", "A", 600, "192.0.2.10", "192.0.2.99"))
    change("public", "UPSERT", rrset("api.example.com.", "CNAME", 120, "www.example.com"))
    weighted = rrset("w.example.com.", "A", 60, "192.0.2.20", SetIdentifier="blue", Weight=90)
    change("public", "UPSERT", weighted)
    change("min", "DELETE", rrset("gone.min.example.org.", "A", 300, "192.0.2.30"))

    db = boto3.client("dynamodb", endpoint_url=aws.endpoint_url, region_name=REGION)
    db.update_table(
        TableName="app-orders",
        ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
    )
    db.update_continuous_backups(
        TableName="app-orders",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    db.update_time_to_live(
        TableName="app-orders",
        TimeToLiveSpecification={"AttributeName": "expires", "Enabled": False},
    )
    orders = db.describe_table(TableName="app-orders")["Table"]["TableArn"]
    db.tag_resource(ResourceArn=orders, Tags=[{"Key": "Owner", "Value": "ops"}])
    db.update_table(TableName="app-min", DeletionProtectionEnabled=True)
    db.delete_table(TableName="app-doomed")

    sns = boto3.client("sns", endpoint_url=aws.endpoint_url, region_name=REGION)
    alerts = "arn:aws:sns:us-east-1:123456789012:app-alerts"
    sns.set_topic_attributes(TopicArn=alerts, AttributeName="DisplayName", AttributeValue="Pager")
    sns.tag_resource(ResourceArn=alerts, Tags=[{"Key": "Owner", "Value": "ops"}])
    sns.delete_topic(TopicArn="arn:aws:sns:us-east-1:123456789012:app-doomed")

    sqs = boto3.client("sqs", endpoint_url=aws.endpoint_url, region_name=REGION)
    jobs = sqs.get_queue_url(QueueName="app-jobs")["QueueUrl"]
    sqs.set_queue_attributes(
        QueueUrl=jobs, Attributes={"VisibilityTimeout": "120", "MessageRetentionPeriod": "3600"}
    )
    sqs.tag_queue(QueueUrl=jobs, Tags={"Owner": "ops"})
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="app-doomed")["QueueUrl"])

    kms = boto3.client("kms", endpoint_url=aws.endpoint_url, region_name=REGION)
    spare = next(
        res["instances"][0]["attributes"]["key_id"]
        for res in state["resources"]
        if (res["type"], res["name"]) == ("aws_kms_key", "spare")
    )
    kms.update_alias(AliasName="alias/app", TargetKeyId=spare)
    kms.delete_alias(AliasName="alias/app-doomed")

    ssm = boto3.client("ssm", endpoint_url=aws.endpoint_url, region_name=REGION)
    ssm.put_parameter(
        Name="/app/endpoint",
        Value="https://evil.example.com",
        Description="changed by hand",
        Type="String",
        Overwrite=True,
    )
    ssm.add_tags_to_resource(
        ResourceType="Parameter", ResourceId="/app/zones", Tags=[{"Key": "Owner", "Value": "ops"}]
    )
    ssm.delete_parameter(Name="/app/doomed")

    sm = boto3.client("secretsmanager", endpoint_url=aws.endpoint_url, region_name=REGION)
    sm.update_secret(SecretId="app/db", Description="changed by hand")
    sm.tag_resource(SecretId="app/db", Tags=[{"Key": "Owner", "Value": "ops"}])
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [grant]})
    sm.put_resource_policy(SecretId="app/min", ResourcePolicy=policy)
    sm.delete_secret(SecretId="app/doomed", ForceDeleteWithoutRecovery=True)

    cw = boto3.client("cloudwatch", endpoint_url=aws.endpoint_url, region_name=REGION)
    alarm = cw.describe_alarms(AlarmNames=["app-errors"])["MetricAlarms"][0]
    cw.put_metric_alarm(
        AlarmName="app-errors",
        AlarmDescription=alarm["AlarmDescription"],
        ComparisonOperator=alarm["ComparisonOperator"],
        EvaluationPeriods=alarm["EvaluationPeriods"],
        MetricName=alarm["MetricName"],
        Namespace=alarm["Namespace"],
        Period=alarm["Period"],
        Statistic=alarm["Statistic"],
        Threshold=5,
        AlarmActions=alarm["AlarmActions"],
        Dimensions=alarm["Dimensions"],
        TreatMissingData=alarm.get("TreatMissingData", "missing"),
        ActionsEnabled=alarm["ActionsEnabled"],
    )
    cw.tag_resource(ResourceARN=alarm["AlarmArn"], Tags=[{"Key": "Owner", "Value": "ops"}])
    cw.delete_alarms(AlarmNames=["app-doomed"])


def inventory(ctx: ReadContext) -> Inventory:
    results = [reader.read(ctx) for reader in APP_READERS]
    assert [e for r in results for e in r.errors] == []
    resources = tuple(x for r in results for x in r.resources)
    return Inventory(resources=resources, regions=(REGION,), account_id=ctx.account_id)


def scan(workdir: Path, aws: EmbeddedAws, name: str) -> set[tuple[str, str | None, str | None]]:
    """`driftpatch scan` of the stack's state against the embedded AWS: (kind, address,
    attribute) of every drift-type finding."""
    out = workdir / f"{name}.json"
    proc = run_cli(
        "scan",
        "--state",
        str(workdir / f"{name}.tfstate"),
        "--source",
        str(workdir),
        "--region",
        REGION,
        "--no-checkov",
        "--verify",
        "static",
        "--only",
        "drift",
        "-o",
        f"json:{out}",
        cwd=workdir,
        env=aws.env(),
    )
    report = json.loads(out.read_text())
    assert report["errors"] == [], report["errors"]
    assert proc.returncode in (0, 1), proc.stderr
    return {
        (f["kind"], f["address"], f["attribute"])
        for f in report["findings"]
        if f["kind"] in ("drift", "missing")
    }


def test_readers_match_the_providers_refresh(
    tmp_path: Path, terraform: Terraform, tf_apply: TfApply, aws: EmbeddedAws
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    write_code(workdir)
    applied = tf_apply(workdir)
    (workdir / "applied.tfstate").write_text(json.dumps(applied))

    # A clean apply scans to zero findings: no drift, nothing missing, nothing unmanaged (in
    # process; the CLI run below covers the same path end to end).
    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ctx = ReadContext(session, REGION, session.account_id())
    state = parse_state(json.dumps(applied).encode(), "applied")
    covered = {t for reader in APP_READERS for t in reader.types}  # and aws_kms_key
    ours = [i for i in state.resources if i.type in covered]
    clean = detect(ours, inventory(ctx), readers=READERS)
    assert clean.findings == (), [(f.address, f.attribute, f.actual) for f in clean.findings]

    mutate(aws, applied)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())

    results = [reader.read(ctx) for reader in APP_READERS]
    assert [e for r in results for e in r.errors] == []
    live = LiveIndex(tuple(x for r in results for x in r.resources))

    prior, after = instances(applied, TYPES), instances(refreshed, TYPES)
    assert {t for t, _, _ in prior} == set(TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE
    problems = differences(prior, after, live)
    # A SecureString's value is never read: the one difference by design. Its secret is
    # nowhere in what the reader holds.
    by_design = "aws_ssm_parameter.secret.value:"
    assert [p for p in problems if p.startswith(by_design)], problems
    problems = [p for p in problems if not p.startswith(by_design)]
    secret = live.get("aws_ssm_parameter", "/app/db-password")
    assert secret is not None and "value" not in secret.attributes
    assert "not-a-real-password" not in json.dumps([dict(r.attributes) for r in live])
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)

    # The out-of-band changes reached the refreshed state, so they were compared above.
    def refreshed_attr(type_: str, name: str) -> Mapping[str, Any]:
        return after[(type_, name, None)]

    full = refreshed_attr("aws_lambda_function", "full")
    assert (full["memory_size"], full["timeout"]) == (512, 60)
    assert full["reserved_concurrent_executions"] == 10
    assert refreshed_attr("aws_ecr_repository", "full")["image_tag_mutability"] == "MUTABLE"
    assert refreshed_attr("aws_route53_record", "www")["ttl"] == 600
    assert refreshed_attr("aws_route53_zone", "public")["comment"] == "changed by hand"
    assert refreshed_attr("aws_sns_topic", "full")["display_name"] == "Pager"
    orders = refreshed_attr("aws_dynamodb_table", "full")
    assert orders["read_capacity"] == 10 and orders["ttl"][0]["enabled"] is False
    # Route 53's own apex NS and SOA records are account defaults, never unmanaged; a record
    # whose configuration names it short is still found under its full name.
    defaults = {
        r.id.split("_", 1)[1] for r in live.of_type("aws_route53_record") if r.account_default
    }
    assert defaults == {
        "example.com_NS",
        "example.com_SOA",
        "min.example.org_NS",
        "min.example.org_SOA",
    }

    # The same changes through the CLI, against the applied state: each reported once.
    assert scan(workdir, aws, "applied") == EXPECTED_FINDINGS
