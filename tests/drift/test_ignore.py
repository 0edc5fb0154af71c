from __future__ import annotations

from pathlib import Path

import pytest

from driftpatch.drift.ignore import IgnoreList, generate
from driftpatch.errors import InputError
from driftpatch.model import Category, Finding, Kind, Severity

TAG = Finding(
    Kind.DRIFT,
    "DRIFT",
    "t",
    Severity.LOW,
    Category.DRIFT,
    "aws_instance",
    address='module.app.aws_instance.web["a"]',
    resource_id="i-123",
    attribute="tags.Env",
)
S3 = Finding(
    Kind.MISCONFIG,
    "DP-S3-004",
    "t",
    Severity.MEDIUM,
    Category.DATA,
    "aws_s3_bucket",
    address="aws_s3_bucket.public_assets",
    resource_id="public-assets",
    attribute=None,
    also=("CKV_AWS_19",),
)
UNMANAGED = Finding(
    Kind.UNMANAGED,
    "DRIFT-UNMANAGED",
    "t",
    Severity.MEDIUM,
    Category.DRIFT,
    "aws_s3_bucket",
    resource_id="scratch",
)


@pytest.mark.parametrize(
    ("patterns", "tag", "s3", "unmanaged"),
    [
        ("aws_instance.i-123", True, False, False),
        ("aws_instance.i-123.tags", True, False, False),
        ("aws_instance.i-123.tags.Other", False, False, False),
        ('module.app.aws_instance.web["a"]', True, False, False),
        ('module.app.aws_instance.web"a"', False, False, False),  # brackets are literal
        ("aws_s3_bucket.*", False, True, True),
        ("aws_s3_bucket.*\n!aws_s3_bucket.scratch", False, True, False),
        ("DP-S3-004", False, True, False),
        ("CKV_AWS_19", False, True, False),  # a merged checkov id
        ("DP-S3-004:aws_s3_bucket.public-*", False, True, False),
        ("DP-S3-004:aws_s3_bucket.private-*", False, False, False),
        ("DRIFT*", True, False, True),
        ("# aws_instance.i-123\n\n", False, False, False),
        ("aws_instance.i-123   # trailing comment", True, False, False),
    ],
)
def test_patterns(patterns: str, tag: bool, s3: bool, unmanaged: bool) -> None:
    ignore = IgnoreList.parse(patterns)
    assert (ignore.ignores(TAG), ignore.ignores(S3), ignore.ignores(UNMANAGED)) == (
        tag,
        s3,
        unmanaged,
    )


def test_bad_lines_are_one_clear_error() -> None:
    with pytest.raises(InputError, match=r"^\.driftpatchignore: line 2: '!' without a pattern$"):
        IgnoreList.parse("aws_x.y\n!\n")
    with pytest.raises(InputError, match="no resource pattern after 'DP-S3-004:'"):
        IgnoreList.parse("DP-S3-004:")


def test_generated_file_ignores_what_it_was_generated_from(tmp_path: Path) -> None:
    text = generate([TAG, S3, UNMANAGED])
    assert text.splitlines()[2:] == [
        "aws_instance.i-123.tags.Env  # low: t",
        "DP-S3-004:aws_s3_bucket.public-assets  # medium: t",
        "DRIFT-UNMANAGED:aws_s3_bucket.scratch  # medium: t",
    ]
    path = tmp_path / ".driftpatchignore"
    path.write_text(text)
    kept, dropped = IgnoreList.load(path).filter([TAG, S3, UNMANAGED])
    assert kept == [] and dropped == [TAG, S3, UNMANAGED]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read ignore file"):
        IgnoreList.load(tmp_path / "missing")
