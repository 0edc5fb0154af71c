"""Third-party Terraform worlds: public module examples applied by real Terraform to moto.

Shared by tests/e2e/test_third_party.py and benchmarks/patch_rate.py. The stacks are vendored
under fixtures/thirdparty/ (see PROVENANCE.md there); each is deployed with `worlds.deploy`
exactly as our own stacks are, but on its own moto server: moto keeps its backends per process,
so three worlds alive at once (to scan one while another is planned) need three processes.
`moto_server` runs with `MOTO_IAM_LOAD_MANAGED_POLICIES=true` because the IAM examples attach
AWS-managed policies (`AdministratorAccess`, `AmazonCognitoReadOnly`).

`inject(name, world)` then makes the console-style changes each stack is tested with, and
returns what each should be found as: the address, the attribute, the finding kind and the
file:line of the HCL a reviewer would open.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from driftpatch.demo import worlds
from driftpatch.embedded import DEFAULT_REGION, EmbeddedAws, free_port
from driftpatch.terraform.binary import Terraform

REPO = Path(__file__).resolve().parents[2]
THIRDPARTY = REPO / "fixtures" / "thirdparty"

# Stack name -> the example (root module) to apply, inside its vendored repository copy.
STACKS: Mapping[str, Path] = {
    "security-group": THIRDPARTY / "security-group" / "examples" / "rules-only",
    "s3-bucket": THIRDPARTY / "s3-bucket" / "examples" / "complete",
    "iam": THIRDPARTY / "iam" / "examples" / "iam-assumable-role",
}


class _Process:
    """What `EmbeddedAws.stop()` stops: a moto_server child process."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _moto_server_bin() -> str:
    here = Path(sys.executable).parent / "moto_server"
    found = str(here) if here.is_file() else shutil.which("moto_server")
    if found is None:
        raise RuntimeError("moto_server not found next to the interpreter or on PATH")
    return found


