"""Inline suppressions: driftpatch:ignore and checkov:skip comments."""

from __future__ import annotations

from driftpatch.model import Category, Finding, Kind, Location, ScanError, Severity
from driftpatch.rules.suppress import Suppression, SuppressionNote, notes, suppressed
from tests.rules.harness import index

HCL = """\
# driftpatch:ignore=DP-S3-006 logs are shipped by the CDN
resource "aws_s3_bucket" "site" {
  bucket = "site"
  # driftpatch:ignore=DP-S3-003, DP-S3-005 public website; rebuilt from git
  acl = "public-read" // driftpatch:ignore=DP-S3-001
  #checkov:skip=CKV_AWS_70:static assets only
}

# an unrelated comment

resource "aws_s3_bucket" "data" {
  bucket = "data" /* driftpatch:ignore=DP-S3-999 */
}

terraform {
  backend "local" {} # driftpatch:ignore=DP-TF-002 throwaway sandbox
}
"""


def finding(rule_id: str, address: str | None, location: Location | None = None) -> Finding:
    return Finding(
        kind=Kind.MISCONFIG,
        rule_id=rule_id,
        title="t",
        severity=Severity.LOW,
        category=Category.DATA,
        resource_type="aws_s3_bucket",
        address=address,
        location=location,
    )


def test_comment_inside_the_block_suppresses_the_named_rules() -> None:
    src = index(HCL)
    assert suppressed(finding("DP-S3-003", "aws_s3_bucket.site"), src) == Suppression(
        ("DP-S3-003", "DP-S3-005"),
        "public website; rebuilt from git",
        Location("main.tf", 4, 4),
        "driftpatch",
    )
    assert suppressed(finding("DP-S3-005", 'aws_s3_bucket.site["x"]'), src) is not None
    assert suppressed(finding("DP-S3-004", "aws_s3_bucket.site"), src) is None


def test_trailing_and_block_comment_styles() -> None:
    src = index(HCL)
    assert suppressed(finding("DP-S3-001", "aws_s3_bucket.site"), src) == Suppression(
        ("DP-S3-001",), "", Location("main.tf", 5, 5), "driftpatch"
    )


def test_comment_directly_above_the_block_counts_but_not_across_a_gap() -> None:
    src = index(HCL)
    assert suppressed(finding("DP-S3-006", "aws_s3_bucket.site"), src) is not None
    # "# an unrelated comment" is above "data", but separated by a blank line.
    assert suppressed(finding("DP-S3-006", "aws_s3_bucket.data"), src) is None


def test_suppressions_do_not_leak_to_other_resources() -> None:
    src = index(HCL)
    assert suppressed(finding("DP-S3-003", "aws_s3_bucket.data"), src) is None
    assert suppressed(finding("DP-S3-003", "aws_s3_bucket.nowhere"), src) is None


def test_checkov_skip_suppresses_the_equivalent_rule() -> None:
    src = index(HCL)
    # DP-S3-002 declares checkov CKV_AWS_70.
    assert suppressed(finding("DP-S3-002", "aws_s3_bucket.site"), src) == Suppression(
        ("CKV_AWS_70",), "static assets only", Location("main.tf", 6, 6), "checkov"
    )
    # A checkov finding carrying its own id is suppressed by the same comment.
    assert suppressed(finding("CKV_AWS_70", "aws_s3_bucket.site"), src) is not None
    # DP-S3-004 (no checkov equivalent: checkov 3's CKV_AWS_19 checks something else) is not.
    assert suppressed(finding("DP-S3-004", "aws_s3_bucket.site"), src) is None


def test_source_findings_are_matched_by_location() -> None:
    src = index(HCL)
    backend = finding("DP-TF-002", None, Location("main.tf", 16, 16))
    assert suppressed(backend, src) == Suppression(
        ("DP-TF-002",), "throwaway sandbox", Location("main.tf", 16, 16), "driftpatch"
    )
    assert suppressed(finding("DP-TF-002", None), src) is None


def test_notes_report_reasonless_and_unknown_suppressions() -> None:
    assert notes(index(HCL)) == (
        SuppressionNote(Location("main.tf", 5, 5), ("DP-S3-001",), "suppression without a reason"),
        SuppressionNote(
            Location("main.tf", 12, 12), ("DP-S3-999",), "suppression without a reason"
        ),
        SuppressionNote(Location("main.tf", 12, 12), ("DP-S3-999",), "suppression of no such rule"),
    )
    assert notes(index(HCL))[0].to_problem() == ScanError(
        "main.tf:5", "suppression without a reason (DP-S3-001)"
    )


def test_checkov_skip_without_reason_is_noted() -> None:
    src = index('resource "aws_s3_bucket" "b" {\n  #checkov:skip=CKV_AWS_21\n}\n')
    assert suppressed(finding("DP-S3-005", "aws_s3_bucket.b"), src) is not None
    assert notes(src) == (
        SuppressionNote(Location("main.tf", 2, 2), ("CKV_AWS_21",), "suppression without a reason"),
    )
