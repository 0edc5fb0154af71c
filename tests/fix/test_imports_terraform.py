"""The proof: generated imports plan as pure imports under real Terraform and hashicorp/aws 5.100.0.

Every covered type is created with boto3 directly against the moto server (never with
Terraform), in several shapes: minimal, tagged, with nested configuration, and referring to
resources of a root module that Terraform applied first (a VPC, a bucket, a role, a KMS key) or to
objects imported in the same batch. Their provider-shaped attributes, what the AWS readers emit,
come from the provider itself: `terraform apply -refresh-only` over a scratch state that holds
only each object's id makes the provider read every object as its refresh does, in one process
(`terraform import` costs ~6 s per object on two cores). A sample of objects is imported with
`terraform import` + `terraform show -json` as well, to show the two give the same attributes.

generate_imports then writes `imported.tf` into the root module, and Terraform must accept it:
`terraform validate`, `terraform fmt -check`, and a saved plan (`plan -out`, `show -json`) with
exactly one import per generated block and no create, update or delete anywhere. References
are checked in the plan's own configuration: the generated blocks must refer to managed and
co-imported resources by address, not by literal id.

moto differences the worlds work around (none changes what the generator is asked to do):
- DescribeTrails ignores `trailNameList`, so the provider finds a trail by name only when it is
  the only one: each world holds one trail (two worlds, two trail shapes).
- CreateKey without KeyUsage stores none (AWS always reports one): keys are created with it.
- Flow logs to CloudWatch report no LogDestination, only the log group name: the generator then
  keeps the deprecated `log_group_name` (real AWS gives `log_destination`).
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from driftpatch.embedded import EmbeddedAws, provider_override
from driftpatch.fix.imports import TYPES, ImportPlan, generate_imports, render_import_file
from driftpatch.model import LiveResource
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.schema import aws_schema

pytestmark = pytest.mark.terraform

STACK = Path(__file__).parent / "data" / "imports" / "managed"
REGION = "us-east-1"
PROVIDERS = (
    "terraform {\n  required_providers {\n    aws = {\n"
    '      source  = "hashicorp/aws"\n      version = "5.100.0"\n    }\n  }\n}\n'
)
# Real runs know the account; the harness's override skips the lookup, which would leave the
# account out of provider-built ARNs. moto's STS answers, so ask it (as tests/aws does).
ACCOUNT_OVERRIDE = 'provider "aws" {\n  skip_requesting_account_id = false\n}\n'

Objects = list[tuple[str, str]]  # (type, import id) of what boto3 created
TfApply = Callable[[Path], dict[str, Any]]


# -- The worlds ---------------------------------------------------------------------------------


def _policy(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


TRUST_EC2 = _policy(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
)


def build_main_world(managed: Mapping[str, Mapping[str, Any]]) -> Objects:
    """Every covered type beside the applied root module, many referring to it."""
    vpc = managed["aws_vpc.main"]["id"]
    role_arn = managed["aws_iam_role.service"]["arn"]
    key_arn = managed["aws_kms_key.main"]["arn"]
    out: Objects = []
    s3, ec2 = boto3.client("s3"), boto3.client("ec2")
    iam, kms, logs = boto3.client("iam"), boto3.client("kms"), boto3.client("logs")

    # S3: a bare bucket that gets every split resource, a tagged one, one with object lock.
    s3.create_bucket(Bucket="scratch-data")
    s3.create_bucket(Bucket="tagged-bucket")
    s3.put_bucket_tagging(
        Bucket="tagged-bucket",
        Tagging={
            "TagSet": [{"Key": "Name", "Value": "Audit Logs"}, {"Key": "Env", "Value": "prod"}]
        },
    )
    s3.create_bucket(Bucket="locked-bucket", ObjectLockEnabledForBucket=True)
    out += [("aws_s3_bucket", b) for b in ("scratch-data", "tagged-bucket", "locked-bucket")]
    for bucket, status in (("scratch-data", "Enabled"), ("managed-logs", "Suspended")):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
        out.append(("aws_s3_bucket_versioning", bucket))
    for bucket, flags in (("scratch-data", (True, True, True, True)), ("tagged-bucket", (True,))):
        keys = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        config = {k: i < len(flags) for i, k in enumerate(keys)}
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)
        out.append(("aws_s3_bucket_public_access_block", bucket))
    s3.put_bucket_encryption(
        Bucket="scratch-data",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_encryption(
        Bucket="managed-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    out += [("aws_s3_bucket_server_side_encryption_configuration", b) for b in ("scratch-data",)]
    out.append(("aws_s3_bucket_server_side_encryption_configuration", "managed-logs"))
    trail = {"Service": "cloudtrail.amazonaws.com"}
    s3.put_bucket_policy(
        Bucket="managed-logs",
        Policy=_policy(
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": trail,
                "Action": "s3:GetBucketAcl",
                "Resource": "arn:aws:s3:::managed-logs",
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": trail,
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::managed-logs/AWSLogs/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
        ),
    )
    s3.put_bucket_policy(
        Bucket="scratch-data",
        Policy=_policy(
            {
                "Sid": "DenyInsecure",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [
                    "arn:aws:s3:::scratch-data",
                    "arn:aws:s3:::scratch-data/${aws:username}/*",
                ],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ),
    )
    out += [("aws_s3_bucket_policy", b) for b in ("managed-logs", "scratch-data")]

    # VPCs (DNS support off: a zero value the provider's default differs from), subnets in the
    # managed and in an imported VPC, security groups referring to each other.
    bare = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=bare, EnableDnsSupport={"Value": False})
    shared = ec2.create_vpc(
        CidrBlock="10.8.0.0/16", TagSpecifications=[_tags("vpc", Name="Shared-Services")]
    )["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=shared, EnableDnsHostnames={"Value": True})
    out += [("aws_vpc", bare), ("aws_vpc", shared)]
    app_a = ec2.create_subnet(
        VpcId=vpc,
        CidrBlock="10.0.1.0/24",
        AvailabilityZone="us-east-1a",
        TagSpecifications=[_tags("subnet", Name="app-a")],
    )["Subnet"]["SubnetId"]
    public = ec2.create_subnet(
        VpcId=shared, CidrBlock="10.8.1.0/24", TagSpecifications=[_tags("subnet", Name="public")]
    )["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    out += [("aws_subnet", app_a), ("aws_subnet", public)]
    web = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(
        GroupName="db",
        Description="db tier",
        VpcId=vpc,
        TagSpecifications=[_tags("security-group", Name="db", Owner="data")],
    )["GroupId"]
    plain = ec2.create_security_group(
        GroupName="plain", Description="Managed by Terraform", VpcId=bare
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}],
            }
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": web}],
            }
        ],
    )
    out += [("aws_security_group", g) for g in (web, db, plain)]

    # Instances: a minimal one, and one with groups, IMDSv2, user data, an encrypted gp3 root.
    minimal = ec2.run_instances(
        ImageId="ami-1e749f67", InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=app_a
    )["Instances"][0]["InstanceId"]
    full = ec2.run_instances(
        ImageId="ami-1e749f67",
        InstanceType="t3.small",
        MinCount=1,
        MaxCount=1,
        SubnetId=app_a,
        SecurityGroupIds=[web],
        MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
        UserData="#!/bin/sh\necho hello\n",
        TagSpecifications=[_tags("instance", Name="web-1")],
        BlockDeviceMappings=[
            {
                "DeviceName": "/dev/sda1",
                "Ebs": {"VolumeSize": 20, "VolumeType": "gp3", "Encrypted": True},
            }
        ],
    )["Instances"][0]["InstanceId"]
    out += [("aws_instance", minimal), ("aws_instance", full)]
    gp2 = ec2.create_volume(AvailabilityZone="us-east-1a", Size=10)["VolumeId"]
    gp3 = ec2.create_volume(
        AvailabilityZone="us-east-1a",
        Size=50,
        VolumeType="gp3",
        Iops=4000,
        Throughput=250,
        Encrypted=True,
        KmsKeyId=key_arn,
        TagSpecifications=[_tags("volume", Name="data")],
    )["VolumeId"]
    out += [("aws_ebs_volume", gp2), ("aws_ebs_volume", gp3)]

    # IAM: a bare role with an inline policy, a fully specified one, a managed policy, inline
    # policies on an imported and on the managed role.
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_role(
        RoleName="ci-deployer",
        Path="/ci/",
        Description="CI deploys",
        MaxSessionDuration=7200,
        AssumeRolePolicyDocument=TRUST_EC2,
        Tags=[{"Key": "Team", "Value": "platform"}],
    )
    out += [("aws_iam_role", "app"), ("aws_iam_role", "ci-deployer")]
    read_logs = iam.create_policy(
        PolicyName="read-logs",
        Path="/ops/",
        Description="read logs",
        PolicyDocument=_policy(
            {"Effect": "Allow", "Action": ["logs:Get*", "logs:Describe*"], "Resource": "*"}
        ),
        Tags=[{"Key": "Team", "Value": "ops"}],
    )["Policy"]["Arn"]
    out.append(("aws_iam_policy", read_logs))
    iam.put_role_policy(
        RoleName="app",
        PolicyName="s3-read",
        PolicyDocument=_policy(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::scratch-data/*"}
        ),
    )
    iam.put_role_policy(
        RoleName="service",
        PolicyName="logs",
        PolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }
        ),
    )
    out += [("aws_iam_role_policy", "app:s3-read"), ("aws_iam_role_policy", "service:logs")]

    # KMS: a bare key; a described, rotated, tagged key with its own policy.
    bare_key = kms.create_key(KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    audit_key = kms.create_key(
        KeyUsage="ENCRYPT_DECRYPT",
        Description="Audit key",
        Policy=_policy(
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*"],
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "*"}},
            },
        ),
        Tags=[{"TagKey": "Name", "TagValue": "audit"}],
    )["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=audit_key)
    out += [("aws_kms_key", bare_key), ("aws_kms_key", audit_key)]

    # Logs, trail, flow logs (to an imported log group, to the managed bucket).
    logs.create_log_group(logGroupName="/app/web")
    logs.create_log_group(logGroupName="/vpc/flow", kmsKeyId=key_arn, tags={"Env": "prod"})
    logs.put_retention_policy(logGroupName="/vpc/flow", retentionInDays=90)
    out += [("aws_cloudwatch_log_group", g) for g in ("/app/web", "/vpc/flow")]
    cloudtrail = boto3.client("cloudtrail")
    cloudtrail.create_trail(
        Name="org-trail",
        S3BucketName="managed-logs",
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key_arn,
    )
    cloudtrail.start_logging(Name="org-trail")
    cloudtrail.put_event_selectors(
        TrailName="org-trail",
        EventSelectors=[
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": True,
                "DataResources": [
                    {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::scratch-data/"]}
                ],
            }
        ],
    )
    out.append(("aws_cloudtrail", "org-trail"))
    to_logs = ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="/vpc/flow",
        DeliverLogsPermissionArn=role_arn,
        TagSpecifications=[_tags("vpc-flow-log", Name="flow-logs")],
    )["FlowLogIds"][0]
    to_s3 = ec2.create_flow_logs(
        ResourceIds=[shared],
        ResourceType="VPC",
        TrafficType="REJECT",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::managed-logs",
        TagSpecifications=[_tags("vpc-flow-log", Name="flow-s3")],
    )["FlowLogIds"][0]
    out += [("aws_flow_log", to_logs), ("aws_flow_log", to_s3)]

    # Account singletons.
    detector = boto3.client("guardduty").create_detector(
        Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES"
    )["DetectorId"]
    out.append(("aws_guardduty_detector", detector))
    boto3.client("config").put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": role_arn,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    out.append(("aws_config_configuration_recorder", "default"))
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
    )
    out.append(("aws_iam_account_password_policy", "iam-account-password-policy"))
    return out


def build_second_world() -> Objects:
    """The other shapes of one-per-world objects, all referring to each other (imported
    together, no managed resources): a paused trail writing to an imported bucket with its
    policy, a recorder of chosen types with an imported role, a disabled detector, a minimal
    password policy."""
    s3, iam = boto3.client("s3"), boto3.client("iam")
    s3.create_bucket(Bucket="trail-bucket")
    s3.put_bucket_policy(
        Bucket="trail-bucket",
        Policy=_policy(
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::trail-bucket/audit/*",
            }
        ),
    )
    boto3.client("cloudtrail").create_trail(
        Name="paused",
        S3BucketName="trail-bucket",
        S3KeyPrefix="audit",
        IncludeGlobalServiceEvents=False,
        TagsList=[{"Key": "Name", "Value": "Paused Trail"}],
    )
    role_arn = iam.create_role(
        RoleName="recorder",
        AssumeRolePolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Principal": {"Service": "config.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
    )["Role"]["Arn"]
    boto3.client("config").put_configuration_recorder(
        ConfigurationRecorder={
            "name": "chosen",
            "roleARN": role_arn,
            "recordingGroup": {
                "allSupported": False,
                "includeGlobalResourceTypes": False,
                "resourceTypes": ["AWS::S3::Bucket", "AWS::EC2::Instance"],
                "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
            },
        }
    )
    detector = boto3.client("guardduty").create_detector(
        Enable=False,
        DataSources={"S3Logs": {"Enable": True}},
        Tags={"Name": "Org Detector"},
    )["DetectorId"]
    iam.update_account_password_policy(MinimumPasswordLength=8)
    return [
        ("aws_s3_bucket", "trail-bucket"),
        ("aws_s3_bucket_policy", "trail-bucket"),
        ("aws_cloudtrail", "paused"),
        ("aws_iam_role", "recorder"),
        ("aws_config_configuration_recorder", "chosen"),
        ("aws_guardduty_detector", detector),
        ("aws_iam_account_password_policy", "iam-account-password-policy"),
    ]


def _tags(resource_type: str, **tags: str) -> dict[str, Any]:
    return {
        "ResourceType": resource_type,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }


# -- Terraform steps ----------------------------------------------------------------------------


def _workdir(path: Path, aws: EmbeddedAws, main_tf: str = PROVIDERS) -> Path:
    path.mkdir(parents=True)
    (path / "main.tf").write_text(main_tf)
    (path / "driftpatch_override.tf").write_text(provider_override(aws.endpoint_url))
    (path / "zz_account_override.tf").write_text(ACCOUNT_OVERRIDE)
    return path


def provider_shaped(
    tf: Terraform, aws: EmbeddedAws, workdir: Path, objects: Objects
) -> list[LiveResource]:
    """The provider's own read of each object: a refresh of a state holding only the ids."""
    _workdir(workdir, aws)
    resources = [
        {
            "mode": "managed",
            "type": type_,
            "name": f"r{i}",
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [
                {
                    "schema_version": _schema_version(type_),
                    "attributes": {"id": id_},
                    "sensitive_attributes": [],
                }
            ],
        }
        for i, (type_, id_) in enumerate(objects)
    ]
    state = {
        "version": 4,
        "terraform_version": "1.11.0",
        "serial": 1,
        "lineage": "00000000-0000-4000-8000-000000000000",
        "outputs": {},
        "resources": resources,
    }
    (workdir / "terraform.tfstate").write_text(json.dumps(state))
    tf.init(workdir)
    tf.run(["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"], workdir)
    shown = json.loads(tf.run(["show", "-json", "-no-color"], workdir).stdout)
    read = {
        int(r["name"][1:]): r["values"]
        for r in shown.get("values", {}).get("root_module", {}).get("resources", [])
    }
    lost = [objects[i] for i in range(len(objects)) if i not in read]
    assert not lost, f"the provider could not read these objects: {lost}"
    return [LiveResource(objects[i][0], read[i]["id"], REGION, read[i]) for i in sorted(read)]


