"""Issue 9's proof on Terraform nobody here wrote: public module examples, applied for real.

Three stacks vendored from terraform-aws-modules (fixtures/thirdparty/, PROVENANCE.md there):
security-group (count-indexed `aws_security_group_rule`s in nested modules, separate rules on
plain groups), s3-bucket (split `aws_s3_bucket_*` resources behind `count`, policies from
`aws_iam_policy_document`s) and iam (roles, inline and managed policies, attachments). Each is
applied once for the module by Terraform + hashicorp/aws 5.100.0 to its own moto process,
scanned clean, changed out of band in 20+ ways each (65 in all) through boto3, and scanned once
with `--verify terraform`. Every change must be found at its attribute and file:line; every drift
either gets a default patch that `git apply`, `terraform fmt -check`, `validate` and `plan`
prove, or is refused / reverted with advice that is true.

Where driftpatch is wrong today the test asserts the right behaviour and is marked
`xfail(strict=True)` with the bug, so it flips when fixed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from driftpatch import api
from driftpatch.config import Config, VerifyMode
from driftpatch.demo.worlds import World
from driftpatch.embedded import DEFAULT_REGION, EmbeddedAws
from driftpatch.model import Kind, Report
from driftpatch.terraform.binary import Terraform

from . import proof
from . import thirdparty as tp

pytestmark = [pytest.mark.terraform, pytest.mark.e2e]


@dataclass(frozen=True)
class Run:
    aws: EmbeddedAws
    world: World
    clean: Report
    drift: Report
    expected: Mapping[str, tp.Expected]


def scan(aws: EmbeddedAws, world: World, verify: VerifyMode) -> Report:
    with pytest.MonkeyPatch.context() as mp:
        for key, value in aws.env().items():
            mp.setenv(key, value)
        return api.scan(
            Config(
                states=(str(world.state_path),),
                source=world.root,
                repo_root=world.workdir,
                regions=(DEFAULT_REGION,),
                endpoint_url=aws.endpoint_url,
                checkov=False,
                verify=verify,
            )
        )


@pytest.fixture(scope="module")
def runs(
    terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Run]]:
    """Every stack applied (concurrently, one moto process each), scanned clean, changed, and
    scanned again with Terraform verification."""
    with ExitStack() as stack:
        servers = {name: stack.enter_context(tp.moto_process()) for name in tp.STACKS}
        base = tmp_path_factory.mktemp("thirdparty")
        with ThreadPoolExecutor(len(servers)) as pool:
            deployed = {
                name: pool.submit(tp.deploy, servers[name], name, base / name, terraform)
                for name in tp.STACKS
            }
            applied = {name: f.result() for name, f in deployed.items()}
        out: dict[str, Run] = {}
        for name, world in applied.items():
            aws = servers[name]
            clean = scan(aws, world, VerifyMode.STATIC)
            expected = {e.change: e for e in tp.INJECT[name](aws, world)}
            drift = scan(aws, world, VerifyMode.TERRAFORM)
            out[name] = Run(aws, world, clean, drift, expected)
        yield out


# ----------------------------------------------------------------------------- clean apply


@pytest.mark.parametrize(
    "stack",
    [
        "security-group",  # rules with protocol -1 and ports -1 once gave 12 findings here
        "s3-bucket",
        "iam",
    ],
)
def test_clean_apply_scans_to_zero_drift(runs: dict[str, Run], stack: str) -> None:
    report = runs[stack].clean
    drift = [
        (f.address, f.attribute)
        for f in report.findings
        if f.kind in (Kind.DRIFT, Kind.MISSING, Kind.UNMANAGED)
    ]
    assert drift == []
    assert report.summary()["drifted"] == 0


# ----------------------------------------------------------------------------- each change

# Each stack's out-of-band changes (tests/e2e/thirdparty.py makes them), all injected before
# the one drift scan of the stack.
STACK_CHANGES: Mapping[str, tuple[str, ...]] = {
    "security-group": (
        "sg-tag",
        "sg-ingress-added",
        "sg-ssh-open",
        "sg-rule-revoked",
        "sg-egress-revoked",
        "sg-rule-description",
        "sg-module-tag",
        "sg-tag-owner",
        "sg-two-tag",
        "sg-name-tag",
        "sg-module-tag-2",
        "sg-rule-two-revoked",
        "sg-egress-all-revoked",
        "sg-mysql-rule-revoked",
        "sg-one-ingress-added",
        "sg-two-egress-added",
        "sg-one-egress-added",
        "sg-module-ingress-added",
        "sg-rule-description-2",
        "sg-unmanaged",
    ),
    "s3-bucket": (
        "bucket-tag-changed",
        "bucket-tag-added",
        "versioning-suspended",
        "pab-loosened",
        "pab-deleted",
        "sse-changed",
        "bucket-policy-changed",
        "kms-rotation-on",
        "role-tag",
        "unmanaged-bucket",
        "log-bucket-tag",
        "ownership-changed",
        "ownership-deleted",
        "log-policy-deleted",
        "pab-acls-off",
        "kms-description",
        "kms-tag",
        "s3-role-description",
        "s3-role-session",
        "s3-role-trust-widened",
        "s3-role-inline-added",
        "s3-role-managed-attached",
    ),
    "iam": (
        "role-tag-changed",
        "role-session",
        "role-description",
        "inline-policy-changed",
        "managed-policy-changed",
        "trust-widened",
        "attachment-detached",
        "admin-description",
        "custom-tag",
        "inline-session",
        "inline-boundary",
        "ctp-tag",
        "ctp-description",
        "ctp-session",
        "ctp-trust-changed",
        "inline-trust-widened",
        "admin-detached",
        "admin-policy-attached",
        "custom-inline-added",
        "profile-tag",
        "policy-tag",
        "unmanaged-role",
        "unmanaged-policy",
    ),
}
CHANGES: list[tuple[str, str]] = [(s, c) for s, cs in STACK_CHANGES.items() for c in cs]


@pytest.mark.parametrize("stack", list(tp.STACKS))
def test_each_stack_is_changed_in_twenty_ways_before_one_scan(
    runs: dict[str, Run], stack: str
) -> None:
    assert sorted(runs[stack].expected) == sorted(STACK_CHANGES[stack])
    assert len(STACK_CHANGES[stack]) >= 20


@pytest.mark.parametrize(("stack", "change"), CHANGES, ids=[c for _, c in CHANGES])
def test_change_found_at_attribute_and_line(runs: dict[str, Run], stack: str, change: str) -> None:
    run = runs[stack]
    proof.check_found(run.drift, run.world.workdir, run.expected[change])


Want = proof.Want
SG_EX, S3_EX, IAM_EX = tp.SG_EX, tp.S3_EX, tp.IAM_EX
WANT: Mapping[str, Want] = {
    # service_one and service_two drift in other ways too (rules added by hand, codified as
    # imported rule resources): their plan effect is whatever those leave, so not pinned here.
    "sg-tag": Want("patch", SG_EX, ('Team = "platform"',), effect=""),
    "sg-ingress-added": Want(
        "patch",
        SG_EX,
        ("aws_security_group_rule", "8443"),
        effect="",  # a separate rule resource + import (fixed: it once codified inline ingress)
    ),
    # The group's code has no inline ingress (its rules are separate resources): an apply
    # changes nothing, so the advice must say so and give the true way (revoke it in AWS).
    "sg-ssh-open": Want("no-false-apply", reason="aws ec2 revoke-security-group-ingress"),
    "sg-rule-revoked": Want("revert"),
    "sg-egress-revoked": Want("revert"),
    # The description is the module's shared rules table entry, picked by a computed index;
    # the table's one place (the wrapper module's call of sg) serves the other caller too.
    "sg-rule-description": Want(
        "refuse", reason="the code in modules/http-80 also serves module.http_with_egress_sg"
    ),
    "sg-module-tag": Want(
        "patch",
        SG_EX,
        ('Env = "prod"',),
    ),
    "sg-tag-owner": Want("patch", SG_EX, ('Owner = "alice"',), effect=""),
    "sg-two-tag": Want("patch", SG_EX, ('Team = "payments"',), effect=""),
    # The module writes merge({Name = var.name}, var.tags): the caller's tags win for the tag
    # and the group's name (var.name) stays: no rename, no replace (plan: no change).
    "sg-name-tag": Want("patch", SG_EX, ('Name = "db-web"',)),
    "sg-module-tag-2": Want("patch", SG_EX, ('CostCenter = "cc-42"',)),
    "sg-rule-two-revoked": Want("revert"),
    "sg-egress-all-revoked": Want("revert"),
    "sg-mysql-rule-revoked": Want("revert"),
    "sg-one-ingress-added": Want("patch", SG_EX, ("aws_security_group_rule", "5432"), effect=""),
    # The group's ingress rules are separate resources: egress takes the same form (fixed: it
    # was codified inline, mixing the two forms on one group).
    "sg-two-egress-added": Want(
        "patch",
        SG_EX,
        ("aws_security_group_rule", '"egress"', "443"),
        effect="",
    ),
    "sg-one-egress-added": Want("patch", SG_EX, ("aws_security_group_rule", "6379"), effect=""),
    # A rule for a group made inside a module: the module's code serves every caller and only
    # the root module can import, so the rule resource goes into the root module (after the
    # module's call) with the group id from the module's outputs, and is imported (fixed: it
    # was refused). The group's tag drifts too (sg-module-tag): its effect is not pinned here.
    "sg-module-ingress-added": Want(
        "patch",
        SG_EX,
        (
            "aws_security_group_rule",
            "security_group_id = module.http_with_egress_sg.security_group_id",
            "8080",
            "import {",
        ),
        effect="",
    ),
    "sg-rule-description-2": Want(
        "refuse", reason="the code in modules/http-80 also serves module.http_mysql_1_sg"
    ),
    # Fixed: the generated `egress {}` blocks were refused by the static schema check.
    "sg-unmanaged": Want("patch", "examples/rules-only/imported.tf", effect="import"),
    "bucket-tag-changed": Want("patch", S3_EX, ('Owner = "Bob"',)),
    "bucket-tag-added": Want("patch", S3_EX, ('Team = "data"',)),
    "versioning-suspended": Want("revert"),
    "pab-loosened": Want("revert"),
    "pab-deleted": Want("revert"),
    "sse-changed": Want("patch", S3_EX, ('"AES256"',)),
    "bucket-policy-changed": Want("refuse", reason="data.aws_iam_policy_document"),
    # The code is silent on rotation, so DP-KMS-001's fix writes `enable_key_rotation = true`:
    # the same edit as the codify, which joins that patch. The key's description and tag
    # drifted too: a patch each (fixed: one bundle), so each plan still updates the key.
    "kms-rotation-on": Want("patch", S3_EX, ("enable_key_rotation",), effect="update"),
    # The role's trust is widened too (reverted by apply): its plan shows that update.
    "role-tag": Want("patch", S3_EX, ('Team = "storage"',), effect=""),
    # The log bucket's policy is deleted too (log-policy-deleted): both plans create it, the
    # unpatched one with its document unknown (the data source reading the bucket is deferred
    # while the bucket has a pending change), the patched one with it known: the same create
    # (fixed: it was refused as "also changes ... policy").
    "log-bucket-tag": Want("patch", S3_EX, ('Retention = "90d"',)),
    # Codifying ObjectWriter replaces the ownership controls (the provider cannot update them
    # in place): left out of the default patch with that reason.
    "ownership-changed": Want("refuse", reason="terraform plan would replace"),
    "ownership-deleted": Want("revert"),
    "log-policy-deleted": Want("revert"),
    "pab-acls-off": Want("revert"),
    "kms-description": Want("patch", S3_EX, ('"bucket objects (prod)"',), effect="update"),
    "kms-tag": Want("patch", S3_EX, ('Team = "storage"',), effect="update"),
    "s3-role-description": Want("patch", S3_EX, ('"reads the example bucket"',), effect=""),
    "s3-role-session": Want("patch", S3_EX, ("14400",), effect=""),
    "s3-role-trust-widened": Want("revert"),
    # An inline policy added by hand is undone in AWS (the code does not manage inline_policy;
    # fixed: its unmanaged aws_iam_role_policy was also imported by the default patch).
    "s3-role-inline-added": Want("no-false-apply", reason="aws iam delete-role-policy"),
    "s3-role-managed-attached": Want(
        "patch", S3_EX, ("aws_iam_role_policy_attachment", "AmazonS3ReadOnlyAccess"), effect=""
    ),
    "unmanaged-bucket": Want("patch", "examples/complete/imported.tf", effect="import"),
    # The role's tag is codified at the caller's `tags`, which the module also gives the
    # instance profile: the profile (which did not drift) would change too.
    "role-tag-changed": Want("refuse", reason="which this codify does not name"),
    # Its own patch, judged against the unpatched plan (fixed: bundled with the role's tag,
    # whose shared var.tags reaches the instance profile, it lost its patch): the tag's drift
    # still plans an update of the role.
    "role-session": Want("patch", IAM_EX, ("max_session_duration = 7200",), effect="update"),
    # The role's trust is widened too (reverted by apply): its plan shows that update.
    "role-description": Want(
        "patch", IAM_EX, ('role_description = "ECR push and pull"',), effect=""
    ),
    "inline-policy-changed": Want("refuse", reason="data.aws_iam_policy_document"),
    # The policy's document and its tag drifted: a patch each, the other's drift still
    # planned (fixed: one bundle for both).
    "managed-policy-changed": Want("patch", IAM_EX, ("ec2:Get*",), effect="update"),
    "trust-widened": Want("revert"),
    "attachment-detached": Want("revert"),
    "admin-description": Want("patch", IAM_EX, ('"break-glass admin"',), effect="update"),
    "custom-tag": Want("patch", IAM_EX, ('Team = "identity"',), effect=""),
    "inline-session": Want("patch", IAM_EX, ("10800",), effect=""),
    "inline-boundary": Want("patch", IAM_EX, ("role_permissions_boundary_arn",), effect=""),
    "ctp-tag": Want("patch", IAM_EX, ('Owner = "sec"',), effect=""),
    "ctp-description": Want("patch", IAM_EX, ('"assumed by the org"',), effect=""),
    "ctp-session": Want("patch", IAM_EX, ("5400",), effect=""),
    # Narrowed, not widened: but the trust comes from coalesce(local..., data...json).
    "ctp-trust-changed": Want("refuse", reason="no safe place to write the value"),
    "inline-trust-widened": Want("revert"),
    "admin-detached": Want("revert"),  # the code attaches AdministratorAccess: apply does
    # The attachment goes into the root module, the role name from the module's outputs, and is
    # imported (fixed: it was refused). The role drifts in other ways too (admin-description):
    # its effect is not pinned here.
    "admin-policy-attached": Want(
        "patch",
        IAM_EX,
        (
            "aws_iam_role_policy_attachment",
            "role = module.iam_assumable_role_admin.iam_role_name",
            "import {",
        ),
        effect="",
    ),
    # Fixed: its unmanaged aws_iam_role_policy was also imported by the default patch.
    "custom-inline-added": Want("no-false-apply", reason="aws iam delete-role-policy"),
    "profile-tag": Want("refuse", reason="which this codify does not name"),
    "policy-tag": Want("patch", IAM_EX, ('Team = "platform"',), effect="update"),
    "unmanaged-role": Want("patch", "examples/iam-assumable-role/imported.tf", effect="import"),
    "unmanaged-policy": Want("patch", "examples/iam-assumable-role/imported.tf", effect="import"),
}


def _case(stack: str, change: str) -> Any:
    bug = WANT[change].bug
    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
    return pytest.param(stack, change, id=change, marks=marks)


@pytest.mark.parametrize(("stack", "change"), [_case(s, c) for s, c in CHANGES])
def test_patch_or_true_refusal(runs: dict[str, Run], stack: str, change: str) -> None:
    run = runs[stack]
    f = proof.finding_for(run.drift, run.expected[change])
    proof.check_want(run.drift, f, WANT[change])


def test_every_drift_has_a_patch_or_a_reason(runs: dict[str, Run]) -> None:
    """No drift finding is left without either a default patch or a stated reason."""
    silent = [
        (name, *where) for name, run in runs.items() for where in proof.silent_drift(run.drift)
    ]
    assert silent == [], silent


# ----------------------------------------------------------------------------- default patch


@pytest.mark.parametrize("stack", list(tp.STACKS))
def test_default_patch_is_proven_by_terraform(
    runs: dict[str, Run], terraform: Terraform, stack: str, tmp_path: Path
) -> None:
    """The default patch file: `git apply --check` from the repository root (the world's
    workdir), then applied there (this is the stack's last test), `terraform fmt -check`,
    `validate`, and `plan` showing each default patch's plan_effect and no destroy/replace."""
    run = runs[stack]
    tf = terraform.with_env(**run.aws.env())
    proof.prove_default_patch(run.drift, run.world.workdir, run.world.root, tf, tmp_path / "p")
