"""driftpatch scan vs `terraform plan -refresh-only`, on the same moto world of N resources.

    DRIFTPATCH_TF_PLUGIN_MIRROR=<mirror> python benchmarks/refresh_vs_scan.py [--n 50 500]
        [--world mixed|issue]

For each N: generates a stack of N resources of covered types (buckets with versioning and a
public access block, VPCs with subnets and security groups with rules, IAM roles with policies
and attachments; with `--world issue`, issue 13's composition: ISSUE_UNIT), applies it with
real Terraform to an embedded moto server, then measures `terraform plan -refresh-only` and
`driftpatch scan` on that same world. API calls are counted by moto's own request recorder for
both tools (so they are counted the same way), wall time with a monotonic clock, driftpatch's
peak RSS as its process reports it. Prints a table and the
ratios; asserts nothing (this is not a test).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from driftpatch.embedded import EmbeddedAws, embedded_aws, provider_override  # noqa: E402
from driftpatch.terraform.binary import Terraform, plugin_mirror, write_mirror_cli_config  # noqa: E402

HEADER = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}
"""

# A bucket with versioning and a public access block ignoring public ACLs: both worlds' S3 part
# (PREFIX names the buckets).
_BUCKET = """
resource "aws_s3_bucket" "b{i}" {{
  bucket = "PREFIX-{i}"
  tags   = {{ Bench = "{i}" }}
}}

resource "aws_s3_bucket_versioning" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_public_access_block" "b{i}" {{
  bucket                  = aws_s3_bucket.b{i}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}
"""

# A separate ingress rule on the unit's group and an EC2 role: both worlds (PREFIX: the name).
_RULE_AND_ROLE = """
resource "aws_security_group_rule" "g{i}" {{
  type              = "ingress"
  security_group_id = aws_security_group.g{i}.id
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_blocks       = ["10.0.0.0/8"]
}}

resource "aws_iam_role" "r{i}" {{
  name = "PREFIX-{i}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = {{ Service = "ec2.amazonaws.com" }} }}]
  }})
}}
"""

# One "unit" of the stack and how many resources it holds.
UNIT = (
    _BUCKET.replace("PREFIX", "bench")
    + """
resource "aws_vpc" "v{i}" {{
  cidr_block = "10.{i}.0.0/16"
  tags       = {{ Name = "bench-{i}" }}
}}

resource "aws_subnet" "s{i}" {{
  vpc_id     = aws_vpc.v{i}.id
  cidr_block = "10.{i}.1.0/24"
}}

resource "aws_security_group" "g{i}" {{
  name   = "bench-{i}"
  vpc_id = aws_vpc.v{i}.id
}}
"""
    + _RULE_AND_ROLE.replace("PREFIX", "bench")
    + """
resource "aws_iam_policy" "p{i}" {{
  name = "bench-{i}"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "a{i}" {{
  role       = aws_iam_role.r{i}.name
  policy_arn = aws_iam_policy.p{i}.arn
}}
"""
)
PER_UNIT = 10

# Issue 13's own composition (its first paragraph), one unit = 8 resources: a bucket with
# versioning, a public access block and default encryption; a security group (in the default
# VPC) with a separate rule; an IAM role with an inline policy. Unlike UNIT it has no VPC,
# subnet or managed policy, so the per-object reads are S3's alone: IAM comes in a few
# account-wide pages (inline policies are in GetAccountAuthorizationDetails), the groups and
# their rules in EC2 listing pages. 125 units = 1,000 resources.
ISSUE_UNIT = (
    _BUCKET.replace("PREFIX", "issue")
    + """
resource "aws_s3_bucket_server_side_encryption_configuration" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "AES256"
    }}
  }}
}}

resource "aws_security_group" "g{i}" {{
  name        = "issue-{i}"
  description = "issue 13 world"
}}
"""
    + _RULE_AND_ROLE.replace("PREFIX", "issue")
    + """
resource "aws_iam_role_policy" "p{i}" {{
  name = "issue-{i}"
  role = aws_iam_role.r{i}.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}]
  }})
}}
"""
)
ISSUE_PER_UNIT = 8

# The worlds by name: the unit and how many resources it holds.
WORLDS: dict[str, tuple[str, int]] = {
    "mixed": (UNIT, PER_UNIT),
    "issue": (ISSUE_UNIT, ISSUE_PER_UNIT),
}


@dataclass(frozen=True)
class Row:
    resources: int
    apply_s: float
    tf_calls: Counter[str]
    tf_s: float
    dp_calls: Counter[str]
    dp_s: float
    dp_peak_mb: float
    drift_findings: int


