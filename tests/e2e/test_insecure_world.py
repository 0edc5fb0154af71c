"""The misconfiguration bar on the insecure stack (fixtures/stacks/insecure), where every planted
problem carries a `# planted:` comment on its line.

Deployed to the embedded AWS by replaying the real `terraform apply` recording (always), and by
a real apply with Terraform + hashicorp/aws 5.100.0 where the mirror is present:

- `scan` (state + live AWS + HCL) reports each planted problem exactly once, with its rule id,
  its CIS AWS Foundations reference (where CIS has a control for it) and the file:line of the
  HCL that declares it, and no drift;
- `check` (HCL + the plan Terraform made before the apply, no AWS) finds the same problems;
- with checkov installed, its findings are merged into ours (one finding naming both ids), and
  what it finds beyond our rules is kept, located too;
- issue 9's proof (Terraform-applied world only): changed out of band in 20+ ways and scanned
  once with `--verify terraform`, every change is found at its attribute and file:line and gets
  a default patch or a true refusal, and the default patch file is proven by Terraform.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from driftpatch import api
from driftpatch.config import Config, VerifyMode
from driftpatch.demo import worlds
from driftpatch.embedded import DEFAULT_REGION, EmbeddedAws
from driftpatch.model import Finding, Kind, Report
from driftpatch.report.json import render
from driftpatch.rules import checkov
from driftpatch.terraform.binary import Terraform

from . import insecure_drift, proof
from .proof import Want
from .thirdparty import Expected

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
STACK = worlds.stack_path("insecure", REPO)
FILE = "insecure/main.tf"
PLANTED = re.compile(r"(?<!`)#\s*planted:\s*(.+?)\s*$")

Key = tuple[str, str | None, str | None]  # rule id, address, attribute


@dataclass(frozen=True)
class Plant:
    finding: Key
    cis: tuple[str, ...] = ()
    # Text on the line the finding's location starts at; default: the resource's header.
    anchor: str | None = None
    # The plant names something absent (no encryption resource) or sits above a heredoc: the
    # finding is located on its resource, not on the comment.
    beside: bool = False


PAB = "aws_s3_bucket_public_access_block.public"
WEB = "aws_instance.web"
RDP = "aws_security_group_rule.rdp"
OPEN = "aws_security_group.wide_open"
SG = ("CIS AWS 5.2", "CIS AWS 5.3")
# CIS 2.2.1 is the account's EBS encryption-by-default setting, not one volume's encryption.
EBS: tuple[str, ...] = ()
ADMIN = ("CIS AWS 1.16",)

# The `# planted:` comment text -> what must be reported for it. Two plants may be one finding
# (SSH open over IPv4 and IPv6 in one inline rule: one finding on `ingress` naming both CIDRs).
EXPECTED: dict[str, Plant] = {
    "state kept in a local backend, not a remote one": Plant(
        ("DP-TF-002", None, "backend"), anchor='backend "local"'
    ),
    "provider version not pinned": Plant(
        ("DP-TF-003", None, "required_providers.aws.version"), anchor="aws = {"
    ),
    "public ACLs not blocked": Plant(("DP-S3-003", PAB, "block_public_acls"), ("CIS AWS 2.1.4",)),
    "public bucket policies not blocked": Plant(
        ("DP-S3-003", PAB, "block_public_policy"), ("CIS AWS 2.1.4",)
    ),
    "public ACLs not ignored": Plant(("DP-S3-003", PAB, "ignore_public_acls"), ("CIS AWS 2.1.4",)),
    "public buckets not restricted": Plant(
        ("DP-S3-003", PAB, "restrict_public_buckets"), ("CIS AWS 2.1.4",)
    ),
    "versioning off": Plant(
        ("DP-S3-005", "aws_s3_bucket_versioning.public", "versioning_configuration[0].status")
    ),
    "no aws_s3_bucket_server_side_encryption_configuration for the public bucket (no SSE)": Plant(
        ("DP-S3-004", "aws_s3_bucket.public", "server_side_encryption_configuration"),
        beside=True,
    ),
    "bucket policy allows anyone": Plant(("DP-S3-002", "aws_s3_bucket_policy.public", "policy")),
    "KMS key rotation off": Plant(
        ("DP-KMS-001", "aws_kms_key.app", "enable_key_rotation"), ("CIS AWS 3.6",)
    ),
    "subnet gives every instance a public IP": Plant(
        ("DP-VPC-006", "aws_subnet.public", "map_public_ip_on_launch")
    ),
    "SSH open to the IPv4 internet": Plant(("DP-VPC-001", OPEN, "ingress"), SG),
    "SSH open to the IPv6 internet": Plant(("DP-VPC-001", OPEN, "ingress"), SG),
    "every TCP port open to the internet": Plant(("DP-VPC-004", OPEN, "ingress"), SG),
    "RDP open to the IPv4 internet": Plant(("DP-VPC-002", RDP, "cidr_blocks"), SG),
    "RDP open to the IPv6 internet": Plant(("DP-VPC-002", RDP, "ipv6_cidr_blocks"), SG),
    "instance has a public IP address": Plant(("DP-EC2-002", WEB, "associate_public_ip_address")),
    "hardcoded credentials in user_data (AWS's documented example key pair)": Plant(
        ("DP-TF-001", WEB, "user_data"), anchor="AWS_ACCESS_KEY_ID=AKIA", beside=True
    ),
    "IMDSv1 allowed": Plant(
        ("DP-EC2-001", WEB, "metadata_options[0].http_tokens"), ("CIS AWS 5.6",)
    ),
    "root volume not encrypted": Plant(("DP-EC2-004", WEB, "root_block_device[0].encrypted"), EBS),
    "hardcoded secret in a tag": Plant(
        ("DP-TF-001", WEB, "tags.DB_PASSWORD"), anchor='DB_PASSWORD = "'
    ),
    "EBS volume not encrypted": Plant(("DP-EC2-003", "aws_ebs_volume.data", "encrypted"), EBS),
    "trust policy lets any principal assume the role": Plant(
        ("DP-IAM-002", "aws_iam_role.open", "assume_role_policy")
    ),
    "inline policy on a role": Plant(
        ("DP-IAM-003", "aws_iam_role_policy.open_admin", None)  # CIS 1.15 is about users
    ),
    "inline policy grants *:*": Plant(
        ("DP-IAM-001", "aws_iam_role_policy.open_admin", "policy"), ADMIN
    ),
    "managed policy grants *:*": Plant(("DP-IAM-001", "aws_iam_policy.admin", "policy"), ADMIN),
    "application role gets full admin": Plant(
        ("DP-IAM-005", "aws_iam_role_policy_attachment.app_admin", "policy_arn"), ADMIN
    ),
}

# True of the stack but not planted: no access logging on either bucket, no VPC flow logs.
ALSO_TRUE: set[Key] = {
    ("DP-S3-006", "aws_s3_bucket.public", "logging"),
    ("DP-S3-006", "aws_s3_bucket.uploads", "logging"),
    ("DP-VPC-101", "aws_vpc.main", None),
}

# Our rule -> a checkov check that must have been merged into its finding here.
MERGED = {
    ("DP-KMS-001", "aws_kms_key.app", "enable_key_rotation"): "CKV_AWS_7",
    ("DP-VPC-006", "aws_subnet.public", "map_public_ip_on_launch"): "CKV_AWS_130",
    ("DP-EC2-001", WEB, "metadata_options[0].http_tokens"): "CKV_AWS_79",
    ("DP-EC2-003", "aws_ebs_volume.data", "encrypted"): "CKV_AWS_3",
    ("DP-IAM-001", "aws_iam_policy.admin", "policy"): "CKV_AWS_62",
    ("DP-VPC-002", RDP, "cidr_blocks"): "CKV_AWS_25",
    ("DP-TF-001", WEB, "user_data"): "CKV_AWS_46",
}


def planted_lines() -> dict[str, int]:
    """Each plant's text -> its line in the stack."""
    out: dict[str, int] = {}
    for number, line in enumerate((STACK / "main.tf").read_text().splitlines(), start=1):
        match = PLANTED.search(line)
        if match:
            assert match.group(1) not in out, f"two plants say {match.group(1)!r}"
            out[match.group(1)] = number
    return out


