"""Report rendering at scale: every output format at 1k, 5k, 20k findings (issue 13 item 3).

    python benchmarks/render_scale.py [--n 1000 5000 20000] [--profile FORMAT]

A synthetic report shaped like a large scan's: N findings (drift, missing, unmanaged and
misconfigurations across 40 rule ids, each at file:line of one of N/50 files), as many
resources, and one patch per ten findings (several patches per file, diffs of a few hunks,
as a large scan's remediation gives). Prints, per format and N, milliseconds and
microseconds per finding: flat from 1k to 20k is linear. `--profile FORMAT` prints the ten
most expensive functions of that format at the largest N. Asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from driftpatch.model import (  # noqa: E402
    Category,
    Effect,
    Finding,
    Inputs,
    Kind,
    Location,
    Patch,
    PatchAction,
    Report,
    ResourceEntry,
    ResourceStatus,
    Severity,
)
from driftpatch.report import REPORTERS  # noqa: E402

KINDS = (Kind.DRIFT, Kind.MISSING, Kind.UNMANAGED, Kind.MISCONFIG)


def report(n: int) -> Report:
    findings = []
    resources = []
    files = max(1, n // 50)
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        file = f"stack/part{i % files}.tf"
        line = 1 + (i // files) * 6
        findings.append(
            Finding(
                kind=kind,
                rule_id="DRIFT" if kind is not Kind.MISCONFIG else f"DP-T-{i % 40:03d}",
                title=f"finding {i}",
                severity=list(Severity)[i % len(Severity)],
                category=Category.DRIFT if kind is not Kind.MISCONFIG else Category.NETWORK,
                resource_type="aws_s3_bucket",
                address=None if kind is Kind.UNMANAGED else f"aws_s3_bucket.b{i}",
                resource_id=f"bucket-{i}",
                attribute="tags.Env" if kind is Kind.DRIFT else None,
                expected={"Env": "prod", "Owner": f"team-{i % 7}"},
                actual={"Env": "dev", "Owner": f"team-{i % 7}"},
                location=Location(file, line, line + 4),
                description="A description of the finding, long enough to wrap once.",
                risk="What can go wrong.",
                remediation="terraform apply -target='aws_s3_bucket.b1'",
                references=("CIS AWS 2.1.1",),
            )
        )
        resources.append(
            ResourceEntry(
                address=f"aws_s3_bucket.b{i}",
                type="aws_s3_bucket",
                id=f"bucket-{i}",
                status=ResourceStatus.DRIFTED if i % 3 == 0 else ResourceStatus.IN_SYNC,
                location=Location(file, line, line + 4),
                reader="native",
            )
        )
    patches = []
    for k in range(0, n, 10):
        f = findings[k]
        assert f.location is not None
        line = f.location.start_line
        diff = (
            f"--- a/{f.location.file}\n+++ b/{f.location.file}\n"
            f"@@ -{line},3 +{line},4 @@\n"
            f' resource "aws_s3_bucket" "b{k}" {{\n   bucket = "bucket-{k}"\n'
            f'+  tags   = {{ Env = "dev" }}\n }}\n'
        )
        patches.append(
            Patch(
                file=f.location.file,
                diff=diff,
                finding_ids=(f.id,),
                action=PatchAction.CODIFY,
                verified=True,
                plan_effect={f"aws_s3_bucket.b{k}": Effect.NONE},
                in_default_patch=True,
            )
        )
    return Report(
        tool_version="bench",
        scanned_at="2026-12-05T00:00:00Z",
        inputs=Inputs(states=("s.tfstate",), plan=None, source="stack", regions=("us-east-1",)),
        findings=tuple(findings),
        resources=tuple(resources),
        patches=tuple(patches),
        combined_patch="".join(p.diff for p in patches),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    reports = {n: report(n) for n in args.n}
    print(f"{'format':10} " + " ".join(f"{n:>8} ms {'us/f':>6}" for n in args.n))
    for name, reporter in REPORTERS.items():
        cells = []
        for n, rep in reports.items():
            started = time.perf_counter()
            reporter.render(rep, False)
            took = time.perf_counter() - started
            cells.append(f"{took * 1000:>11.0f} {took / n * 1e6:>6.0f}")
        print(f"{name:10} " + " ".join(cells), flush=True)
    if args.profile:
        rep = reports[max(args.n)]
        prof = cProfile.Profile()
        prof.enable()
        REPORTERS[args.profile].render(rep, False)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(12)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
