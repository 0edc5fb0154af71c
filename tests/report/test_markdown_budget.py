"""The PR comment fits GitHub (65,536 characters) however many findings, keeps the most severe,
and links file:line to the commit under review."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from driftpatch.github import blob_base
from driftpatch.model import Category, Finding, Kind, Location, Severity
from driftpatch.report import REPORTERS
from tests.report.sample import IMDS, REPORT

GITHUB_LIMIT = 65_536
SHA = "0123456789abcdef0123456789abcdef01234567"
HEAD = "fedcba9876543210fedcba9876543210fedcba98"


def _many(n: int) -> tuple[Finding, ...]:
    severities = list(Severity)
    return tuple(
        Finding(
            kind=Kind.MISCONFIG,
            rule_id=f"DP-S3-{i % 9:03d}",
            title="Bucket allows public access " + "x" * 40,
            severity=severities[i % len(severities)],
            category=Category.DATA,
            resource_type="aws_s3_bucket",
            address=f'module.buckets["b{i}"].aws_s3_bucket.this',
            resource_id=f"bucket-{i}",
            location=Location(f"modules/buckets/b{i}.tf", 1, 30),
            description="A long description. " * 20,
            risk="Data exposure. " * 10,
            remediation="Set the public access block. " * 5,
            references=("CIS AWS 2.1.4",),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [1_000, 1_202, 5_000])
def test_a_huge_report_fits_one_comment_and_keeps_the_most_severe(n: int) -> None:
    findings = _many(n)
    text = REPORTERS["markdown"].render(dataclasses.replace(REPORT, findings=findings), False)
    assert len(text) < GITHUB_LIMIT
    criticals = [f for f in findings if f.severity is Severity.CRITICAL]
    assert all(f'["b{f.resource_id[7:]}"]' in text for f in criticals[:50])  # type: ignore[index]
    shown = text.count("| `DP-S3-")
    assert f"_…and {n - shown} more finding(s) (" in text


def test_file_line_links_to_the_reviewed_commit() -> None:
    base = f"https://github.com/acme/infra/blob/{SHA}/"
    text = REPORTERS["markdown"].render(dataclasses.replace(REPORT, code_url=base), False)
    assert f"[`modules/app/main.tf:12`]({base}modules/app/main.tf#L12)" in text
    spanning = dataclasses.replace(IMDS, location=Location("modules/app/main.tf", 12, 15))
    text = REPORTERS["markdown"].render(
        dataclasses.replace(REPORT, code_url=base, findings=(spanning,)), False
    )
    assert f"({base}modules/app/main.tf#L12-L15)" in text


def test_blob_base_prefers_the_pull_requests_head(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"sha": HEAD}}}))
    env = {"GITHUB_REPOSITORY": "acme/infra", "GITHUB_SHA": SHA}
    assert blob_base(env) == f"https://github.com/acme/infra/blob/{SHA}/"
    assert blob_base({**env, "GITHUB_EVENT_PATH": str(event)}) == (
        f"https://github.com/acme/infra/blob/{HEAD}/"
    )
    assert blob_base({**env, "GITHUB_SERVER_URL": "https://ghe.acme.io"}) == (
        f"https://ghe.acme.io/acme/infra/blob/{SHA}/"
    )
    assert blob_base({"GITHUB_SHA": SHA}) == ""  # not in Actions
    assert blob_base({**env, "GITHUB_SHA": "HEAD; rm -rf"}) == ""
    assert blob_base({**env, "GITHUB_REPOSITORY": "a/b)](javascript:x"}) == ""
