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
        Expected("unmanaged-bucket", None, None, "unmanaged", "", 0, "fond-lark-manual-export")
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
    return out


INJECT: Mapping[str, Callable[[EmbeddedAws, worlds.World], list[Expected]]] = {
    "security-group": inject_security_group,
    "s3-bucket": inject_s3,
    "iam": inject_iam,
}


def deploy(aws: EmbeddedAws, name: str, workdir: Path, terraform: Terraform) -> worlds.World:
    """`terraform apply` of the named stack on `aws` (its own moto process)."""
    return worlds.deploy(aws, STACKS[name], workdir, terraform=terraform)