@contextmanager
def moto_process() -> Iterator[EmbeddedAws]:
    """A moto server in its own process on 127.0.0.1 (its own backends), stopped on exit."""
    port = free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    proc = subprocess.Popen(
        [_moto_server_bin(), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    aws = EmbeddedAws(f"http://127.0.0.1:{port}", _Process(proc))
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{aws.endpoint_url}/moto-api/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        yield aws
    finally:
        aws.stop()


@dataclass(frozen=True)
class Expected:
    """One out-of-band change and the finding it should give."""

    change: str
    address: str | None
    attribute: str | None
    kind: str  # drift | missing | unmanaged
    file: str  # repo-relative (the world's workdir is the repository root)
    line: int
    resource_id: str | None = None
    resource_type: str = ""  # of an unmanaged resource


def client(aws: EmbeddedAws, service: str) -> Any:
    return boto3.client(
        service,
        region_name=DEFAULT_REGION,
        endpoint_url=aws.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def attrs(world: worlds.World, address: str) -> dict[str, Any]:
    for addr, _, values in worlds.managed_instances(world.state()):
        if addr == address:
            return dict(values)
    raise KeyError(address)


def line_of(world: worlds.World, rel: str, needle: str) -> int:
    """1-based line of the first line of `rel` (in the world's repo) that starts `needle`."""
    for n, text in enumerate((world.workdir / rel).read_text().splitlines(), 1):
        if text.startswith(needle):
            return n
    raise AssertionError(f"{needle!r} not in {rel}")


# ----------------------------------------------------------------------------- the changes

SG_EX = "examples/rules-only/main.tf"
S3_EX = "examples/complete/main.tf"
IAM_EX = "examples/iam-assumable-role/main.tf"


def _perm(a: Mapping[str, Any]) -> dict[str, Any]:
    """The IpPermission of an aws_security_group_rule's state."""
    perm: dict[str, Any] = {
        "IpProtocol": a["protocol"],
        "FromPort": a["from_port"],
        "ToPort": a["to_port"],
    }
    if a.get("cidr_blocks"):
        perm["IpRanges"] = [{"CidrIp": c} for c in a["cidr_blocks"]]
    if a.get("source_security_group_id"):
        perm["UserIdGroupPairs"] = [{"GroupId": a["source_security_group_id"]}]
    if a.get("self"):
        perm["UserIdGroupPairs"] = [{"GroupId": a["security_group_id"]}]
    return perm


def inject_security_group(aws: EmbeddedAws, world: worlds.World) -> list[Expected]:
    ec2 = client(aws, "ec2")
    out: list[Expected] = []
    sg_line = line_of(world, SG_EX, 'resource "aws_security_group" "service_one"')
    one = attrs(world, "aws_security_group.service_one")
    ec2.create_tags(Resources=[one["id"]], Tags=[{"Key": "Team", "Value": "platform"}])
    out.append(
        Expected("sg-tag", "aws_security_group.service_one", "tags.Team", "drift", SG_EX, sg_line)
    )
    # An ingress rule added by hand to a group whose rules are separate resources.
    two = attrs(world, "aws_security_group.service_two")
    ec2.authorize_security_group_ingress(
        GroupId=two["id"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8443,
                "ToPort": 8443,
                "IpRanges": [{"CidrIp": "10.20.0.0/16", "Description": "ops vpn"}],
            }
        ],
    )
    two_line = line_of(world, SG_EX, 'resource "aws_security_group" "service_two"')
    out.append(
        Expected(
            "sg-ingress-added",
            "aws_security_group.service_two",
            "ingress",
            "drift",
            SG_EX,
            two_line,
        )
    )
    # SSH opened to the world on a module's group.
    mysql = "module.http_mysql_1_sg.module.sg.aws_security_group.this[0]"
    ec2.authorize_security_group_ingress(
        GroupId=attrs(world, mysql)["id"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    out.append(
        Expected(
            "sg-ssh-open",
            mysql,
            "ingress",
            "drift",
            "main.tf",
            line_of(world, "main.tf", 'resource "aws_security_group" "this" {'),
        )
    )
    # A separate rule (count-indexed, inside a module) revoked.
    gone = "module.rules_one.aws_security_group_rule.ingress_with_source_security_group_id[0]"
    rule = attrs(world, gone)
    ec2.revoke_security_group_ingress(
        GroupId=rule["security_group_id"], SecurityGroupRuleIds=[rule["security_group_rule_id"]]
    )
    rule_line = line_of(
        world,
        "main.tf",
        'resource "aws_security_group_rule" "ingress_with_source_security_group_id"',
    )
    out.append(Expected("sg-rule-revoked", gone, None, "missing", "main.tf", rule_line))
    # An egress rule revoked.
    egress = "module.http_with_egress_sg.module.sg.aws_security_group_rule.egress_rules[0]"
    rule = attrs(world, egress)
    ec2.revoke_security_group_egress(
        GroupId=rule["security_group_id"], SecurityGroupRuleIds=[rule["security_group_rule_id"]]
    )
    egress_line = line_of(world, "main.tf", 'resource "aws_security_group_rule" "egress_rules"')
    out.append(Expected("sg-egress-revoked", egress, None, "missing", "main.tf", egress_line))
    # The description of a rule whose text comes from the module's shared rules table (moto
    # updates descriptions of CIDR ranges, not of source-group pairs).
    desc = "module.http_mysql_1_sg.module.sg.aws_security_group_rule.ingress_rules[0]"
    rule = attrs(world, desc)
    perm = _perm(rule)
    perm["IpRanges"] = [
        {"CidrIp": c, "Description": "HTTP (temporary)"} for c in rule["cidr_blocks"]
    ]
    ec2.update_security_group_rule_descriptions_ingress(
        GroupId=rule["security_group_id"], IpPermissions=[perm]
    )
    out.append(
        Expected(
            "sg-rule-description",
            desc,
            "description",
            "drift",
            "main.tf",
            line_of(world, "main.tf", 'resource "aws_security_group_rule" "ingress_rules"'),
        )
    )
    # A tag on a name-prefixed module group (tags = merge(var.tags, {Name = ...})).
    prefixed = "module.http_with_egress_sg.module.sg.aws_security_group.this_name_prefix[0]"
    ec2.create_tags(
        Resources=[attrs(world, prefixed)["id"]], Tags=[{"Key": "Env", "Value": "prod"}]
    )
    out.append(
        Expected(
            "sg-module-tag",
            prefixed,
            "tags.Env",
            "drift",
            "main.tf",
            line_of(world, "main.tf", 'resource "aws_security_group" "this_name_prefix"'),
        )
    )

    out.extend(_more_security_group(aws, world))
    return out


def _ingress(cidr: str, port: int, description: str = "") -> dict[str, Any]:
    ranges: dict[str, Any] = {"CidrIp": cidr}
    if description:
        ranges["Description"] = description
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [ranges]}


def _more_security_group(aws: EmbeddedAws, world: worlds.World) -> list[Expected]:
    """Thirteen more console edits of the security-group stack: tags on plain and module
    groups (one on the module's Name tag, which is the group's name), rules revoked across
    modules, rules added by hand to groups whose rules are separate resources, another rule's
    description, and a group made by hand."""
    ec2 = client(aws, "ec2")
    out: list[Expected] = []
    one = attrs(world, "aws_security_group.service_one")
    two = attrs(world, "aws_security_group.service_two")
    one_line = line_of(world, SG_EX, 'resource "aws_security_group" "service_one"')
    two_line = line_of(world, SG_EX, 'resource "aws_security_group" "service_two"')
    mod_sg = line_of(world, "main.tf", 'resource "aws_security_group" "this" {')
    prefixed_line = line_of(world, "main.tf", 'resource "aws_security_group" "this_name_prefix"')
    rule_lines = {
        kind: line_of(world, "main.tf", f'resource "aws_security_group_rule" "{kind}"')
        for kind in ("ingress_rules", "egress_rules", "ingress_with_source_security_group_id")
    }
    mysql = "module.http_mysql_1_sg.module.sg.aws_security_group.this[0]"
    prefixed = "module.http_with_egress_sg.module.sg.aws_security_group.this_name_prefix[0]"

    ec2.create_tags(Resources=[one["id"]], Tags=[{"Key": "Owner", "Value": "alice"}])
    out.append(
        Expected(
            "sg-tag-owner", "aws_security_group.service_one", "tags.Owner", "drift", SG_EX, one_line
        )
    )
    ec2.create_tags(Resources=[two["id"]], Tags=[{"Key": "Team", "Value": "payments"}])
    out.append(
        Expected(
            "sg-two-tag", "aws_security_group.service_two", "tags.Team", "drift", SG_EX, two_line
        )
    )
    # The module writes Name = var.name, which is also the group's name: renaming the tag in
    # the console must not become a rename of the group.
    ec2.create_tags(
        Resources=[attrs(world, mysql)["id"]], Tags=[{"Key": "Name", "Value": "db-web"}]
    )
    out.append(Expected("sg-name-tag", mysql, "tags.Name", "drift", "main.tf", mod_sg))
    ec2.create_tags(
        Resources=[attrs(world, mysql)["id"]], Tags=[{"Key": "CostCenter", "Value": "cc-42"}]
    )
    out.append(Expected("sg-module-tag-2", mysql, "tags.CostCenter", "drift", "main.tf", mod_sg))
    # Rules revoked: a source-group rule of the other module call, the all-open egress and a
    # CIDR ingress rule of the mysql group.
    for change, address, kind in (
        (
            "sg-rule-two-revoked",
            "module.rules_two.aws_security_group_rule.ingress_with_source_security_group_id[0]",
            "ingress_with_source_security_group_id",
        ),
        (
            "sg-egress-all-revoked",
            "module.http_mysql_1_sg.module.sg.aws_security_group_rule.egress_rules[0]",
            "egress_rules",
        ),
        (
            "sg-mysql-rule-revoked",
            "module.http_mysql_1_sg.module.sg.aws_security_group_rule.ingress_rules[1]",
            "ingress_rules",
        ),
    ):
        rule = attrs(world, address)
        revoke = (
            ec2.revoke_security_group_egress
            if rule["type"] == "egress"
            else ec2.revoke_security_group_ingress
        )
        if rule["protocol"] == "-1":
            # By permission, not by rule id: moto gives the all-open egress rule (AWS's default
            # one, which Terraform adopted) another id than the state's.
            ranges = [
                {"CidrIp": c, "Description": rule["description"]} for c in rule["cidr_blocks"]
            ]
            revoke(
                GroupId=rule["security_group_id"],
                IpPermissions=[{"IpProtocol": "-1", "IpRanges": ranges}],
            )
        else:
            revoke(
                GroupId=rule["security_group_id"],
                SecurityGroupRuleIds=[rule["security_group_rule_id"]],
            )
        out.append(Expected(change, address, None, "missing", "main.tf", rule_lines[kind]))
    # Rules added by hand to groups whose rules are separate resources.
    ec2.authorize_security_group_ingress(
        GroupId=one["id"], IpPermissions=[_ingress("10.0.0.0/8", 5432, "postgres from vpc")]
    )
    out.append(
        Expected(
            "sg-one-ingress-added",
            "aws_security_group.service_one",
            "ingress",
            "drift",
            SG_EX,
            one_line,
        )
    )
    ec2.authorize_security_group_egress(
        GroupId=two["id"], IpPermissions=[_ingress("0.0.0.0/0", 443)]
    )
    out.append(
        Expected(
            "sg-two-egress-added",
            "aws_security_group.service_two",
            "egress",
            "drift",
            SG_EX,
            two_line,
        )
    )
    ec2.authorize_security_group_egress(
        GroupId=one["id"], IpPermissions=[_ingress("10.1.0.0/16", 6379, "redis")]
    )
    out.append(
        Expected(
            "sg-one-egress-added",
            "aws_security_group.service_one",
            "egress",
            "drift",
            SG_EX,
            one_line,
        )
    )
    ec2.authorize_security_group_ingress(
        GroupId=attrs(world, prefixed)["id"],
        IpPermissions=[_ingress("172.31.0.0/16", 8080, "alt http")],
    )
    out.append(
        Expected("sg-module-ingress-added", prefixed, "ingress", "drift", "main.tf", prefixed_line)
    )
    # The other caller's MySQL rule's description (CIDR ranges: moto updates those; both
    # egress rules are revoked above).
    mysql_rule = "module.http_with_egress_sg.module.sg.aws_security_group_rule.ingress_rules[1]"
    rule = attrs(world, mysql_rule)
    perm = _perm(rule)
    perm["IpRanges"] = [
        {"CidrIp": c, "Description": "MySQL from the VPC"} for c in rule["cidr_blocks"]
    ]
    ec2.update_security_group_rule_descriptions_ingress(
        GroupId=rule["security_group_id"], IpPermissions=[perm]
    )
    out.append(
        Expected(
            "sg-rule-description-2",
            mysql_rule,
            "description",
            "drift",
            "main.tf",
            rule_lines["ingress_rules"],
        )
    )
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    made = ec2.create_security_group(
        GroupName="debug-access", Description="made by hand", VpcId=vpc["VpcId"]
    )
    out.append(
        Expected(
            "sg-unmanaged", None, None, "unmanaged", "", 0, made["GroupId"], "aws_security_group"
        )
    )
    return out


def inject_s3(aws: EmbeddedAws, world: worlds.World) -> list[Expected]:
    s3 = client(aws, "s3")
    out: list[Expected] = []
    mod_bucket = line_of(world, "main.tf", 'resource "aws_s3_bucket" "this"')
    main = "module.s3_bucket.aws_s3_bucket.this[0]"
    bucket = attrs(world, main)["bucket"]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "Owner", "Value": "Bob"}]})
    out.append(Expected("bucket-tag-changed", main, "tags.Owner", "drift", "main.tf", mod_bucket))
    simple = "module.simple_bucket.aws_s3_bucket.this[0]"
    simple_name = attrs(world, simple)["bucket"]
    s3.put_bucket_tagging(
        Bucket=simple_name, Tagging={"TagSet": [{"Key": "Team", "Value": "data"}]}
    )
    out.append(Expected("bucket-tag-added", simple, "tags.Team", "drift", "main.tf", mod_bucket))
    versioning = "module.s3_bucket.aws_s3_bucket_versioning.this[0]"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    out.append(
        Expected(
            "versioning-suspended",
            versioning,
            "versioning_configuration[0].status",
            "drift",
            "main.tf",
            line_of(world, "main.tf", 'resource "aws_s3_bucket_versioning" "this"'),
        )
    )
    pab = "module.simple_bucket.aws_s3_bucket_public_access_block.this[0]"
    s3.put_public_access_block(
        Bucket=simple_name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )
    pab_line = line_of(world, "main.tf", 'resource "aws_s3_bucket_public_access_block" "this"')
    out.append(Expected("pab-loosened", pab, "block_public_policy", "drift", "main.tf", pab_line))
    log_pab = "module.log_bucket.aws_s3_bucket_public_access_block.this[0]"
    s3.delete_public_access_block(Bucket=attrs(world, log_pab)["bucket"])
    out.append(Expected("pab-deleted", log_pab, None, "missing", "main.tf", pab_line))
    sse = "module.s3_bucket.aws_s3_bucket_server_side_encryption_configuration.this[0]"
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    out.append(
        Expected(
            "sse-changed",
            sse,
            "rule",
            "drift",
            "main.tf",
            line_of(
                world, "main.tf", 'resource "aws_s3_bucket_server_side_encryption_configuration"'
            ),
        )
    )
    policy_addr = "module.s3_bucket.aws_s3_bucket_policy.this[0]"
    doc = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    doc["Statement"].append(
        {
            "Sid": "HandAddedRead",
            "Effect": "Allow",
            "Principal": {"AWS": attrs(world, "aws_iam_role.this")["arn"]},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(doc))
    out.append(
        Expected(
            "bucket-policy-changed",
            policy_addr,
            "policy",
            "drift",
            "main.tf",
            line_of(world, "main.tf", 'resource "aws_s3_bucket_policy" "this"'),
        )
    )
    kms = client(aws, "kms")
    key = attrs(world, "aws_kms_key.objects")["key_id"]
    kms.enable_key_rotation(KeyId=key)
    out.append(
        Expected(
            "kms-rotation-on",
            "aws_kms_key.objects",
            "enable_key_rotation",
            "drift",
            S3_EX,
            line_of(world, S3_EX, 'resource "aws_kms_key" "objects"'),
        )
    )
    iam = client(aws, "iam")
    iam.tag_role(
        RoleName=attrs(world, "aws_iam_role.this")["name"],
        Tags=[{"Key": "Team", "Value": "storage"}],
    )
    out.append(
        Expected(
            "role-tag",
            "aws_iam_role.this",
            "tags.Team",
            "drift",
            S3_EX,
            line_of(world, S3_EX, 'resource "aws_iam_role" "this"'),
        )
    )
    s3.create_bucket(Bucket="fond-lark-manual-export")
    out.append(
        Expected(
            "unmanaged-bucket",
            None,
            None,
            "unmanaged",
            "",
            0,
            "fond-lark-manual-export",
            "aws_s3_bucket",
        )
    )
    out.extend(_more_s3(aws, world))
    return out


def _more_s3(aws: EmbeddedAws, world: worlds.World) -> list[Expected]:
    """Twelve more console edits of the s3-bucket stack: a tag on the log bucket, ownership
    controls changed and deleted, a bucket policy and public ACL blocking removed, the KMS key's
    description and tags, and the example's IAM role edited every way the console offers
    (description, session length, trust, an inline policy and a managed policy added)."""
    s3 = client(aws, "s3")
    iam = client(aws, "iam")
    kms = client(aws, "kms")
    out: list[Expected] = []
    mod_bucket = line_of(world, "main.tf", 'resource "aws_s3_bucket" "this"')
    own_line = line_of(world, "main.tf", 'resource "aws_s3_bucket_ownership_controls" "this"')
    log = "module.log_bucket.aws_s3_bucket.this[0]"
    log_name = attrs(world, log)["bucket"]
    s3.put_bucket_tagging(
        Bucket=log_name, Tagging={"TagSet": [{"Key": "Retention", "Value": "90d"}]}
    )
    out.append(Expected("log-bucket-tag", log, "tags.Retention", "drift", "main.tf", mod_bucket))
    log_own = "module.log_bucket.aws_s3_bucket_ownership_controls.this[0]"
    s3.put_bucket_ownership_controls(
        Bucket=log_name,
        OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
    )
    out.append(Expected("ownership-changed", log_own, "rule", "drift", "main.tf", own_line))
    main_name = attrs(world, "module.s3_bucket.aws_s3_bucket.this[0]")["bucket"]
    own = "module.s3_bucket.aws_s3_bucket_ownership_controls.this[0]"
    s3.delete_bucket_ownership_controls(Bucket=main_name)
    out.append(Expected("ownership-deleted", own, None, "missing", "main.tf", own_line))
    log_policy = "module.log_bucket.aws_s3_bucket_policy.this[0]"
    s3.delete_bucket_policy(Bucket=log_name)
    out.append(
        Expected(
            "log-policy-deleted",
            log_policy,
            None,
            "missing",
            "main.tf",
            line_of(world, "main.tf", 'resource "aws_s3_bucket_policy" "this"'),
        )
    )
    pab = "module.s3_bucket.aws_s3_bucket_public_access_block.this[0]"
    s3.put_public_access_block(
        Bucket=main_name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    out.append(
        Expected(
            "pab-acls-off",
            pab,
            "block_public_acls",
            "drift",
            "main.tf",
            line_of(world, "main.tf", 'resource "aws_s3_bucket_public_access_block" "this"'),
        )
    )
    key_line = line_of(world, S3_EX, 'resource "aws_kms_key" "objects"')
    key = attrs(world, "aws_kms_key.objects")["key_id"]
    kms.update_key_description(KeyId=key, Description="bucket objects (prod)")
    out.append(
        Expected("kms-description", "aws_kms_key.objects", "description", "drift", S3_EX, key_line)
    )
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "Team", "TagValue": "storage"}])
    out.append(Expected("kms-tag", "aws_kms_key.objects", "tags.Team", "drift", S3_EX, key_line))
    role = "aws_iam_role.this"
    role_name = attrs(world, role)["name"]
    role_line = line_of(world, S3_EX, 'resource "aws_iam_role" "this"')
    # One UpdateRole call: moto (unlike AWS) clears the description a call leaves out.
    iam.update_role(
        RoleName=role_name, Description="reads the example bucket", MaxSessionDuration=14400
    )
    out.append(Expected("s3-role-description", role, "description", "drift", S3_EX, role_line))
    out.append(Expected("s3-role-session", role, "max_session_duration", "drift", S3_EX, role_line))
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else dict(trust)
    trust["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    )
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))
    out.append(
        Expected("s3-role-trust-widened", role, "assume_role_policy", "drift", S3_EX, role_line)
    )
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="debug-read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
                ],
            }
        ),
    )
    out.append(Expected("s3-role-inline-added", role, "inline_policy", "drift", S3_EX, role_line))
    iam.attach_role_policy(
        RoleName=role_name, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    out.append(
        Expected("s3-role-managed-attached", role, "managed_policy_arns", "drift", S3_EX, role_line)
    )
    return out


def inject_iam(aws: EmbeddedAws, world: worlds.World) -> list[Expected]:
    iam = client(aws, "iam")
    out: list[Expected] = []
    role_line = line_of(
        world, "modules/iam-assumable-role/main.tf", 'resource "aws_iam_role" "this"'
    )
    role_file = "modules/iam-assumable-role/main.tf"
    admin = "module.iam_assumable_role_admin.aws_iam_role.this[0]"
    admin_name = attrs(world, admin)["name"]
    iam.tag_role(RoleName=admin_name, Tags=[{"Key": "Role", "Value": "SuperAdmin"}])
    out.append(Expected("role-tag-changed", admin, "tags.Role", "drift", role_file, role_line))
    iam.update_role(RoleName=admin_name, MaxSessionDuration=7200)
    out.append(
        Expected("role-session", admin, "max_session_duration", "drift", role_file, role_line)
    )
    inline_role = "module.iam_assumable_role_inline_policy.aws_iam_role.this[0]"
    iam.update_role(RoleName=attrs(world, inline_role)["name"], Description="ECR push and pull")
    out.append(
        Expected("role-description", inline_role, "description", "drift", role_file, role_line)
    )
    inline = "module.iam_assumable_role_inline_policy.aws_iam_role_policy.inline[0]"
    a = attrs(world, inline)
    doc = json.loads(a["policy"])
    doc["Statement"][0]["Action"] = sorted({*doc["Statement"][0]["Action"], "ecr:DeleteRepository"})
    iam.put_role_policy(RoleName=a["role"], PolicyName=a["name"], PolicyDocument=json.dumps(doc))
    out.append(
        Expected(
            "inline-policy-changed",
            inline,
            "policy",
            "drift",
            role_file,
            line_of(world, role_file, 'resource "aws_iam_role_policy" "inline"'),
        )
    )
    pol = "module.iam_policy.aws_iam_policy.policy[0]"
    arn = attrs(world, pol)["arn"]
    new_doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Action": ["ec2:Describe*", "ec2:Get*"], "Effect": "Allow", "Resource": "*"}
        ],
    }
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(new_doc), SetAsDefault=True)
    out.append(
        Expected(
            "managed-policy-changed",
            pol,
            "policy",
            "drift",
            "modules/iam-policy/main.tf",
            line_of(world, "modules/iam-policy/main.tf", 'resource "aws_iam_policy" "policy"'),
        )
    )
    custom = "module.iam_assumable_role_custom.aws_iam_role.this[0]"
    name = attrs(world, custom)["name"]
    trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else dict(trust)
    trust["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    )
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    out.append(
        Expected("trust-widened", custom, "assume_role_policy", "drift", role_file, role_line)
    )
    attach = "module.iam_assumable_role_custom.aws_iam_role_policy_attachment.custom[0]"
    a = attrs(world, attach)
    iam.detach_role_policy(RoleName=a["role"], PolicyArn=a["policy_arn"])
    out.append(
        Expected(
            "attachment-detached",
            attach,
            None,
            "missing",
            role_file,
            line_of(world, role_file, 'resource "aws_iam_role_policy_attachment" "custom"'),
        )
    )
    out.extend(_more_iam(aws, world))
    return out


def _more_iam(aws: EmbeddedAws, world: worlds.World) -> list[Expected]:
    """Sixteen more console edits of the iam stack: tags, descriptions, session lengths and a
    permissions boundary on the module's roles (each set through the caller's arguments), the
    admin role's own attachment detached and another policy attached by hand, an inline policy
    added by hand, trust widened and changed, a tag on the instance profile (which shares
    `var.tags` with its role) and on the managed policy, and a role and a policy made by hand."""
    iam = client(aws, "iam")
    out: list[Expected] = []
    role_file = "modules/iam-assumable-role/main.tf"
    role_line = line_of(world, role_file, 'resource "aws_iam_role" "this"')
    m = "module.iam_assumable_role_"
    admin = f"{m}admin.aws_iam_role.this[0]"
    custom = f"{m}custom.aws_iam_role.this[0]"
    inline = f"{m}inline_policy.aws_iam_role.this[0]"
    ctp = f"{m}custom_trust_policy.aws_iam_role.this[0]"
    name = {a: attrs(world, a)["name"] for a in (admin, custom, inline, ctp)}

    def role(change: str, address: str, attribute: str) -> None:
        out.append(Expected(change, address, attribute, "drift", role_file, role_line))

    iam.update_role(RoleName=name[admin], Description="break-glass admin", MaxSessionDuration=7200)
    role("admin-description", admin, "description")
    iam.tag_role(RoleName=name[custom], Tags=[{"Key": "Team", "Value": "identity"}])
    role("custom-tag", custom, "tags.Team")
    iam.update_role(
        RoleName=name[inline], Description="ECR push and pull", MaxSessionDuration=10800
    )
    role("inline-session", inline, "max_session_duration")
    boundary = attrs(world, "module.iam_policy.aws_iam_policy.policy[0]")["arn"]
    iam.put_role_permissions_boundary(RoleName=name[inline], PermissionsBoundary=boundary)
    role("inline-boundary", inline, "permissions_boundary")
    iam.tag_role(RoleName=name[ctp], Tags=[{"Key": "Owner", "Value": "sec"}])
    role("ctp-tag", ctp, "tags.Owner")
    # One UpdateRole call per role, with what earlier calls set: moto (unlike AWS) clears the
    # description a call leaves out.
    iam.update_role(RoleName=name[ctp], Description="assumed by the org", MaxSessionDuration=5400)
    role("ctp-description", ctp, "description")
    role("ctp-session", ctp, "max_session_duration")
    # The custom trust policy narrowed to one account (not a widening): it comes from a
    # data.aws_iam_policy_document.
    doc = iam.get_role(RoleName=name[ctp])["Role"]["AssumeRolePolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else dict(doc)
    doc["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::123456789012:root"}
    iam.update_assume_role_policy(RoleName=name[ctp], PolicyDocument=json.dumps(doc))
    role("ctp-trust-changed", ctp, "assume_role_policy")
    doc = iam.get_role(RoleName=name[inline])["Role"]["AssumeRolePolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else dict(doc)
    doc["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    )
    iam.update_assume_role_policy(RoleName=name[inline], PolicyDocument=json.dumps(doc))
    role("inline-trust-widened", inline, "assume_role_policy")
    att = f"{m}admin.aws_iam_role_policy_attachment.admin[0]"
    a = attrs(world, att)
    iam.detach_role_policy(RoleName=a["role"], PolicyArn=a["policy_arn"])
    out.append(
        Expected(
            "admin-detached",
            att,
            None,
            "missing",
            role_file,
            line_of(world, role_file, 'resource "aws_iam_role_policy_attachment" "admin"'),
        )
    )
    iam.attach_role_policy(RoleName=name[admin], PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    role("admin-policy-attached", admin, "managed_policy_arns")
    iam.put_role_policy(
        RoleName=name[custom],
        PolicyName="hotfix",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}],
            }
        ),
    )
    role("custom-inline-added", custom, "inline_policy")
    profile = f"{m}admin.aws_iam_instance_profile.this[0]"
    iam.tag_instance_profile(
        InstanceProfileName=attrs(world, profile)["name"],
        Tags=[{"Key": "Host", "Value": "bastion"}],
    )
    out.append(
        Expected(
            "profile-tag",
            profile,
            "tags.Host",
            "drift",
            role_file,
            line_of(world, role_file, 'resource "aws_iam_instance_profile" "this"'),
        )
    )
    pol = "module.iam_policy.aws_iam_policy.policy[0]"
    iam.tag_policy(PolicyArn=boundary, Tags=[{"Key": "Team", "Value": "platform"}])
    out.append(
        Expected(
            "policy-tag",
            pol,
            "tags.Team",
            "drift",
            "modules/iam-policy/main.tf",
            line_of(world, "modules/iam-policy/main.tf", 'resource "aws_iam_policy" "policy"'),
        )
    )
    made = iam.create_role(
        RoleName="ci-deployer",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"Service": "codebuild.amazonaws.com"},
                    }
                ],
            }
        ),
    )
    out.append(
        Expected(
            "unmanaged-role",
            None,
            None,
            "unmanaged",
            "",
            0,
            made["Role"]["RoleName"],
            "aws_iam_role",
        )
    )
    made_pol = iam.create_policy(
        PolicyName="ci-artifacts",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:PutObject",
                        "Resource": "arn:aws:s3:::ci-artifacts/*",
                    }
                ],
            }
        ),
    )
    out.append(
        Expected(
            "unmanaged-policy",
            None,
            None,
            "unmanaged",
            "",
            0,
            made_pol["Policy"]["Arn"],
            "aws_iam_policy",
        )
    )
    return out


INJECT: Mapping[str, Callable[[EmbeddedAws, worlds.World], list[Expected]]] = {
    "security-group": inject_security_group,
    "s3-bucket": inject_s3,
    "iam": inject_iam,
}


def deploy(aws: EmbeddedAws, name: str, workdir: Path, terraform: Terraform) -> worlds.World:
    """`terraform apply` of the named stack on `aws` (its own moto process)."""
    return worlds.deploy(aws, STACKS[name], workdir, terraform=terraform)
