"""Issue 9's proof on Terraform nobody here wrote: public module examples, applied for real.

Three stacks vendored from terraform-aws-modules (fixtures/thirdparty/, PROVENANCE.md there):
security-group (count-indexed `aws_security_group_rule`s in nested modules, separate rules on
plain groups), s3-bucket (split `aws_s3_bucket_*` resources behind `count`, policies from
`aws_iam_policy_document`s) and iam (roles, inline and managed policies, attachments). Each is
applied once for the module by Terraform + hashicorp/aws 5.100.0 to its own moto process,
scanned clean, changed out of band in 24 ways through boto3, and scanned with
`--verify terraform`. Every change must be found at its attribute and file:line; every drift
either gets a default patch that `git apply`, `terraform fmt -check`, `validate` and `plan`
prove, or is refused / reverted with advice that is true.

Where driftpatch is wrong today the test asserts the right behaviour and is marked
`xfail(strict=True)` with the bug, so it flips when fixed.
"""

from __future__ import annotations

import re
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
from driftpatch.model import Finding, Kind, Patch, Report
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

CHANGES: list[tuple[str, str]] = (
    [
        ("security-group", c)
        for c in (
            "sg-tag",
            "sg-ingress-added",
            "sg-ssh-open",
            "sg-rule-revoked",
            "sg-egress-revoked",
            "sg-rule-description",
            "sg-module-tag",
        )
    ]
    + [
        ("s3-bucket", c)
        for c in (
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
        )
    ]
    + [
        ("iam", c)
        for c in (
            "role-tag-changed",
            "role-session",
            "role-description",
            "inline-policy-changed",
            "managed-policy-changed",
            "trust-widened",
            "attachment-detached",
        )
    ]
)


def finding_for(run: Run, change: str) -> Finding:
    e = run.expected[change]
    if e.kind == "unmanaged":
        found = [
            f
            for f in run.drift.findings
            if f.kind is Kind.UNMANAGED and f.resource_id == e.resource_id
        ]
    else:
        found = [
            f
            for f in run.drift.findings
            if f.kind.value == e.kind
            and f.address == e.address
            and (
                e.attribute is None
                or e.attribute in (f.attribute, (f.attribute or "").split("[")[0])
            )
        ]
    assert len(found) == 1, (change, [(f.kind, f.address, f.attribute) for f in found])
    return found[0]


def patches_for(run: Run, finding: Finding) -> list[Patch]:
    return [p for p in run.drift.patches if finding.id in p.finding_ids]


def block_span(world: World, rel: str, start: int) -> tuple[int, int]:
    """The lines of the top-level block that starts at `start` (its closing brace at col 0,
    heredoc bodies skipped)."""
    lines = (world.workdir / rel).read_text().splitlines()
    heredoc: str | None = None
    for n in range(start, len(lines) + 1):
        text = lines[n - 1]
        if heredoc is not None:
            heredoc = None if text.strip() == heredoc else heredoc
            continue
        opened = re.search(r"<<-?([A-Z]+)\s*$", text)
        if opened:
            heredoc = opened.group(1)
        elif text == "}":
            return start, n
    raise AssertionError(f"no end of the block at {rel}:{start}")


@pytest.mark.parametrize(("stack", "change"), CHANGES, ids=[c for _, c in CHANGES])
def test_change_found_at_attribute_and_line(runs: dict[str, Run], stack: str, change: str) -> None:
    run = runs[stack]
    e = run.expected[change]
    f = finding_for(run, change)
    if e.kind == "unmanaged":
        assert (f.resource_type, f.address) == ("aws_s3_bucket", None)
        return
    assert f.location is not None
    first, last = block_span(run.world, e.file, e.line)
    assert (f.location.file, first <= f.location.start_line, f.location.end_line <= last) == (
        e.file,
        True,
        True,
    ), (f.location, first, last)


@dataclass(frozen=True)
class Want:
    """What a reviewer expects for one change.

    verdict: "patch" (a default, verified patch: in `file`, containing every `needles`
    string, plan_effect `effect` for the finding's address unless empty), "revert" (no
    codify patch; the advice `terraform apply -target=<address>` is true because the code
    states the value),
    "refuse" (no patch; the reason contains `reason`), "no-false-apply" (no patch, and the
    advice must not claim `terraform apply -target` restores it: the code does not manage it).
    """

    verdict: str
    file: str = ""
    needles: tuple[str, ...] = ()
    effect: str = "none"
    reason: str = ""
    bug: str = ""