@dataclass(frozen=True)
class Reports:
    world: worlds.World
    scan: Report
    check: Report


def _plan_before_apply(terraform: Terraform, aws: EmbeddedAws, workdir: Path) -> Path:
    """What a pull request would carry: `terraform plan` of the stack with no state yet."""
    tf, root = worlds.initialised(terraform, aws, STACK, workdir)
    tf.plan(root, root / "create.tfplan")
    out = workdir / "plan.json"
    out.write_bytes(tf.show_json(root / "create.tfplan", root))
    return out


@pytest.fixture(
    scope="module", params=["replay", pytest.param("terraform", marks=pytest.mark.terraform)]
)
def reports(
    request: pytest.FixtureRequest,
    moto_env: EmbeddedAws,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Reports]:
    work = tmp_path_factory.mktemp(f"insecure-{request.param}")
    terraform: Terraform | None = None
    if request.param == "terraform":
        terraform = request.getfixturevalue("terraform")
        plan = _plan_before_apply(terraform, moto_env, work / "pr")
    else:
        plan = worlds.recording_dir(STACK) / "plan-create.json"
    world = worlds.deploy(moto_env, STACK, work / "world", terraform=terraform)
    scanned = api.scan(
        Config(
            states=(str(world.state_path),),
            source=world.root,
            repo_root=world.workdir,
            regions=(DEFAULT_REGION,),
            endpoint_url=moto_env.endpoint_url,
            # What this proves is the findings; Terraform's verdict on patches is
            # test_verify_terraform's (and would cost minutes here).
            verify=VerifyMode.STATIC,
        )
    )
    checked = api.check(
        Config(
            plan=plan,
            source=world.root,
            repo_root=world.workdir,
            offline=True,
            verify=VerifyMode.STATIC,
        )
    )
    yield Reports(world, scanned, checked)