def recorded_calls(aws: EmbeddedAws, run: Callable[[], None]) -> tuple[Counter[str], float]:
    """Run `run()` with moto's recorder on; (requests per service, seconds)."""
    aws.moto_api("recorder/reset-recording")
    aws.moto_api("recorder/start-recording")
    started = time.monotonic()
    run()
    elapsed = time.monotonic() - started
    aws.moto_api("recorder/stop-recording")
    calls: Counter[str] = Counter()
    for line in aws.moto_api("recorder/download-recording").decode().splitlines():
        auth = json.loads(line).get("headers", {}).get("Authorization", "")
        # SigV4 scope: Credential=KEY/DATE/REGION/SERVICE/aws4_request
        service = auth.split("Credential=")[1].split("/")[3] if "Credential=" in auth else "?"
        calls[service] += 1
    return calls, elapsed


# The child reports its own peak RSS (Terraform's provider is a child too, so RUSAGE_CHILDREN
# here would measure Terraform).
PROBE = (
    "import atexit, resource, runpy, sys; "
    "atexit.register(lambda: print('PEAK_KB', resource.getrusage("
    "resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
    "sys.argv = ['driftpatch'] + sys.argv[1:]; "
    "runpy.run_module('driftpatch', run_name='__main__')"
)


def scan(stack: Path, report: Path, env: dict[str, str], peak: list[float]) -> None:
    cmd = [
        sys.executable, "-c", PROBE, "scan",
        "--state", str(stack / "terraform.tfstate"), "--source", str(stack),
        "--region", "us-east-1", "--no-checkov", "--fail-on", "none", "-o", f"json:{report}",
    ]  # fmt: skip
    child_env = {**os.environ, **env, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(cmd, env=child_env, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"driftpatch scan failed: {proc.stderr[-2000:]}")
    kb = [ln.split()[1] for ln in proc.stderr.splitlines() if ln.startswith("PEAK_KB")]
    peak.append(float(kb[-1]) / 1024 if kb else float("nan"))


def measure(n: int, tf: Terraform, mirror: Path, world: str = "mixed") -> Row:
    unit, per_unit = WORLDS[world]
    units = max(1, n // per_unit)
    with tempfile.TemporaryDirectory() as tmp, embedded_aws() as aws:
        aws.reset()  # moto's backends live in the process: the previous N's world is still there
        work = Path(tmp)
        cfg = write_mirror_cli_config(mirror, work / "terraformrc")
        stack = work / "stack"
        stack.mkdir()
        (stack / "main.tf").write_text(HEADER + "".join(unit.format(i=i) for i in range(units)))
        (stack / "driftpatch_override.tf").write_text(provider_override(aws.endpoint_url))
        env = {**aws.env(), "TF_CLI_CONFIG_FILE": str(cfg)}
        t = tf.with_env(**env)
        t.init(stack)
        started = time.monotonic()
        t.apply(stack, parallelism=10)
        apply_s = time.monotonic() - started
        tf_calls, tf_s = recorded_calls(
            aws, partial(t.plan, stack, work / "r.tfplan", refresh_only=True)
        )
        report = work / "report.json"
        peak: list[float] = []
        dp_calls, dp_s = recorded_calls(aws, partial(scan, stack, report, env, peak))
        doc = json.loads(report.read_text())
        drift = sum(1 for f in doc["findings"] if f["kind"] != "misconfig")
        return Row(units * per_unit, apply_s, tf_calls, tf_s, dp_calls, dp_s, peak[-1], drift)


def main() -> int:
    parser = argparse.ArgumentParser(description="driftpatch scan vs terraform refresh")
    parser.add_argument("--n", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--world", choices=sorted(WORLDS), default="mixed")
    args = parser.parse_args()
    tf = Terraform.find()
    mirror = plugin_mirror()
    if tf is None or mirror is None:
        print("needs the Terraform CLI and $DRIFTPATCH_TF_PLUGIN_MIRROR", file=sys.stderr)
        return 2
    print(
        f"{'N':>5} {'apply s':>8} {'tf calls':>9} {'tf s':>7} {'dp calls':>9} {'dp s':>7} "
        f"{'calls ratio':>11} {'time ratio':>10} {'dp peak MB':>10} {'drift':>5}",
        flush=True,
    )
    for n in args.n:  # one row as soon as it is measured: N=500 takes minutes
        r = measure(n, tf, mirror, args.world)
        tft, dpt = sum(r.tf_calls.values()), sum(r.dp_calls.values())
        print(
            f"{r.resources:>5} {r.apply_s:>8.1f} {tft:>9} {r.tf_s:>7.1f} {dpt:>9} {r.dp_s:>7.1f} "
            f"{dpt / tft:>11.2f} {r.dp_s / r.tf_s:>10.2f} {r.dp_peak_mb:>10.0f} "
            f"{r.drift_findings:>5}"
        )
        print(f"      terraform per service:  {dict(sorted(r.tf_calls.items()))}")
        print(f"      driftpatch per service: {dict(sorted(r.dp_calls.items()))}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
