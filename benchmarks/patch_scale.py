"""How patch generation and static verification scale with `--source` in ONE large file.

    python benchmarks/patch_scale.py [--n 1000 5000 20000] [--profile N] [--mode inline|process]

Builds one `main.tf` of N resources: per 10, one misconfiguration (alternately a KMS key with
rotation off, fixed by changing a line, and a CloudWatch log group without retention, fixed by
inserting one) and nine IAM roles no rule fires on. Runs `check --no-checkov --verify static`
in-process (`api.check`, wrapped so the time in patch generation = `apply_plan` and
verification = `verify_patches` is measured apart), then maps every patch to its standalone PR
suggestion (report/markdown.py `standalone`). Prints per N: total seconds, patch generation +
verification seconds, milliseconds per patch, suggestion mapping seconds, peak RSS (of this
process: run one N per process for a clean figure, `--mode process` does that), and the
same in CPU seconds (what a loaded machine does not inflate).
`--profile K` runs the largest N under cProfile and prints the K most expensive functions.
Asserts nothing: the exact-equality checks live in tests/fix/test_linear_*.py.

Figures (2-core VM; one N per process; CPU = patches + verification; "after (branch
reindex)" measured at 08:30-08:34 UTC 2026-12-05 on a quiet machine, load average < 1):

    N       patches  total wall  patches+verif. CPU  per patch  peak RSS
    before (issue 13's brief, 2026-12-05):
    1,000     100        -           4.1 s             41 ms      167 MB
    5,000     500        -          72.8 s            146 ms      253 MB
    20,000  2,000   never run
    after (branch reindex):
    1,000     100      1.7 s         0.48 s            4.8 ms      78 MB
    5,000     500     12.2 s         6.2 s            12.4 ms     141 MB
   10,000   1,000     40.6 s        26.8 s            27 ms       208 MB
   20,000   2,000    163.0 s       132.1 s            66 ms       349 MB

    after (branch flatpatch merged with main, 11:06 UTC 2026-12-05, quieter machine: load
    average 1.2-1.3):
    1,000     100      1.5 s         0.27 s            2.7 ms      74 MB
    5,000     500      7.6 s         1.46 s            2.9 ms     135 MB
   10,000   1,000     15.5 s         3.29 s            3.3 ms     206 MB
   20,000   2,000     35.8 s         9.0 s             4.5 ms     362 MB
    (per patch: 1.0 / 1.07 / 1.21 / 1.65x the 1,000-resource figure; at 10:57 under load
    3-5: 3.0 / 3.2 / 3.4 / 4.5 ms, 1.50x. Total CPU 1.5 / 7.6 / 15.5 / 35.8 s, most of it
    the first full parse of the file, which is linear. With the garbage collector off,
    20,000: 4.2 ms. Patches, the combined patch and the PR suggestions are byte-identical
    to main's at 2,000 and 5,000 resources.)

What made it flat (each patch now costs its edit): the blocks after an edit are moved as
runs (source._Blocks: the runs before the edit shared, the move added per run, runs joined
every 16 edits without making any block), the index's resources are found through the
file's name -> position table, shared by versions whose edits keep every name in place;
the parse cache is found by file and length (hashing a 5 MB text per version cost ~2 ms);
common ends of two versions come from the edit that made them (seqs.note_edit), line
counts from coarse marks moved along (diff._Newlines); the working copy's files are not
rewritten per patch; the rules' World is kept grouped across edits (EditedCode.world); the
standalone texts and the static check read the edited stretch only (SplicedTexts.edited,
seqs.Spliced). Left per patch that grows with the file: the working copy's new version of
the file is a new str (two C-level copies of ~5.6 MB at 20,000 resources, ~1 ms on this
machine), and a larger heap touched; making that flat needs a rope for the texts.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

HEADER = """\
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}
"""

KEY = """
resource "aws_kms_key" "k{i}" {{
  description         = "key {i}"
  enable_key_rotation = false
  tags = {{
    Name = "k{i}"
  }}
}}
"""

LOGS = """
resource "aws_cloudwatch_log_group" "lg{i}" {{
  name       = "/app/{i}"
  kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/{i}"
}}
"""

ROLE = """
resource "aws_iam_role" "r{i}_{j}" {{
  name = "role-{i}-{j}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = {{ Service = "ec2.amazonaws.com" }}
    }}]
  }})
  tags = {{
    Team = "t{j}"
  }}
}}
"""


def stack(n: int, root: Path) -> Path:
    parts = [HEADER]
    for i in range(n // 10):
        parts.append((KEY if i % 2 == 0 else LOGS).format(i=i))
        parts.extend(ROLE.format(i=i, j=j) for j in range(9))
    (root / "main.tf").write_text("".join(parts), encoding="utf-8")
    return root


def run(n: int) -> dict[str, Any]:
    from driftpatch import api
    from driftpatch.config import Config, VerifyMode
    from driftpatch.fix import verification, verify
    from driftpatch.report.markdown import standalone

    spent = {
        "apply_plan": 0.0,
        "verify_patches": 0.0,
        "apply_plan_cpu": 0.0,
        "verify_patches_cpu": 0.0,
    }

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started
                spent[name + "_cpu"] += time.process_time() - cpu

        return wrapper

    # api.check imports both when it runs: wrap them where it imports them from.
    verify.apply_plan = timed("apply_plan", verify.apply_plan)  # type: ignore[method-assign]
    verification.verify_patches = timed("verify_patches", verification.verify_patches)  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        source = stack(n, Path(tmp))
        config = Config(source=source, checkov=False, offline=True, verify=VerifyMode.STATIC)
        started, cpu = time.perf_counter(), time.process_time()
        report = api.check(config)
        total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    sugs = standalone(report.patches)
    mapping = time.perf_counter() - started
    patches = len(report.patches)
    fixing = spent["apply_plan"] + spent["verify_patches"]
    fixing_cpu = spent["apply_plan_cpu"] + spent["verify_patches_cpu"]
    return {
        "n": n,
        "findings": len(report.findings),
        "patches": patches,
        "suggestions": sum(1 for s in sugs if s is not None),
        "total_s": round(total, 2),
        "total_cpu_s": round(total_cpu, 2),
        "fix_cpu_s": round(fixing_cpu, 2),
        "per_patch_cpu_ms": round(fixing_cpu / max(patches, 1) * 1000, 2),
        "apply_plan_s": round(spent["apply_plan"], 2),
        "verify_patches_s": round(spent["verify_patches"], 2),
        "per_patch_ms": round(fixing / max(patches, 1) * 1000, 2),
        "suggestions_s": round(mapping, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--mode", choices=("inline", "process"), default="process")
    parser.add_argument("--json", action="store_true", help="one JSON line per N (internal)")
    args = parser.parse_args()
    for n in args.n:
        if args.mode == "process":
            out = subprocess.run(
                [sys.executable, __file__, "--n", str(n), "--mode", "inline", "--json"],
                check=True,
                capture_output=True,
                text=True,
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
        else:
            row = run(n)
        if args.json:
            print(json.dumps(row))
        else:
            print(
                f"{row['n']:>6} resources: {row['findings']} findings, {row['patches']} patches "
                f"({row['suggestions']} suggestions); total {row['total_s']} s, "
                f"patches {row['apply_plan_s']} s + verification {row['verify_patches_s']} s "
                f"= {row['per_patch_ms']} ms/patch; suggestions {row['suggestions_s']} s; "
                f"peak RSS {row['peak_rss_mb']} MB; CPU: total {row['total_cpu_s']} s, "
                f"patches + verification {row['fix_cpu_s']} s = {row['per_patch_cpu_ms']} ms/patch"
            )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run(max(args.n))
        profiler.disable()
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(args.profile)
        print(buf.getvalue())


if __name__ == "__main__":
    main()
