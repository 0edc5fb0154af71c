"""The rules on a real Terraform state: apply an insecure stack to the embedded AWS with the
real hashicorp/aws provider, then check that the state (as the provider writes it) and the HCL
give the same findings, and that evaluating both together reports each problem once."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from driftpatch.model import Address
from driftpatch.rules.engine import evaluate, evaluate_source
from driftpatch.rules.interface import Origin
from driftpatch.rules.subjects import from_code, from_state
from tests.conftest import TfApply
from tests.rules.sources import index_source

STACK = Path(__file__).parent / "stacks" / "insecure"

EXPECTED = {
    ("DP-S3-003", "aws_s3_bucket_public_access_block.data", "block_public_policy"),
    ("DP-S3-004", "aws_s3_bucket.data", "server_side_encryption_configuration"),
    ("DP-S3-005", "aws_s3_bucket_versioning.data", "versioning_configuration[0].status"),
    ("DP-S3-006", "aws_s3_bucket.data", "logging"),
    ("DP-S3-002", "aws_s3_bucket_policy.logs", "policy"),
    ("DP-S3-003", "aws_s3_bucket.logs", None),
    ("DP-S3-004", "aws_s3_bucket.logs", "server_side_encryption_configuration"),
    ("DP-S3-005", "aws_s3_bucket.logs", "versioning"),
    ("DP-S3-006", "aws_s3_bucket.logs", "logging"),
    ("DP-VPC-001", "aws_security_group.web", "ingress"),
    ("DP-VPC-003", "aws_security_group.web", "ingress"),
    ("DP-VPC-002", "aws_security_group_rule.rdp", "cidr_blocks"),
    ("DP-EC2-003", "aws_ebs_volume.data", "encrypted"),
    ("DP-EC2-005", "aws_ebs_encryption_by_default.this", "enabled"),
    ("DP-KMS-001", "aws_kms_key.app", "enable_key_rotation"),
    ("DP-IAM-002", "aws_iam_role.open", "assume_role_policy"),
    ("DP-IAM-001", "aws_iam_role_policy.admin", "policy"),
    ("DP-IAM-003", "aws_iam_role_policy.admin", None),
    ("DP-IAM-004", "aws_iam_user_policy_attachment.alice", None),
    ("DP-VPC-101", "aws_vpc.main", None),  # no flow log (rules-account's rule)
}


@dataclass(frozen=True)
class Instance:
    """A state v4 resource instance, read just far enough for from_state."""

    address: Address
    attributes: dict[str, Any]
    region: str | None = None

    @property
    def type(self) -> str:
        return self.address.type

    @property
    def id(self) -> str | None:
        value = self.attributes.get("id")
        return value if isinstance(value, str) else None


def instances(state: dict[str, Any]) -> list[Instance]:
    return [
        Instance(
            Address(r["type"], r["name"], mode=r["mode"], key=i.get("index_key")),
            i["attributes"],
        )
        for r in state["resources"]
        for i in r["instances"]
    ]


@pytest.mark.terraform
def test_state_and_code_agree(tf_apply: TfApply, tmp_path: Path) -> None:
    work = tmp_path / "stack"
    shutil.copytree(STACK, work)
    state = tf_apply(work)
    source = index_source(STACK)

    from_state_result = evaluate(from_state(instances(state), source))
    code_result = evaluate(from_code(source))

    def keys(findings: Any) -> set[tuple[str, str | None, str | None]]:
        return {(f.rule_id, f.address, f.attribute) for f in findings}

    assert keys(from_state_result.findings) == EXPECTED
    assert keys(code_result.findings) == EXPECTED
    assert all(f.location is not None for f in from_state_result.findings)

    both = evaluate([*from_code(source), *from_state(instances(state))], source=source)
    assert keys(both.findings) == EXPECTED
    assert all(f.resource_id for f in both.findings), "state values win over code"
    fixed = {f.rule_id for f in both.findings if f.id in both.fixes}
    assert {s.origin for s, _ in both.fixes.values()} == {Origin.CODE}
    assert fixed == {
        "DP-S3-003",
        "DP-S3-004",
        "DP-S3-005",
        "DP-EC2-003",
        "DP-EC2-005",
        "DP-KMS-001",
    }

    assert {(f.rule_id, f.attribute) for f in evaluate_source(source).findings} == {
        ("DP-TF-002", "backend"),
        ("DP-TF-003", "required_providers.aws.version"),
    }