def _ours(report: Report) -> dict[Key, list[Finding]]:
    out: dict[Key, list[Finding]] = {}
    for f in report.findings:
        if f.kind is Kind.MISCONFIG and f.rule_id.startswith("DP-"):
            out.setdefault((f.rule_id, f.address, f.attribute), []).append(f)
    return out


def _in_stack(found: dict[Key, list[Finding]]) -> set[Key]:
    """Findings located in the stack's code (account-wide ones, such as no CloudTrail, are
    about the embedded account, not about this code)."""
    return {k for k, fs in found.items() if any(f.location for f in fs)}


def test_the_stack_marks_every_plant_the_table_names() -> None:
    assert set(planted_lines()) == set(EXPECTED)


@pytest.mark.parametrize("which", ["scan", "check"])
def test_each_planted_problem_is_reported_once_where_it_is_written(
    reports: Reports, which: str
) -> None:
    report = reports.scan if which == "scan" else reports.check
    found = _ours(report)
    expected = {p.finding for p in EXPECTED.values()}
    assert _in_stack(found) == expected | ALSO_TRUE
    lines = planted_lines()
    text = (reports.world.root / "main.tf").read_text().splitlines()
    for plant_text, plant in EXPECTED.items():
        (finding,) = found[plant.finding]  # once
        address = plant.finding[1]
        assert [r for r in finding.references if r.startswith("CIS AWS")] == list(plant.cis), (
            plant_text
        )
        where = finding.location
        assert where is not None and where.file == FILE, plant_text
        anchor = plant.anchor or 'resource "{}" "{}"'.format(*str(address).split("."))
        assert anchor in text[where.start_line - 1], (plant_text, str(where))
        if not plant.beside:
            assert where.start_line <= lines[plant_text] <= where.end_line, (plant_text, where)


def test_one_finding_covers_both_families_of_an_open_inline_rule(reports: Reports) -> None:
    (ssh,) = _ours(reports.scan)[("DP-VPC-001", OPEN, "ingress")]
    assert ssh.actual == ["0.0.0.0/0", "::/0"]
    assert "port 22" in ssh.title


def test_live_values_win_and_the_clean_world_has_no_drift(reports: Reports) -> None:
    report = reports.scan
    assert [f for f in report.findings if f.kind is not Kind.MISCONFIG] == []
    assert report.errors == ()
    (rotation,) = _ours(report)[("DP-KMS-001", "aws_kms_key.app", "enable_key_rotation")]
    assert rotation.resource_id is not None  # read from AWS, not only from the code