SG_EX, S3_EX, IAM_EX = tp.SG_EX, tp.S3_EX, tp.IAM_EX
WANT: Mapping[str, Want] = {
    "sg-tag": Want("patch", SG_EX, ('Team = "platform"',)),
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
    "bucket-tag-changed": Want("patch", S3_EX, ('Owner = "Bob"',)),
    "bucket-tag-added": Want("patch", S3_EX, ('Team = "data"',)),
    "versioning-suspended": Want("revert"),
    "pab-loosened": Want("revert"),
    "pab-deleted": Want("revert"),
    "sse-changed": Want("patch", S3_EX, ('"AES256"',)),
    "bucket-policy-changed": Want("refuse", reason="data.aws_iam_policy_document"),
    # The code is silent on rotation, so DP-KMS-001's fix writes `enable_key_rotation = true`:
    # the same edit as the codify, which joins that patch.
    "kms-rotation-on": Want("patch", S3_EX, ("enable_key_rotation",)),
    "role-tag": Want("patch", S3_EX, ('Team = "storage"',)),
    "unmanaged-bucket": Want("patch", "examples/complete/imported.tf", effect="import"),
    "role-tag-changed": Want("patch", IAM_EX, ('Role = "SuperAdmin"',)),
    "role-session": Want(
        "patch",
        IAM_EX,
        ("max_session_duration = 7200",),
    ),
    "role-description": Want(
        "patch",
        IAM_EX,
        ('role_description = "ECR push and pull"',),
    ),
    "inline-policy-changed": Want("refuse", reason="data.aws_iam_policy_document"),
    "managed-policy-changed": Want(
        "patch",
        IAM_EX,
        ("ec2:Get*",),
    ),
    "trust-widened": Want("revert"),
    "attachment-detached": Want("revert"),
}


def _case(stack: str, change: str) -> Any:
    bug = WANT[change].bug
    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
    return pytest.param(stack, change, id=change, marks=marks)


@pytest.mark.parametrize(("stack", "change"), [_case(s, c) for s, c in CHANGES])
def test_patch_or_true_refusal(runs: dict[str, Run], stack: str, change: str) -> None:
    run = runs[stack]
    want = WANT[change]
    f = finding_for(run, change)
    patches = patches_for(run, f)
    if want.verdict == "patch":
        default = [p for p in patches if p.in_default_patch]
        assert len(default) == 1, [(p.action, p.verified, p.reason) for p in patches]
        [p] = default
        assert p.verified
        assert p.file == want.file
        added = "\n".join(line[1:].strip() for line in p.diff.splitlines() if line.startswith("+"))
        for needle in want.needles:
            assert needle in added, (needle, p.diff)
        if want.effect:
            target = f.address or next(iter(p.plan_effect))
            assert p.plan_effect[target].value == want.effect
        assert not p.replacing
        return
    assert [p for p in patches if p.in_default_patch] == []
    if want.verdict == "revert":
        assert f"terraform apply -target='{f.address}'" in f.remediation
    elif want.verdict == "refuse":
        assert "(No patch:" in f.remediation
        assert want.reason in f.remediation
    else:
        # An apply is never offered as the way: at most named as what would not help.
        text = f.remediation
        assert text.count("terraform apply -target") == text.count("alone would not restore it")
        assert "alone would not restore it" in text, text
        assert want.reason in text, text
        assert "one of several instances" not in text, text


def test_every_drift_has_a_patch_or_a_reason(runs: dict[str, Run]) -> None:
    """No drift finding is left without either a default patch or a stated reason."""
    silent = []
    for name, run in runs.items():
        patched = {i for p in run.drift.patches if p.in_default_patch for i in p.finding_ids}
        for f in run.drift.findings:
            if f.kind is Kind.DRIFT and f.id not in patched:
                text = f.remediation
                if "(No patch:" not in text and "weakens security" not in text:
                    silent.append((name, f.address, f.attribute))
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
