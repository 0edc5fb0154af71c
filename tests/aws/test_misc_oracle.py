"""The oracle: hashicorp/aws 5.100.0's own refresh of moto vs. the EKS (clusters and node
groups), ACM, Lambda permission and S3 ACL / lifecycle readers.

The stack in stacks/misc is applied to moto once, changed out of band (one change per important
attribute: a cluster's log types, tags and private endpoint, a cluster deleted; a node group's
size and labels; a certificate's
tags; a permission's source ARN and action, a permission removed; a bucket's ACL; a lifecycle
rule's status and expiration), then refreshed with `terraform apply -refresh-only`. Every prior
state instance is looked up through the reader's `match` and must equal the refreshed instance
key by key, except the reader's documented `unreadable` attributes, or be gone where the
refresh dropped it. The applied state scans to zero findings through `detect`, and after the
changes the same world goes through `driftpatch scan` (the CLI in a subprocess): each change is
reported once, at its attribute, and nothing on the unchanged resources.

What moto cannot host, proven elsewhere or not at all (see the readers' docstrings):
- aws_elasticsearch_domain: the provider's read panics on moto's DescribeElasticsearchDomain
  answer and its create waits for a status moto never reports; no reader yet.
- aws_s3_bucket_lifecycle_configuration's create waits ~55 s for moto to echo the configured
  rules exactly, so the test creates the configuration with boto3 and the stack imports it (an
  import is the provider's own read, the same one a refresh makes).
"""

from __future__ import annotations

import datetime
import json
import shutil
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from driftpatch.aws.readers import READERS, LiveIndex, ReadContext
from driftpatch.aws.readers.acm import AcmReader
from driftpatch.aws.readers.eks import EksReader
from driftpatch.aws.readers.lambda_permission import LambdaPermissionReader
from driftpatch.aws.readers.s3 import S3Reader
from driftpatch.aws.session import AwsSession
from driftpatch.drift.detect import detect
from driftpatch.embedded import EmbeddedAws
from driftpatch.model import Inventory
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.state import parse_state

from .oracle import differences, drift_report, instances, managed_findings

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "stacks" / "misc"
REGION = "us-east-1"
TYPES = (
    "aws_eks_cluster",
    "aws_eks_node_group",
    "aws_acm_certificate",
    "aws_lambda_permission",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_lifecycle_configuration",
)
EXPECTED_GONE = {("aws_eks_cluster", "doomed"), ("aws_lambda_permission", "doomed")}
EXPECTED_FINDINGS = {
    ("drift", "aws_eks_cluster.full", "enabled_cluster_log_types"),
    ("drift", "aws_eks_cluster.full", "tags.Env"),
    ("drift", "aws_eks_cluster.full", "tags.Owner"),
    ("drift", "aws_eks_cluster.min", "vpc_config[0].endpoint_private_access"),
    ("missing", "aws_eks_cluster.doomed", None),
    ("drift", "aws_eks_node_group.workers", "scaling_config[0].desired_size"),
    ("drift", "aws_eks_node_group.workers", "labels"),
    ("drift", "aws_acm_certificate.imported", "tags.Env"),
    ("drift", "aws_acm_certificate.imported", "tags.Owner"),
    ("drift", "aws_acm_certificate.requested", "tags.Owner"),
    ("drift", "aws_lambda_permission.s3", "source_arn"),
    ("drift", "aws_lambda_permission.events", "action"),
    ("missing", "aws_lambda_permission.doomed", None),
    ("drift", "aws_s3_bucket_acl.logs", "access_control_policy[0].grant"),
    # The rules are compared as one list (as the bucket's inline lifecycle_rule is).
    ("drift", "aws_s3_bucket_lifecycle_configuration.lifecycle", "rule"),
}
READERS_UNDER_TEST = (EksReader(), AcmReader(), LambdaPermissionReader(), S3Reader())
LIFECYCLE_BUCKET = "misc-lifecycle"
TfApply = Callable[[Path], dict[str, Any]]


def lifecycle_rules(expire_days: int, status: str) -> dict[str, Any]:
    return {
        "Rules": [
            {
                "ID": "expire-logs",
                "Status": status,
                "Filter": {"Prefix": "logs/"},
                "Expiration": {"Days": expire_days},
            },
            {
                "ID": "archive",
                "Status": "Enabled",
                "Filter": {"Prefix": "archive/"},
                "Transitions": [{"Days": 60, "StorageClass": "GLACIER"}],
                "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
            },
        ]
    }


def put_lifecycle(s3: Any, expire_days: int, status: str) -> None:
    s3.put_bucket_lifecycle_configuration(
        Bucket=LIFECYCLE_BUCKET,
        LifecycleConfiguration=lifecycle_rules(expire_days, status),
        TransitionDefaultMinimumObjectSize="all_storage_classes_128K",
    )