def test_the_secret_values_never_reach_the_report(reports: Reports) -> None:
    for report in (reports.scan, reports.check):
        text = render(report)
        assert "Sup3rS3cret!2024" not in text
        assert "wJalrXUtnFEMI" not in text


def test_checkov_findings_are_merged_and_located(reports: Reports) -> None:
    if isinstance(checkov.find_checkov(REPO), checkov.CheckovUnavailable):
        pytest.skip("checkov is not installed (make checkov)")
    for report in (reports.scan, reports.check):
        found = _ours(report)
        for key, check_id in MERGED.items():
            (finding,) = found[key]
            assert check_id in finding.also, (key, finding.also)
        (tag,) = found[("DP-TF-001", WEB, "tags.DB_PASSWORD")]
        assert tag.also == (), "CKV_AWS_46 is about user data, not tags"
        equivalents = checkov.equivalents_from_registry()
        theirs = [f for f in report.findings if f.rule_id.startswith("CKV")]
        assert theirs, "checkov's own findings beyond our rules are kept"
        for f in theirs:
            assert f.location is not None and f.location.file == FILE, f.rule_id
            ours_here = {k[0] for k in found if k[1] == f.address}
            assert not ours_here & set(equivalents.get(f.rule_id, ())), (
                f"{f.rule_id} on {f.address} was not merged into our finding"
            )


# ----------------------------------------------------------------------------- issue 9's proof
#
# The Terraform-applied world again (no second apply), after every test above has its clean
# reports: changed out of band in 20+ ways (tests/e2e/insecure_drift.py), scanned once with
# `--verify terraform`, and the default patch proven by Terraform on a copy of the repository
# (the world's own files stay as the tests above read them).


@dataclass(frozen=True)
class Drifted:
    world: worlds.World
    report: Report
    expected: dict[str, Expected]
    scan_s: float


# The drift proof needs the world Terraform applied (the replayed one has no Terraform state to
# plan against): its tests take only that parameter of `reports`.
ON_TERRAFORM = pytest.mark.parametrize(
    "reports", [pytest.param("terraform", marks=pytest.mark.terraform)], indirect=True
)


@pytest.fixture(scope="module")
def drifted(reports: Reports, moto_env: EmbeddedAws) -> Drifted:
    assert reports.world.used_terraform, "the drift proof runs on the Terraform-applied world"
    world = reports.world
    expected = {e.change: e for e in insecure_drift.inject(moto_env, world)}
    started = time.monotonic()
    report = api.scan(
        Config(
            states=(str(world.state_path),),
            source=world.root,
            repo_root=world.workdir,
            regions=(DEFAULT_REGION,),
            endpoint_url=moto_env.endpoint_url,
            checkov=False,
            verify=VerifyMode.TERRAFORM,
        )
    )
    return Drifted(world, report, expected, time.monotonic() - started)


@ON_TERRAFORM
def test_drift_every_change_found_at_attribute_and_line(drifted: Drifted) -> None:
    assert len(drifted.expected) >= 20
    wrong = []
    for e in drifted.expected.values():
        try:
            proof.check_found(drifted.report, drifted.world.workdir, e)
        except AssertionError as err:
            wrong.append((e.change, str(err)[:300]))
    assert wrong == []


def _revert() -> Want:
    return Want("revert")


def _patch(*needles: str, effect: str = "none", bug: str = "") -> Want:
    return Want("patch", FILE, needles, effect=effect, bug=bug)


