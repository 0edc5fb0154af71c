"""The PR comment fits GitHub (65,536 characters) however many findings, keeps the most severe,
and links file:line to the commit under review."""

from __future__ import annotations

import dataclasses
import itertools
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


def test_each_suggestion_stands_alone_on_the_original_file() -> None:
    from driftpatch.fix.diff import unified
    from driftpatch.model import Patch, PatchAction
    from driftpatch.report.markdown import Suggestion, standalone

    original = [f"line {i}\n" for i in range(1, 31)]

    def edited(lines: list[str], at: int, new: list[str], drop: int = 1) -> list[str]:
        return lines[: at - 1] + new + lines[at - 1 + drop :]

    # four edits made one after another, as a scan makes them
    s1 = edited(original, 5, ["five a\n", "five b\n"])  # line 5 -> two lines
    s2 = edited(s1, 21, ["twenty\n"])  # original line 20, now at 21
    s3 = edited(s2, 12, ["inserted\n"], drop=0)  # insert after original line 10 (now 11)
    s4 = edited(s3, 6, ["five B\n"])  # rewrites what the first edit wrote
    states = [original, s1, s2, s3, s4]
    patches = tuple(
        Patch(
            file="main.tf",
            diff=unified("main.tf", "".join(a), "".join(b)),
            finding_ids=(str(i),),
            action=PatchAction.CODIFY,
            verified=True,
        )
        for i, (a, b) in enumerate(itertools.pairwise(states))
    )
    sugs = standalone(patches)
    assert sugs[0] == Suggestion("main.tf", 5, 5, ("five a", "five b"))
    assert sugs[1] == Suggestion("main.tf", 20, 20, ("twenty",))
    assert sugs[2] == Suggestion("main.tf", 10, 10, ("line 10", "inserted"))
    assert sugs[3] is None  # it changes lines the first patch wrote: no standalone form
    for sug in sugs[:3]:
        assert sug is not None
        alone = edited(original, sug.start, [s + "\n" for s in sug.lines], sug.end - sug.start + 1)
        assert "".join(alone) != "".join(original)
        assert all(line in alone for line in original if line not in ("line 5\n", "line 20\n"))