def _schema_version(type_: str) -> int:
    schema = aws_schema().resource(type_)
    assert schema is not None, type_
    return schema.version


def imported_attributes(
    tf: Terraform, aws: EmbeddedAws, workdir: Path, type_: str, id_: str
) -> dict[str, Any]:
    """`terraform import` + `terraform show -json`: the attributes an import records."""
    _workdir(workdir, aws, PROVIDERS + f'resource "{type_}" "x" {{}}\n')
    tf.init(workdir)
    tf.run(["import", "-input=false", "-no-color", f"{type_}.x", id_], workdir)
    shown = json.loads(tf.run(["show", "-json", "-no-color"], workdir).stdout)
    values: dict[str, Any] = shown["values"]["root_module"]["resources"][0]["values"]
    return values


def plan_imports(tf: Terraform, root: Path, plans: Sequence[ImportPlan]) -> dict[str, Any]:
    """Write imported.tf, check validate and fmt, and return the saved plan as JSON."""
    (root / "imported.tf").write_text(render_import_file(plans))
    listing = (root / "imported.tf").read_text()
    validate = tf.run(["validate", "-no-color"], root, check=False)
    assert validate.returncode == 0, validate.stderr.decode() + validate.stdout.decode() + listing
    fmt = tf.run(["fmt", "-check", "-diff", "-no-color", "imported.tf"], root, check=False)
    assert fmt.returncode == 0, "imported.tf is not fmt-clean:\n" + fmt.stdout.decode()
    plan_file = root / "imports.tfplan"
    planned = tf.run(["plan", "-input=false", "-no-color", f"-out={plan_file}"], root, check=False)
    assert planned.returncode == 0, planned.stderr.decode() + listing
    doc: dict[str, Any] = json.loads(tf.show_json(plan_file, root))
    doc["_human"] = tf.run(["show", "-no-color", str(plan_file)], root).stdout.decode()
    return doc