# What a reviewer expects for each change. Where driftpatch is wrong today the entry names the
# bug, and the test asserts it is still wrong (so it fails, as an xfail(strict) would, once
# fixed).
DRIFT_WANT: dict[str, Want] = {
    "bucket-tag": _patch('DataClass = "public"'),
    "bucket-versioning-suspended": _revert(),  # security drift: the code states Enabled
    "sg-ssh-open": _revert(),  # the code writes the group's inline ingress
    "role-trust-widened": _revert(),
    # The instance also gets the IMDSv2 fix (an in-place update): effect not pinned.
    "instance-type": _patch('"t3.medium"', effect=""),
    "unmanaged-bucket": Want("patch", "insecure/imported.tf", effect="import"),
    # The bucket is still referenced by its split resources: re-created by apply.
    "bucket-deleted": _revert(),
    # Its access block and versioning are security controls (fixed: their blocks were
    # removed from the code by the default patch); its public policy may go.
    "bucket-deleted:aws_s3_bucket_public_access_block": _revert(),
    "bucket-deleted:aws_s3_bucket_versioning": _revert(),
    "bucket-deleted:aws_s3_bucket_policy": _patch("removed {", effect="forget"),
    "pab-deleted": _revert(),
    "sg-rule-description": _patch('"rdp for the windows box (temporary)"'),
    # A patch per finding (fixed: one bundle per address): where the address drifted in
    # other ways too, its plan still updates it for the others (effect update).
    "kms-description": _patch('"application secrets (prod)"', effect="update"),
    "kms-tag": _patch('Team = "app"', effect="update"),
    # Only the algorithm is written: the live rule's bucket_key_enabled = false is the code's
    # unset value (fixed: compared unnormalised with it, the codify was unverified).
    "sse-kms": _patch('"aws:kms"'),
    "tag:aws_vpc.main": _patch('Name = "insecure-main"'),
    "tag:aws_subnet.public": _patch('Tier = "public"', effect="update"),
    "tag:aws_security_group.wide_open": _patch('Review = "pending"', effect="update"),
    "tag:aws_instance.web": _patch('Owner = "web-team"', effect=""),
    "tag:aws_ebs_volume.data": _patch('Backup = "daily"', effect="update"),
    # `false` is written by DP-VPC-006's fix, itself in the default patch: the codify joins
    # that patch (the subnet's tag has its own).
    "subnet-private": _patch("map_public_ip_on_launch = false", effect="update"),
    "volume-grown": _patch("= 16", effect="update"),
    # `egress = []`, never the blocks deleted (Terraform would stop managing egress).
    "egress-revoked": _patch("egress = []", effect="update"),
    "windows-winrm-added": _patch("aws_security_group_rule", "5985", effect=""),
    "inline-narrowed": _patch('"s3:*"'),  # narrower than the code's *:*: kept
    "role-description": _patch('"legacy: do not use"'),
    "role-session": _patch("7200", effect=""),  # the role's trust is reverted too
    "policy-tag": _patch('Review = "2026-q4"'),
    # The admin attachment detached by hand: the code forgets it (the safer side).
    "admin-detached": _patch("removed {", effect="forget"),
}


@ON_TERRAFORM
def test_drift_patch_or_true_refusal(drifted: Drifted) -> None:
    assert sorted(DRIFT_WANT) == sorted(drifted.expected)
    wrong, still_buggy, fixed = [], [], []
    for change, want in DRIFT_WANT.items():
        f = proof.finding_for(drifted.report, drifted.expected[change])
        try:
            proof.check_want(drifted.report, f, want)
        except AssertionError as err:
            (still_buggy if want.bug else wrong).append((change, str(err)[:400]))
        else:
            if want.bug:
                fixed.append(change)
    assert (wrong, fixed) == ([], []), "remove the bug mark of what is fixed"
    assert len(still_buggy) == len([w for w in DRIFT_WANT.values() if w.bug])


@ON_TERRAFORM
def test_drift_every_finding_has_a_patch_or_a_reason(drifted: Drifted) -> None:
    assert proof.silent_drift(drifted.report) == []


@ON_TERRAFORM
def test_drift_default_patch_is_proven_by_terraform(
    drifted: Drifted, terraform: Terraform, moto_env: EmbeddedAws, tmp_path: Path
) -> None:
    """The default patch file (drift codified, misconfigurations fixed, the bucket made by
    hand imported): `git apply` from the repository root, fmt, validate, and a plan showing
    each patch's plan_effect and no destroy or replace."""
    world = drifted.world
    copy = tmp_path / "repo"
    shutil.copytree(world.workdir, copy, symlinks=True)
    root = copy / world.root.relative_to(world.workdir)
    tf = terraform.with_env(**moto_env.env())
    proof.prove_default_patch(drifted.report, copy, root, tf, tmp_path / "fix.patch")
