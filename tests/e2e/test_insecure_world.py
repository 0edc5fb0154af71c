"""The misconfiguration bar on the insecure stack (fixtures/stacks/insecure), where every planted
problem carries a `# planted:` comment on its line.

Deployed to the embedded AWS by replaying the real `terraform apply` recording (always), and by
a real apply with Terraform + hashicorp/aws 5.100.0 where the mirror is present:

- `scan` (state + live AWS + HCL) reports each planted problem exactly once, with its rule id,
  its CIS AWS Foundations reference (where CIS has a control for it) and the file:line of the
  HCL that declares it, and no drift;
- `check` (HCL + the plan Terraform made before the apply, no AWS) finds the same problems;
- with checkov installed, its findings are merged into ours (one finding naming both ids), and
  what it finds beyond our rules is kept, located too.
"""

from __future__ import annotations

import re
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
