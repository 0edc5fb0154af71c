"""Out-of-band changes to the insecure stack (fixtures/stacks/insecure), for issue 9's proof.

Shared by tests/e2e/test_insecure_world.py and benchmarks/patch_rate.py. The demo's own
injector (`worlds.inject`) makes the nine changes it knows for this stack (a tag, versioning
suspended, SSH opened, trust widened, the instance resized, a bucket made by hand, the public
bucket deleted with its three split resources, an access block removed, a rule's description);
`inject` adds the console edits a team would also see on it: tags and descriptions, a policy
narrowed, a subnet made private, a volume grown, an egress rule revoked, rules added to a group
whose rules are separate resources, and the admin attachment detached. Each comes back as a
`thirdparty.Expected`: the address, attribute and kind it should be found as, and the line of
the block in insecure/main.tf.
"""

from __future__ import annotations

import json
from typing import Any

from driftpatch.demo import worlds
from driftpatch.embedded import EmbeddedAws
from driftpatch.model import Kind

from .thirdparty import Expected, attrs, client, line_of

FILE = "insecure/main.tf"


def _block(world: worlds.World, address: str) -> int:
    rtype, name = address.split(".")
    return line_of(world, FILE, f'resource "{rtype}" "{name}"')


def inject(aws: EmbeddedAws, world: worlds.World) -> list[Expected]:
    out: list[Expected] = []
    for change in worlds.inject(world):
        if change.kind is Kind.UNMANAGED:
            out.append(
                Expected(
                    change.name,
                    None,
                    None,
                    "unmanaged",
                    "",
                    0,
                    change.resource_id,
                    change.resource_type,
                )
            )
            continue
        assert change.address is not None
        name = change.name
        if name == "bucket-deleted" and change.resource_type != "aws_s3_bucket":
            name = f"{name}:{change.resource_type}"  # the split resources that went with it
        out.append(
            Expected(
                name,
                change.address,
                change.attribute,
                change.kind.value,
                FILE,
                _block(world, change.address),
            )
        )
    out.extend(_more(aws, world))
    return out


def _more(aws: EmbeddedAws, world: worlds.World) -> list[Expected]:
    ec2, iam, kms, s3 = (client(aws, s) for s in ("ec2", "iam", "kms", "s3"))
    out: list[Expected] = []

    def drift(change: str, address: str, attribute: str) -> None:
        out.append(Expected(change, address, attribute, "drift", FILE, _block(world, address)))

    key = attrs(world, "aws_kms_key.app")["key_id"]
    kms.update_key_description(KeyId=key, Description="application secrets (prod)")
    drift("kms-description", "aws_kms_key.app", "description")
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "Team", "TagValue": "app"}])
    drift("kms-tag", "aws_kms_key.app", "tags.Team")
    # The uploads bucket moved from SSE-S3 to SSE-KMS by hand (not a weakening).
    s3.put_bucket_encryption(
        Bucket=attrs(world, "aws_s3_bucket.uploads")["bucket"],
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    drift("sse-kms", "aws_s3_bucket_server_side_encryption_configuration.uploads", "rule")
    for address, tag in (
        ("aws_vpc.main", ("Name", "insecure-main")),
        ("aws_subnet.public", ("Tier", "public")),
        ("aws_security_group.wide_open", ("Review", "pending")),
        ("aws_instance.web", ("Owner", "web-team")),
        ("aws_ebs_volume.data", ("Backup", "daily")),
    ):
        ec2.create_tags(
            Resources=[attrs(world, address)["id"]], Tags=[{"Key": tag[0], "Value": tag[1]}]
        )
        drift(f"tag:{address}", address, f"tags.{tag[0]}")
    # The subnet made private in the console: the code still says public IPs.
    ec2.modify_subnet_attribute(
        SubnetId=attrs(world, "aws_subnet.public")["id"], MapPublicIpOnLaunch={"Value": False}
    )
    drift("subnet-private", "aws_subnet.public", "map_public_ip_on_launch")
    ec2.modify_volume(VolumeId=attrs(world, "aws_ebs_volume.data")["id"], Size=16)
    drift("volume-grown", "aws_ebs_volume.data", "size")
    # The open group's allow-all egress revoked: codified as `egress = []`, never by deleting
    # the block (Terraform would then stop managing egress).
    ec2.revoke_security_group_egress(
        GroupId=attrs(world, "aws_security_group.wide_open")["id"],
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    drift("egress-revoked", "aws_security_group.wide_open", "egress")
    # A rule added by hand to the group whose rules are separate resources.
    ec2.authorize_security_group_ingress(
        GroupId=attrs(world, "aws_security_group.windows")["id"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5985,
                "ToPort": 5986,
                "IpRanges": [{"CidrIp": "10.30.0.0/16", "Description": "winrm"}],
            }
        ],
    )
    drift("windows-winrm-added", "aws_security_group.windows", "ingress")
    # The admin inline policy narrowed by hand to S3 (more secure than the code).
    open_admin = attrs(world, "aws_iam_role_policy.open_admin")
    narrowed = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    iam.put_role_policy(
        RoleName=open_admin["role"],
        PolicyName=open_admin["name"],
        PolicyDocument=json.dumps(narrowed),
    )
    drift("inline-narrowed", "aws_iam_role_policy.open_admin", "policy")
    iam.update_role(RoleName="open-to-anyone", Description="legacy: do not use")
    drift("role-description", "aws_iam_role.open", "description")
    iam.update_role(RoleName="app", MaxSessionDuration=7200)
    drift("role-session", "aws_iam_role.app", "max_session_duration")
    iam.tag_policy(
        PolicyArn=attrs(world, "aws_iam_policy.admin")["arn"],
        Tags=[{"Key": "Review", "Value": "2026-q4"}],
    )
    drift("policy-tag", "aws_iam_policy.admin", "tags.Review")
    # The application role's admin attachment detached by hand: the code would re-attach
    # full admin, so the advice must not be a plain re-apply.
    attachment: dict[str, Any] = attrs(world, "aws_iam_role_policy_attachment.app_admin")
    iam.detach_role_policy(RoleName=attachment["role"], PolicyArn=attachment["policy_arn"])
    out.append(
        Expected(
            "admin-detached",
            "aws_iam_role_policy_attachment.app_admin",
            None,
            "missing",
            FILE,
            _block(world, "aws_iam_role_policy_attachment.app_admin"),
        )
    )
    return out