def write_inputs(workdir: Path) -> None:
    """The function's code, and a throwaway self-signed certificate."""
    with zipfile.ZipFile(workdir / "fn.zip", "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imported.example.com")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    (workdir / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (workdir / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )


def mutate(aws: EmbeddedAws, state: Mapping[str, Any]) -> None:
    """Out-of-band changes, the way someone with console access would make them."""
    attrs = {
        (res["type"], res["name"]): res["instances"][0]["attributes"]
        for res in state["resources"]
        if res["mode"] == "managed"
    }

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=aws.endpoint_url, region_name=REGION)

    eks = client("eks")
    full = attrs["aws_eks_cluster", "full"]["arn"]
    logging = {"clusterLogging": [{"types": ["api"], "enabled": True}]}
    eks.update_cluster_config(name="misc-full", logging=logging)
    eks.tag_resource(resourceArn=full, tags={"Owner": "ops"})
    eks.untag_resource(resourceArn=full, tagKeys=["Env"])
    vpc = eks.describe_cluster(name="misc-min")["cluster"]["resourcesVpcConfig"]
    eks.update_cluster_config(
        name="misc-min",
        resourcesVpcConfig={
            "subnetIds": vpc["subnetIds"],
            "endpointPublicAccess": True,
            "endpointPrivateAccess": True,
        },
    )
    eks.update_nodegroup_config(
        clusterName="misc-full",
        nodegroupName="workers",
        scalingConfig={"desiredSize": 3, "maxSize": 4, "minSize": 1},
        labels={"addOrUpdateLabels": {"tier": "batch"}},
    )
    eks.delete_cluster(name="misc-doomed")

    acm = client("acm")
    imported = attrs["aws_acm_certificate", "imported"]["arn"]
    owner = [{"Key": "Owner", "Value": "ops"}]
    acm.add_tags_to_certificate(CertificateArn=imported, Tags=owner)
    acm.remove_tags_from_certificate(
        CertificateArn=imported, Tags=[{"Key": "Env", "Value": "prod"}]
    )
    requested = attrs["aws_acm_certificate", "requested"]["arn"]
    acm.add_tags_to_certificate(CertificateArn=requested, Tags=owner)

    fn = client("lambda")
    fn.remove_permission(FunctionName="misc-fn", StatementId="AllowSns")
    fn.remove_permission(FunctionName="misc-fn", StatementId="AllowS3")
    fn.add_permission(
        FunctionName="misc-fn",
        StatementId="AllowS3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::misc-logs",
        SourceAccount="123456789012",
    )
    fn.remove_permission(FunctionName="misc-fn", StatementId="AllowEvents")
    fn.add_permission(
        FunctionName="misc-fn",
        StatementId="AllowEvents",
        Action="lambda:GetFunction",
        Principal="events.amazonaws.com",
    )

    s3 = client("s3")
    s3.put_bucket_acl(Bucket="misc-logs", ACL="log-delivery-write")
    put_lifecycle(s3, 45, "Disabled")


def canonical(type_: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """An ACL's grants are a set: compared in one order."""
    if type_ != "aws_s3_bucket_acl":
        return attrs
    out = json.loads(json.dumps(attrs))
    for policy in out.get("access_control_policy") or []:
        policy["grant"] = sorted(policy["grant"], key=lambda g: json.dumps(g, sort_keys=True))
    return out


def test_readers_match_the_providers_refresh(
    tmp_path: Path, terraform: Terraform, tf_apply: TfApply, aws: EmbeddedAws
) -> None:
    workdir = tmp_path / "stack"
    shutil.copytree(STACK, workdir)
    write_inputs(workdir)
    s3 = boto3.client("s3", endpoint_url=aws.endpoint_url, region_name=REGION)
    s3.create_bucket(Bucket=LIFECYCLE_BUCKET)
    put_lifecycle(s3, 30, "Enabled")
    applied = tf_apply(workdir)
    state_file = workdir / "applied.tfstate"
    state_file.write_text(json.dumps(applied))

    session = AwsSession(endpoint_url=aws.endpoint_url, region=REGION)
    ctx = ReadContext(session, REGION, session.account_id())

    def read() -> LiveIndex:
        results = [reader.read(ctx) for reader in READERS_UNDER_TEST]
        assert [e for r in results for e in r.errors] == []
        return LiveIndex(tuple(x for r in results for x in r.resources))

    # A clean apply scans to zero findings: no drift, nothing missing, nothing unmanaged.
    live = read()
    inventory = Inventory(resources=tuple(live), regions=(REGION,), account_id=ctx.account_id)
    state = parse_state(json.dumps(applied).encode(), "applied")
    covered = {t for reader in READERS_UNDER_TEST for t in reader.types}
    ours = [i for i in state.resources if i.type in covered]
    clean = detect(ours, inventory, readers=READERS)
    assert clean.findings == (), [(f.address, f.attribute, f.actual) for f in clean.findings]

    mutate(aws, applied)
    terraform.with_env(**aws.env()).run(
        ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir
    )
    refreshed = json.loads((workdir / "terraform.tfstate").read_text())

    live = read()
    prior, after = instances(applied, TYPES), instances(refreshed, TYPES)
    assert {t for t, _, _ in prior} == set(TYPES)
    assert {(t, n) for t, n, _ in prior.keys() - after.keys()} == EXPECTED_GONE
    problems = differences(prior, after, live, canonical=canonical)
    assert not problems, "reader differs from the provider's refresh:\n" + "\n".join(problems)
    # The private key is nowhere in what the readers hold.
    key_pem = (workdir / "key.pem").read_text().splitlines()[1]
    assert key_pem not in json.dumps([dict(r.attributes) for r in live])

    # The out-of-band changes reached the refreshed state, so they were compared above.
    full = after[("aws_eks_cluster", "full", None)]
    assert full["enabled_cluster_log_types"] == ["api"]
    assert after[("aws_lambda_permission", "s3", None)]["source_arn"] == "arn:aws:s3:::misc-logs"
    rule = after[("aws_s3_bucket_lifecycle_configuration", "lifecycle", None)]["rule"][0]
    assert (rule["status"], rule["expiration"][0]["days"]) == ("Disabled", 45)

    # The same changes through the CLI, against the applied state: each reported once.
    report = drift_report(state_file, aws, workdir / "report.json", region=REGION)
    assert managed_findings(report, TYPES) == EXPECTED_FINDINGS