def assert_pure_imports(
    doc: Mapping[str, Any], plans: Sequence[ImportPlan], objects: Objects
) -> None:
    changes = doc.get("resource_changes", [])
    importing = Counter(rc["address"] for rc in changes if rc["change"].get("importing"))
    assert importing == Counter(p.address for p in plans), "not exactly one import per block"
    imported_ids = {
        (rc["type"], rc["change"]["importing"]["id"])
        for rc in changes
        if rc["change"].get("importing")
    }
    assert imported_ids == set(objects), "import ids differ from the objects' ids"
    problems = [_describe(rc) for rc in changes if rc["change"]["actions"] != ["no-op"]]
    assert not problems, "plan is not pure imports:\n" + "\n".join(problems) + "\n" + doc["_human"]


def _describe(rc: Mapping[str, Any]) -> str:
    before, after = rc["change"].get("before") or {}, rc["change"].get("after") or {}
    lines = [f"{rc['address']}: {rc['change']['actions']}"]
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            lines.append(
                f"    {key}: {json.dumps(before.get(key))} -> {json.dumps(after.get(key))}"
            )
    return "\n".join(lines)


def references(doc: Mapping[str, Any]) -> dict[str, set[str]]:
    """Config address -> every reference in its expressions, as Terraform parsed imported.tf."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, Mapping):
            yield from node.get("references", ())
            for key, value in node.items():
                if key != "references":
                    yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    resources = doc["configuration"]["root_module"].get("resources", [])
    return {r["address"]: set(walk(r.get("expressions", {}))) for r in resources}


def managed_index(
    state: Mapping[str, Any],
) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], str]]:
    """Applied attributes by address, and managed_ids: each resource under its id and ARN."""
    attrs: dict[str, dict[str, Any]] = {}
    ids: dict[tuple[str, str], str] = {}
    for res in state["resources"]:
        if res["mode"] != "managed":
            continue
        address = f"{res['type']}.{res['name']}"
        a = res["instances"][0]["attributes"]
        attrs[address] = a
        ids[(res["type"], a["id"])] = address
        if isinstance(a.get("arn"), str):
            ids[(res["type"], a["arn"])] = address
    return attrs, ids


# -- Tests --------------------------------------------------------------------------------------

# References the generated blocks must hold (a literal id would plan the same, so check).
MAIN_REFERENCES = {
    "aws_subnet.app_a": {"aws_vpc.main.id"},
    "aws_subnet.public": {"aws_vpc.shared_services.id"},
    "aws_security_group.web": {"aws_vpc.main.id"},
    "aws_security_group.db": {"aws_vpc.main.id", "aws_security_group.web.id"},
    "aws_instance.web_1": {"aws_subnet.app_a.id", "aws_security_group.web.id"},
    "aws_ebs_volume.data": {"aws_kms_key.main.arn"},
    "aws_s3_bucket_versioning.scratch_data": {"aws_s3_bucket.scratch_data.id"},
    "aws_s3_bucket_versioning.managed_logs": {"aws_s3_bucket.logs.id"},
    "aws_s3_bucket_policy.scratch_data": {"aws_s3_bucket.scratch_data.id"},
    "aws_s3_bucket_public_access_block.tagged_bucket": {"aws_s3_bucket.audit_logs.id"},
    "aws_s3_bucket_server_side_encryption_configuration.managed_logs": {
        "aws_s3_bucket.logs.id",
        "aws_kms_key.main.arn",
    },
    "aws_iam_role_policy.app_s3_read": {"aws_iam_role.app.id"},
    "aws_iam_role_policy.service_logs": {"aws_iam_role.service.id"},
    "aws_cloudwatch_log_group.vpc_flow": {"aws_kms_key.main.arn"},
    "aws_cloudtrail.org_trail": {"aws_s3_bucket.logs.id", "aws_kms_key.main.arn"},
    "aws_flow_log.flow_logs": {
        "aws_vpc.main.id",
        "aws_iam_role.service.arn",
        "aws_cloudwatch_log_group.vpc_flow.id",
    },
    "aws_flow_log.flow_s3": {"aws_vpc.shared_services.id", "aws_s3_bucket.logs.arn"},
    "aws_config_configuration_recorder.default": {"aws_iam_role.service.arn"},
}


def test_main_world_imports_plan_as_pure_imports(
    tmp_path: Path, terraform: Terraform, tf_apply: TfApply, aws: EmbeddedAws
) -> None:
    root = tmp_path / "root"
    shutil.copytree(STACK, root)
    (root / "zz_account_override.tf").write_text(ACCOUNT_OVERRIDE)
    managed_attrs, managed_ids = managed_index(tf_apply(root))
    objects = build_main_world(managed_attrs)
    tf = terraform.with_env(**aws.env())
    live = provider_shaped(tf, aws, tmp_path / "scratch", objects)

    # The stand-in for the readers is the provider's import: check a sample both ways.
    web_1 = next(r.id for r in live if r.attributes.get("tags") == {"Name": "web-1"})
    sample = [("aws_s3_bucket", "scratch-data"), ("aws_instance", web_1)]
    sample.append(("aws_iam_role", "ci-deployer"))
    by_key = {(r.type, r.id): r.attributes for r in live}
    with ThreadPoolExecutor(len(sample)) as pool:
        imported = list(
            pool.map(
                lambda o: imported_attributes(tf, aws, tmp_path / f"import-{o[0]}", *o), sample
            )
        )
    for key, attrs in zip(sample, imported, strict=True):
        refreshed = by_key[key]
        differ = {
            k: (refreshed.get(k), attrs.get(k))
            for k in set(attrs) | set(refreshed)
            if refreshed.get(k) != attrs.get(k)
        }
        # The role importer records the default of a config-only flag; a refresh leaves null.
        assert differ in ({}, {"force_detach_policies": (None, False)}), (key, differ)

    taken = set(managed_attrs)
    plans = generate_imports(live, managed_ids, taken)
    assert {p.address.split(".")[0] for p in plans} == set(TYPES), "a covered type is unproven"
    doc = plan_imports(tf, root, plans)
    assert_pure_imports(doc, plans, objects)

    found = references(doc)
    missing = {
        address: sorted(want - found.get(address, set()))
        for address, want in MAIN_REFERENCES.items()
        if want - found.get(address, set())
    }
    assert not missing, f"references not written: {missing}\n{(root / 'imported.tf').read_text()}"


SECOND_REFERENCES = {
    "aws_s3_bucket_policy.trail_bucket": {"aws_s3_bucket.trail_bucket.id"},
    "aws_cloudtrail.paused_trail": {"aws_s3_bucket.trail_bucket.id"},
    "aws_config_configuration_recorder.chosen": {"aws_iam_role.recorder.arn"},
}


def test_second_world_imports_plan_as_pure_imports(
    tmp_path: Path, terraform: Terraform, aws: EmbeddedAws
) -> None:
    objects = build_second_world()
    tf = terraform.with_env(**aws.env())
    live = provider_shaped(tf, aws, tmp_path / "scratch", objects)
    plans = generate_imports(live, {}, ())
    root = _workdir(tmp_path / "root", aws)
    tf.init(root)
    doc = plan_imports(tf, root, plans)
    assert_pure_imports(doc, plans, objects)

    found = references(doc)
    for address, want in SECOND_REFERENCES.items():
        assert want <= found.get(address, set()), (address, found.get(address))
    # Zero values the provider's default differs from are written; the rest are not.
    blocks = {p.address: p for p in plans}
    trail = blocks["aws_cloudtrail.paused_trail"].resource_block
    assert re.search(r"\n  enable_logging +\= false\n", trail), trail
    assert re.search(r"\n  include_global_service_events +\= false\n", trail), trail
    detector = blocks["aws_guardduty_detector.org_detector"]
    assert re.search(r"\n  enable +\= false\n", detector.resource_block), detector
    assert "datasources" not in detector.resource_block
    assert any(n.startswith("datasources:") for n in detector.notes), detector.notes
