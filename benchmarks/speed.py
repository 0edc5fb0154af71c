"""Issue 13's figures in one run, on the same worlds:

1. `driftpatch scan` vs `terraform plan -refresh-only` on a world of N resources applied by
   real Terraform to an embedded moto (in a process of its own), both through one loopback
   proxy that adds a fixed delay per request (0 and 25 ms): calls (counted by the proxy, per
   service and per operation), wall seconds, peak RSS, CPU of the tool and of the server side
   (moto + proxy), and the ratios. Two worlds (`--world`, default both): "mixed"
   (refresh_vs_scan.UNIT: buckets, VPCs, subnets, groups, roles, managed policies) and
   "issue" (refresh_vs_scan.ISSUE_UNIT: issue 13's own composition).
2. `driftpatch check --no-checkov` vs checkov on the same generated source (wall, peak RSS).
3. `driftpatch scan` from a snapshot at 1k, 5k, 20k resources (benchmarks/scale.py): seconds,
   milliseconds per resource, peak RSS.

    DRIFTPATCH_TF_PLUGIN_MIRROR=<mirror> python benchmarks/speed.py \\
        [--n 300] [--latency 0 25] [--world mixed|issue|both] [--check-n 600]
        [--scale 1000 5000 20000] [--skip ...] [--verify]

`--verify` adds, per latency, `scan --verify terraform` with combined plans (the default) and
with one plan per patch, and where the verifier's time went (init, refresh, plans).

Peak RSS is the largest process's (for Terraform that is usually the provider plugin, not the
sum of both). checkov comes from $DRIFTPATCH_CHECKOV or the checkov on PATH. Prints tables;
asserts nothing (this is not a test). The scans compared (VARIANTS): `scan --state S` (drift +
rules, no HCL, as refresh-only reads none) is the issue's bar; `--only drift` and `--source`
(HCL + statically verified patches) are printed for information. driftpatch runs with its
bytecode compiled (as pip installs it), not recompiled per run under PYTHONDONTWRITEBYTECODE.

Figures (1,000-resource world, 2 shared cores, load average 11-15 while measured, so walls are
CPU-bound and noisy; `--n 1000 --latency 0 25 --skip check scale`):

    before (main at 49d6d6c; scan --state / --only drift on a kept world at 25 ms, load ~8;
    refresh-only and --source from the previous run of this script, --source then verifying
    100 patches):
        refresh-only            3,600 calls  80 s                        341 MB
        scan --state            1,060 calls  10.9 s                      195 MB
        scan --only drift         760 calls   6.9 s                      190 MB
        scan --source           1,047 calls  139 s                       371 MB
    after (this run, 25 ms; 0 ms in brackets):
        refresh-only            3,600 calls  62.2 s (50.9 s)             334 MB
        scan --state            1,060 calls   8.9 s (15.4 s*) 0.29x calls, 0.14x wall, 129 MB
        scan --only drift         760 calls   8.1 s (8.3 s)   0.21x calls, 0.13x wall, 134 MB
        scan --source           1,060 calls  34.1 s (35.5 s)  0.29x calls, 0.55x wall, 316 MB
      (* a load spike; 8.7-9.3 s in repeated runs at 0 ms.) Without moto's GetBucketLocation
      per bucket (AWS's ListBuckets names the region): 0.27x / 0.18x of the calls.

What moved: the scan's own CPU 3.9 -> 2.9 s (botocore models as plain dicts, the garbage
collector kept off the long-lived heap: 5 full collections -> 1, no session-wide lock per call),
peak RSS 195 -> 129 MB (API models cut to the allow-listed operations, provider schema parsed
per type). Calls are at this world's floor per service (the table below): with rules, S3 needs
eight calls per bucket (seven Get* + moto's location), so <= 0.2x is out of reach here with the
rules on (0.21x without them). Wall is CPU, not round trips: the 25 ms runs are no slower than
the 0 ms ones (1,060 calls / 32 in flight x 25 ms = 0.8 s); what is left is driftpatch's CPU
(~1 s imports, ~1 s compare + rules after the reads) and moto's (~4 ms a request, in the
benchmark's process), both on two cores shared with other work.

Second round (issue 13's wall at 25 ms; main's test harness now points Terraform at moto through
AWS_ENDPOINT_URL, not an `endpoints {}` block, so refresh-only got faster too). Measured on a
kept 1,000-resource world, both tools through one 25 ms proxy (in its own process), in two
blocks of alternating runs at load average 6.6-11.7 (other sessions' tests); medians of 9 runs,
range in brackets, CPU = the scan process's user + system:
        refresh-only            3,600 calls  47.2 s, 48.7 s
        scan --state, before    1,060 calls   7.2 s (5.6-8.2)  CPU 2.89 s  134 MB  0.15x
        scan --state, after     1,060 calls   7.0 s (5.4-8.2)  CPU 2.54 s  126 MB  0.15x
    and with this script (`--n 1000 --latency 25 --skip check scale`, load ~6-8):
        refresh-only            3,600 calls  47.7 s                         338 MB
        scan --state            1,060 calls   6.9 s  0.29x calls, 0.14x wall 125 MB
        scan --only drift         760 calls   6.6 s  0.21x calls, 0.14x wall 124 MB
        scan --source           1,060 calls  21.5 s  0.29x calls, 0.45x wall 307 MB
      Two runs before the warm-up scan below measured scan --state at 12.4 and 12.8 s: under
      PYTHONPYCACHEPREFIX the first timed scan compiled boto3's and botocore's bytecode too.
What moved, and what did not:
    - this script: one untimed scan fills the bytecode prefix before the timed runs.
    - start-up: `scan --state` no longer imports deepdiff (only when a resource differs),
      rich (reporters load per format), the HCL parser, the patch writers, the plan reader or
      fix/verification.py (only with --source/--plan): driftpatch.api 0.26 -> 0.07 s to import.
    - exit: `python -m driftpatch` / the `driftpatch` script end with os._exit after the exit
      handlers and a flush: CPython freeing the scan's heap object by object took ~0.45 s.
    - the proxy's listen backlog was socketserver's 5: 32 connections opened at once overflowed
      it, 44-72 SYNs dropped per scan, each waiting out a 1 s retransmit (both tools; AWS
      never does that). Now 128, as moto's server: 0 drops. No measurable change in the scan's
      wall (6.2-7.4 s vs 6.3-6.9 s, 3 runs each): the server is the bottleneck either way.
    - left: the reads are bound by the server, not by driftpatch. moto and the proxy share one
      Python process (one GIL): ~4 s of CPU for the scan's 1,060 requests, while the scan's
      reader threads spend >90% of their samples waiting in socket reads. Compare + rules after
      the reads take ~0.2 s (not overlapped with the reads: on two shared cores that CPU would
      only move, not vanish). Under this load the scan's wall varies 5.4-8.2 s run to run, so
      0.1x (4.7 s here) is within reach only on a quieter machine; calls stay at 0.29x (S3's
      eight per bucket with the rules on).

Third round (fewest calls; `--n 1000 --latency 0 25 --skip check scale`, twice, load average
25-35 on the 2 cores while measured: six other sessions' test suites, so the walls say little;
25 ms, 0 ms in brackets; CPU = the tool's processes / moto + proxy in the benchmark's process):
    run 1   refresh-only        3,600 calls  59.3 s (52.9 s)           347 MB
            scan --state          860 calls   8.4 s (12.0 s)  0.24x calls, 0.14x wall, 125 MB
            scan --only drift     560 calls   9.4 s (8.3 s)   0.16x calls, 0.16x wall, 124 MB
            scan --source         860 calls  42.6 s (40.9 s)  0.24x calls, 0.72x wall, 238 MB
    run 2   refresh-only        3,600 calls  58.9 s (49.9 s)  323 MB  CPU 13.8 s / 13.3 s
            scan --state          860 calls  10.2 s (10.8 s)  0.17x wall, 123 MB, CPU 2.4 / 3.8 s
            scan --only drift     560 calls   9.6 s (7.7 s)   0.16x wall, 123 MB, CPU 2.1 / 3.0 s
            scan --source         860 calls  44.1 s (36.5 s)  0.75x wall, 242 MB, CPU 10.2 / 3.6 s
    The scan's wall is CPU on a machine at load ~30, not round trips: 6.2 s of CPU for 860
    requests, 61% of it moto's (4.4 ms a request) and 39% the scan's own (2.4 s: start-up,
    parsing, compare, rules); 860 requests / 32 in flight x 25 ms is 0.7 s. On two idle cores
    that is ~3.1-4 s, under 0.1x of refresh-only (~5 s); at load 30 it cannot be shown here.
    calls per service, scan --state (= the floor printed by `_floor` for every service):
        s3 502 (ListBuckets 2; per bucket GetBucketVersioning, GetPublicAccessBlock,
        GetBucketEncryption for the state, GetBucketPolicy, GetBucketLogging for the rules;
        GetBucketAcl 0: every block in this world ignores public ACLs, so no ACL can expose a
        bucket and none is read; it was 602 with one GetBucketAcl per bucket), tagging 2
        (GetResources pages), iam 105 (GetPolicy 100 for the policies' tags + 5 account-wide
        pages), ec2 120 (DescribeVpcAttribute 101: enableDnsSupport of each VPC and the default
        VPC; 19 listing pages), 31 listings of the other services: 760 in all (0.21x).
What moved (1,060 -> 860 calls, 760 -> 560 with --only drift):
    - S3 tags from the Resource Groups Tagging API (GetResources, ~100 buckets a page per
      region) instead of GetBucketTagging per bucket: -98. Fallback to per-bucket calls when
      the API is refused; a region with one bucket asks the bucket itself.
    - S3 regions: moto's ListBuckets has no BucketRegion, so one ListBuckets filtered by
      BucketRegion per scanned region places the buckets (GetBucketLocation only for those in
      none): -99. On AWS the listing names the region and neither call is made.
    - EC2: DescribeVolumes, DescribeRouteTables and DescribeNetworkAcls read once per region for
      the readers that share them (ec2 + attachments, network + VPC): -3; IAM ListRoles and
      ListInstanceProfiles at MaxItems 1000 (one page per 1,000, not 100).
What did not: <= 0.2x with the rules on. Every remaining per-object call has no bulk form and
    feeds a comparison or a rule: with the rules off the scan is at 0.16x; the rules' three
    reads per bucket (policy, ACL, logging: DP-S3-001/002/006 judge the live bucket, and a
    setting the state leaves empty is read for nothing else) are 300 of the 860. Dropping them
    would lose the findings on hand-made public policies / ACLs and on logging. The IAM
    GetPolicy per policy (its tags are in no IAM listing, nor in moto's GetResources) and
    DescribeVpcAttribute per VPC (Optional with a default: managed by every configuration)
    are the other 201.

Fourth round (the instrument; `--n 1000 --latency 0 25 --skip check scale`, both worlds, load
average 5-10 on the 2 cores while measured, so walls are noisy: CPU seconds and calls are the
evidence; 25 ms, 0 ms in brackets; CPU = the tool's processes / the server side, moto's process
+ the proxy, per request):
    before (main at fa897ec with the old instrument: moto and the proxy in the benchmark's
    process, one GIL, a new upstream connection per request), mixed world, load ~5.5:
        refresh-only  3,600 calls  44.3 s (33.6 s)  CPU 14.2 / 13.8 s (3.8 ms/request)
        scan --state    760 calls   4.9 s (5.2 s)   CPU 2.2 / 3.5 s (4.6 ms/request)  0.11x
    after, mixed world (load 6-7):
        refresh-only  3,600 calls  37.4 s (29.8 s)  CPU 13.2 / 9.3 s (2.6 ms/request)  318 MB
        scan --state    760 calls   6.8 s (5.8 s)   CPU 2.1 / 2.6 s (3.5 ms/request)  0.18x,
                        126 MB (4.4 s, 0.13x in an earlier run at load ~6, before
                        aclskip's merge: 860 calls)
        scan --only drift 560 calls 4.0 s (5.5 s)   0.11x
    after, issue world (issue 13's composition, 125 units = 1,000 resources; load 8-10):
        refresh-only  3,500 calls  39.1 s (29.9 s)  CPU 13.0 / 8.1 s (2.3 ms/request)  319 MB
        scan --state    685 calls   3.8 s (4.1 s)   CPU 1.8 / 1.7 s (2.5 ms/request)
                        0.20x calls (0.196), 0.10x wall (0.097), 126 MB: the done-when bar met
                        (a second run, load ~6: 3.9 s vs 36.3 s, 0.11x; CPU 1.9 / 2.0 s)
        scan --only drift 435 calls 2.7 s (2.8 s)   0.12x calls, 0.07x wall
        scan --source   685 calls   4.9 s (5.8 s)   0.13x wall, 136 MB
    The issue world's calls are at its floor: S3 2 + 3 per bucket for the state + 2 for the
    rules (policy, logging), tagging 2 GetResources pages, IAM the five account-wide reads
    (inline policies come with GetAccountAuthorizationDetails), EC2 20 listing pages (groups
    and rules in one page each), 31 listings of the other services; refresh-only reads S3 20
    times per bucket (2,500 of its 3,500).
What moved (the server side's CPU per request of the scan 4.6 -> 2.5-3.5 ms, refresh-only's
3.8 -> 2.3-2.6 ms; on 1,500 S3 Get* calls from 32 threads, 3.0 -> 1.75 ms, of which the
proxy 0.44):
    - the proxy keeps one upstream connection alive per client connection (reconnecting once
      if moto closed it; 0 reconnects in these runs): moto's server (werkzeug) no longer
      accepts a TCP connection and starts a thread per request. Answers go out in one write
      with TCP_NODELAY. Counting unchanged (same `operation`, same keys: same call figures).
    - moto runs in its own process (latency_proxy.MotoProcess, the embedded AWS as the tests
      have it): the proxy's and moto's Python no longer take turns on one GIL; both
      processes' CPU is counted as the server side's.
    - moto 5.2 lists its package directory (~180 stat calls, under a server-wide lock) twice
      per request to find the service; the benchmark's moto process lists it once. No change
      to any answer.
    Both tools go through the same instrument, so refresh-only gained too (44.3 -> 37.4 s at
    25 ms); the ratios stay fair. What is left of the server side (2.5-3.5 ms a request) is
    moto's own request handling (flask dispatch, response serialization): on AWS it runs
    elsewhere, here it shares the 2 cores with the tool.

Quiet machine (2026-12-05 11:09-11:44 UTC, load average < 2, main after the stop-20 merges:
aclskip, instrument, scancpu, flatpatch; `--n 1000 --latency 0 25`; 25 ms, 0 ms in brackets;
CPU = the tool's processes / moto's process + the proxy):
    issue world  refresh-only  3,500 calls  30.5 s (25.9 s)   CPU 13.8 / 8.7 s   326 MB
                 scan --state    685 calls   2.7 s (2.5 s)    CPU 1.8 / 1.8 s     88 MB
                                 0.196x calls, 0.09x wall (0.10x): the done-when bar met
                 --only drift    435 calls   2.1 s (2.0 s)    0.12x calls, 0.07x wall
                 again at 11:40: refresh-only 30.4 s (24.9 s), scan --state 2.5 s (2.5 s):
                 0.08x (0.10x)
    mixed world  refresh-only  3,600 calls  26.9 s (23.4 s)   CPU 12.2 / 8.4 s   318 MB
                 scan --state    760 calls   3.0 s (3.2 s)    CPU 1.7 / 2.2 s     88 MB
                                 0.21x calls, 0.11x wall (0.14x)
                 --only drift    560 calls   2.6 s (2.9 s)    0.16x calls, 0.10x wall
    The mixed world's floor with the rules on is its 760: the IAM managed policies' tags
    (GetPolicy) and the VPCs' DNS support (DescribeVpcAttribute) come one call per object (no
    listing or bulk read carries them), as do the S3 rules' policy and logging per bucket.
    check --no-checkov, 600 resources: 3.8 s, 98 MB (checkov 4.9 s, 212 MB). Scan from a
    snapshot, 1k / 5k / 20k: 0.6 / 1.7 / 4.9 s (0.64 / 0.33 / 0.24 ms per resource), 64 / 99 /
    224 MB. Refresh-only is faster than in the rounds above because moto lists its package
    directory once per server now (embedded.py), for both tools.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(BENCH))

import scale  # noqa: E402
from latency_proxy import MotoProcess, cpu_seconds, latency_proxy  # noqa: E402
from refresh_vs_scan import HEADER, PER_UNIT, UNIT, WORLDS  # noqa: E402

from driftpatch.embedded import EmbeddedAws, provider_override  # noqa: E402
from driftpatch.terraform.binary import (  # noqa: E402
    Terraform,
    TerraformCliError,
    plugin_mirror,
    write_mirror_cli_config,
)

# Runs a command and reports the peak RSS of the largest process it waited for, and the CPU
# seconds of all of them (user + system).
WRAP = (
    "import resource, subprocess, sys; "
    "rc = subprocess.run(sys.argv[1:]).returncode; "
    "ru = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print('PEAK_KB', ru.ru_maxrss, file=sys.stderr); "
    "print('CPU_S', ru.ru_utime + ru.ru_stime, file=sys.stderr); "
    "sys.exit(rc)"
)


@dataclass(frozen=True)
class Run:
    wall_s: float
    peak_mb: float
    calls: Counter[tuple[str, str]]
    code: int
    cpu_s: float = float("nan")  # the tool's processes
    proxy_cpu_s: float = float("nan")  # this process meanwhile: the latency proxy
    moto_cpu_s: float = float("nan")  # moto's process meanwhile (0 when there is none)

    @property
    def server_cpu_s(self) -> float:
        """The emulated AWS's side of the instrument: moto and the proxy."""
        return self.proxy_cpu_s + self.moto_cpu_s


def measured(
    cmd: Sequence[str],
    env: Mapping[str, str],
    ok: Sequence[int] = (0,),
    moto_pid: int | None = None,
) -> Run:
    """Run `cmd`, with the CPU the server side spent meanwhile: this process (the proxy) and,
    when moto runs in its own process, that process."""
    moto = cpu_seconds(moto_pid) if moto_pid else 0.0
    started, server = time.monotonic(), time.process_time()
    proc = subprocess.run(
        [sys.executable, "-c", WRAP, *cmd],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    wall, server_cpu = time.monotonic() - started, time.process_time() - server
    moto = (cpu_seconds(moto_pid) - moto) if moto_pid else 0.0
    if proc.returncode not in ok:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-3000:]}")
    kb = [ln.split()[1] for ln in proc.stderr.splitlines() if ln.startswith("PEAK_KB")]
    cpu = [ln.split()[1] for ln in proc.stderr.splitlines() if ln.startswith("CPU_S")]
    return Run(
        wall,
        float(kb[-1]) / 1024 if kb else float("nan"),
        Counter(),
        proc.returncode,
        float(cpu[-1]) if cpu else float("nan"),
        server_cpu,
        moto,
    )


def stack_text(units: int, unit: str = UNIT) -> str:
    return HEADER + "".join(unit.format(i=i) for i in range(units))


# `scan --verify terraform` with one plan per patch (Config.verify_batch=False has no CLI
# option: it is the reference the combined plans are compared with).
ALONE = """
import json, sys
from pathlib import Path
from driftpatch import api
from driftpatch.config import Config, VerifyMode
state, source, out = sys.argv[1:4]
report = api.scan(Config(states=(state,), source=Path(source), regions=("us-east-1",),
    checkov=False, verify=VerifyMode.TERRAFORM, verify_batch=False))
Path(out).write_text(json.dumps(report.to_json()))
"""


def _verified_scans(stack: Path, work: Path, env: Mapping[str, str], tf_run: Run) -> None:
    """The scan with Terraform verification, combined plans (the default) and one plan per
    patch: wall, and where verification's time went (stats.verification)."""
    state = str(stack / "terraform.tfstate")
    for label, cmd, out in (
        (
            "combined",
            [sys.executable, "-m", "driftpatch", "scan", "--state", state, "--source",
             str(stack), "--region", "us-east-1", "--no-checkov", "--fail-on", "none",
             "--verify", "terraform", "-o", f"json:{work / 'verified.json'}"],
            work / "verified.json",
        ),
        (
            "per-patch",
            [sys.executable, "-c", ALONE, state, str(stack), str(work / "alone.json")],
            work / "alone.json",
        ),
    ):  # fmt: skip
        run = measured(cmd, env, ok=(0, 1))
        stats = json.loads(out.read_text()).get("stats", {}).get("verification", {})
        print(
            f"{'':>8} scan --verify terraform ({label}): {run.wall_s:.1f} s "
            f"({run.wall_s / tf_run.wall_s:.2f}x refresh-only); verifier "
            f"{stats.get('duration_s')} s, {stats.get('candidates')} plans, refresh targets "
            f"{stats.get('refresh_targets', 'all')}, terraform s {stats.get('terraform_s')}"
        )


@contextmanager
def _moto_process() -> Iterator[tuple[EmbeddedAws, int]]:
    """The embedded AWS in a child process: moto and the latency proxy (in this process) each
    have their own GIL, as AWS's servers are not the client's machine; both processes' CPU is
    counted as the server side's."""
    handle = MotoProcess(REPO / "src")
    aws = EmbeddedAws(handle.url, handle)
    try:
        yield aws, handle.pid
    finally:
        aws.stop()


def refresh_vs_scan(
    n: int,
    latencies: Sequence[float],
    work: Path,
    verify: bool = False,
    worlds: Sequence[str] = ("mixed", "issue"),
) -> None:
    tf, mirror = Terraform.find(), plugin_mirror()
    if tf is None or mirror is None:
        print("(skipped: needs the Terraform CLI and $DRIFTPATCH_TF_PLUGIN_MIRROR)")
        return
    cfg = write_mirror_cli_config(mirror, work / "terraformrc")
    with _moto_process() as (aws, moto_pid):
        for name in worlds:
            print(f"\n-- world {name!r} --", flush=True)
            (work / name).mkdir()
            _one_world(name, n, latencies, work, verify, tf, cfg, aws, moto_pid)


def _apply(t: Terraform, stack: Path, aws: EmbeddedAws, attempts: int = 3) -> None:
    """Apply the world; on a failure, from scratch again (a fresh moto, no state).

    Under load moto sometimes answers a create it has made with an error or too late (its
    backends are not thread-safe: "dictionary changed size during iteration"), the provider
    retries, and the retry meets EntityAlreadyExists: the apply fails on a world that is not
    in the state. Applying again would meet the same object; starting over does not."""
    for attempt in range(1, attempts + 1):
        try:
            t.apply(stack, parallelism=10)
            return
        except TerraformCliError as exc:
            if attempt == attempts:
                raise
            print(f"(apply failed, starting the world over: {str(exc)[:160]})", flush=True)
            aws.reset()
            for leftover in stack.glob("terraform.tfstate*"):
                leftover.unlink()


def _one_world(
    name: str,
    n: int,
    latencies: Sequence[float],
    work: Path,
    verify: bool,
    tf: Terraform,
    cfg: Path,
    aws: EmbeddedAws,
    moto_pid: int,
) -> None:
    """Apply world `name` (a fresh moto: the previous world's resources are gone) and measure
    both tools on it at each delay. `work` holds what the worlds share (bytecode prefix)."""
    unit, per_unit = WORLDS[name]
    units = max(1, n // per_unit)
    aws.reset()
    stack = work / name / "stack"
    stack.mkdir()
    (stack / "main.tf").write_text(stack_text(units, unit))
    override = stack / "driftpatch_override.tf"
    override.write_text(provider_override(aws.endpoint_url))
    base_env = {**os.environ, **aws.env(), "TF_CLI_CONFIG_FILE": str(cfg)}
    t = tf.with_env(**{**aws.env(), "TF_CLI_CONFIG_FILE": str(cfg)})
    t.init(stack)
    started = time.monotonic()
    _apply(t, stack, aws)
    print(f"world: {units * per_unit} resources applied in {time.monotonic() - started:.0f} s")
    print(
        f"{'delay ms':>8} {'tool':>12} {'calls':>6} {'wall s':>7} {'peak MB':>8}   "
        "ratios (driftpatch / terraform)"
    )
    walls: dict[tuple[str, float], float] = {}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "driftpatch")],
        env=_dp_env(base_env, work), capture_output=True, check=False,
    )  # fmt: skip
    # PYTHONPYCACHEPREFIX moves every module's bytecode, boto3's and botocore's too, into
    # `work`: one untimed scan fills it, or the first timed one compiles them (+5 s).
    subprocess.run(
        [
            sys.executable, "-m", "driftpatch", "scan",
            "--state", str(stack / "terraform.tfstate"), "--region", "us-east-1",
            "--no-checkov", "--fail-on", "none", "-o", f"json:{work / name / 'warm.json'}",
        ],
        env=_dp_env(base_env, work), capture_output=True, check=False,
    )  # fmt: skip
    for delay in latencies:
        with latency_proxy(aws.endpoint_url, delay / 1000) as proxy:
            override.write_text(provider_override(proxy.url))
            env = {**base_env, "AWS_ENDPOINT_URL": proxy.url}
            proxy.reset()
            plan = [
                str(tf.executable),
                f"-chdir={stack}", "plan", "-refresh-only", "-input=false", "-lock=false",
                "-out", str(work / name / "refresh.tfplan"),
            ]  # fmt: skip
            tf_run = measured(plan, env, moto_pid=moto_pid)
            tf_calls = proxy.reset()
            runs: dict[str, tuple[Run, Counter[tuple[str, str]], Path]] = {}
            for variant, extra in VARIANTS:
                report = work / name / f"scan-{delay:g}-{len(runs)}.json"
                dp = [
                    sys.executable, "-m", "driftpatch", "scan",
                    "--state", str(stack / "terraform.tfstate"),
                    "--region", "us-east-1", "--no-checkov", "--fail-on", "none",
                    "-o", f"json:{report}",
                    *(a.replace("{stack}", str(stack)) for a in extra),
                ]  # fmt: skip
                dp_run = measured(dp, _dp_env(env, work), ok=(0, 1), moto_pid=moto_pid)
                runs[variant] = (dp_run, proxy.reset(), report)
            reconnects = proxy.reconnects
        override.write_text(provider_override(aws.endpoint_url))
        tft = sum(tf_calls.values())
        tf_cols = f"{tft:>6} {tf_run.wall_s:>7.1f} {tf_run.peak_mb:>8.0f}"
        print(f"{delay:>8g} {'terraform':>12} {tf_cols}   {_cpu(tf_run, tft)}")
        for variant, (dp_run, dp_calls, _report) in runs.items():
            dpt = sum(dp_calls.values())
            walls[(variant, delay)] = dp_run.wall_s
            print(
                f"{delay:>8g} {variant:>12} {dpt:>6} {dp_run.wall_s:>7.1f} "
                f"{dp_run.peak_mb:>8.0f}   calls {dpt / tft:.2f}x, wall "
                f"{dp_run.wall_s / tf_run.wall_s:.2f}x, RSS "
                f"{dp_run.peak_mb / tf_run.peak_mb:.2f}x; {_cpu(dp_run, dpt)}"
            )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"{'':>8} load average after these runs: {load} ({os.cpu_count()} cores); "
            f"proxy reconnects to moto: {reconnects}"
        )
        scan_run, scan_calls, _ = runs["driftpatch"]
        verdict = {
            "calls <= 0.2x": sum(scan_calls.values()) <= 0.2 * tft,
            "wall <= 0.1x": scan_run.wall_s <= 0.1 * tf_run.wall_s,
            "RSS <= 150 MB": scan_run.peak_mb <= 150,
        }
        print(f"{'':>8} done-when (scan --state, at {delay:g} ms): {verdict}")
        doc = json.loads(runs["driftpatch"][2].read_text())
        drift = sum(1 for f in doc["findings"] if f["kind"] != "misconfig")
        print(f"{'':>8} driftpatch drift findings on the clean world: {drift}")
        print(f"{'':>8} terraform per service:  {_per_service(tf_calls)}")
        for variant, (_, dp_calls, _) in runs.items():
            print(f"{'':>8} {variant} per service: {_per_service(dp_calls)}")
        if verify:
            # Direct to the embedded AWS (the proxy is closed): Terraform time, not RTT.
            _verified_scans(
                stack, work / name, {**base_env, "PYTHONPATH": str(REPO / "src")}, tf_run
            )
        if delay == latencies[-1]:
            _floor(name, units, runs["driftpatch"][1], runs["--only drift"][1])
    _model(walls, latencies, {v: sum(r[1].values()) for v, r in runs.items()})


# The scans measured against refresh-only: `scan --state S` as a nightly job runs it (drift +
# rules, no HCL: refresh-only reads none either) is the comparison the bar is about;
# drift alone, and with the source and statically verified patches, for information.
VARIANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("driftpatch", ()),
    ("--only drift", ("--only", "drift")),
    ("--source", ("--source", "{stack}", "--verify", "static")),
)


def _cpu(run: Run, calls: int) -> str:
    """CPU seconds of the tool and of the server side (moto in its process + the proxy in
    this one), per request, and the server's share of both: on two cores, what the wall is
    bound by."""
    total = run.cpu_s + run.server_cpu_s
    share = run.server_cpu_s / total if total else float("nan")
    per = run.server_cpu_s / calls * 1000 if calls else float("nan")
    return (
        f"CPU tool {run.cpu_s:.1f} s, moto+proxy {run.server_cpu_s:.1f} s ({share:.0%}; moto "
        f"{run.moto_cpu_s:.1f} + proxy {run.proxy_cpu_s:.1f}, {per:.1f} ms/request)"
    )


def _dp_env(env: Mapping[str, str], work: Path) -> dict[str, str]:
    """driftpatch as installed: bytecode compiled once (pip does at install; a run with
    PYTHONDONTWRITEBYTECODE recompiles the package's 150 modules, +0.3 s), kept out of the
    tree in `work`."""
    out = {**env, "PYTHONPATH": str(REPO / "src"), "PYTHONPYCACHEPREFIX": str(work / "pyc")}
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out


# Per bucket, the Get* calls the world's state manages and no listing answers (versioning,
# public access block, default encryption; its tags come from GetResources pages) and the two
# more the S3 rules read (policy, logging; the ACL only where the bucket's public access block
# does not ignore public ACLs, and every block in this world does). moto's ListBuckets has no
# BucketRegion: one more ListBuckets filtered by the region places every bucket (AWS's listing
# names it).
S3_STATE_CALLS, S3_RULE_CALLS = 3, 2


def _floor(
    world: str, units: int, full: Counter[tuple[str, str]], drift: Counter[tuple[str, str]]
) -> None:
    """Calls per service and operation against the floor for this world: S3 two listings and
    the per-bucket calls above; tags one GetResources page per 100 buckets; IAM one GetPolicy
    per customer-managed policy (its tags are in no listing) plus five account-wide reads
    (GetAccountAuthorizationDetails, ListRoles, ListInstanceProfiles pages; the password
    policy and account summary the rules read); EC2 one DescribeVpcAttribute per VPC
    (enable_dns_support has a default, so every configuration manages it) plus ~20 listing
    pages whatever the size. The issue world has no VPC and no managed policy: IAM is the
    five account-wide reads (inline policies come with GetAccountAuthorizationDetails), EC2
    the listing pages (its groups and their rules in a page or two)."""
    pages = -(-units // 100)
    floors = {
        "s3": (2 + units * S3_STATE_CALLS, 2 + units * (S3_STATE_CALLS + S3_RULE_CALLS)),
        "tagging": (pages, pages),
        "iam": (5 + units, 5 + units),
        "ec2": (20 + units, 20 + units),
    }
    if world == "issue":
        floors.update(iam=(5, 5), ec2=(20, 20))
    print("         calls per service vs floor (--only drift / with rules):")
    have_drift, have_full = _per_service(drift), _per_service(full)
    for svc in sorted(set(have_full) | set(have_drift)):
        lo, hi = floors.get(svc, (0, 0))
        floor = f"floor {lo:>5} / {hi:>5}" if svc in floors else "listing pages"
        print(
            f"           {svc:>10} {have_drift.get(svc, 0):>6} / "
            f"{have_full.get(svc, 0):>6}   {floor}"
        )
    print("         driftpatch calls per operation (with rules):")
    for (svc, op), count in sorted(full.items()):
        print(f"           {svc:>10} {op:<45} {count:>5}")


def _model(
    walls: Mapping[tuple[str, float], float], latencies: Sequence[float], calls: Mapping[str, int]
) -> None:
    """Wall time at each delay against (calls / concurrency) x RTT + start-up, start-up being
    the 0 ms run's wall (CPU, process start, the state and source), concurrency the session's
    limit per service (DEFAULT_CONCURRENCY). Effective concurrency: calls x RTT over the time
    the delay added; far below the limit means calls wait on each other (listing chains), not
    on the pool."""
    from driftpatch.aws.session import DEFAULT_CONCURRENCY

    if 0 not in latencies:
        return
    print(f"         model: wall = start-up + calls / {DEFAULT_CONCURRENCY} x RTT")
    for variant, n in calls.items():
        base = walls[(variant, 0)]
        for delay in (d for d in latencies if d):
            model = base + n / DEFAULT_CONCURRENCY * delay / 1000
            added = walls[(variant, delay)] - base
            eff = f"{n * delay / 1000 / added:.1f}" if added > 0.5 else "n/a (CPU dominates)"
            print(
                f"           {variant:>12} at {delay:g} ms: "
                f"measured {walls[(variant, delay)]:.1f} s,"
                f" model {model:.1f} s (start-up {base:.1f} s), effective concurrency {eff}"
            )


def _per_service(calls: Counter[tuple[str, str]]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for (svc, _), count in calls.items():
        out[svc] += count
    return dict(sorted(out.items()))


def check_vs_checkov(n: int, work: Path) -> None:
    units = max(1, n // PER_UNIT)
    src = work / "check-src"
    src.mkdir()
    (src / "main.tf").write_text(stack_text(units))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    dp = [
        sys.executable, "-m", "driftpatch", "check", "--source", str(src), "--no-checkov",
        "--verify", "static", "--fail-on", "none", "-o", f"json:{work / 'check.json'}",
    ]  # fmt: skip
    dp_run = measured(dp, env, ok=(0, 1))
    doc = json.loads((work / "check.json").read_text())
    print(f"source: {units * PER_UNIT} resources in one file")
    print(f"{'tool':>24} {'wall s':>7} {'peak MB':>8} {'findings':>8} {'patches':>7}")
    print(
        f"{'driftpatch --no-checkov':>24} {dp_run.wall_s:>7.1f} {dp_run.peak_mb:>8.0f} "
        f"{len(doc['findings']):>8} {len(doc['patches']):>7}"
    )
    checkov = os.environ.get("DRIFTPATCH_CHECKOV") or shutil.which("checkov")
    if checkov is None:
        print(f"{'checkov':>24} (not found: set $DRIFTPATCH_CHECKOV)")
        return
    out = work / "checkov"
    ck = [checkov, "-d", str(src), "--quiet", "--compact", "-o", "json", "--output-file-path",
          str(out), "--skip-download"]  # fmt: skip
    ck_run = measured(ck, {**os.environ, "BC_SKIP_MAPPING": "TRUE"}, ok=(0, 1))
    print(
        f"{'checkov':>24} {ck_run.wall_s:>7.1f} {ck_run.peak_mb:>8.0f}   "
        f"(driftpatch: {dp_run.wall_s / ck_run.wall_s:.2f}x the wall time)"
    )


def scaling(sizes: Sequence[int], work: Path, template_dir: Path | None) -> None:
    cached = (template_dir or work) / "template.json"
    if cached.is_file():
        template = scale.Template(**json.loads(cached.read_text()))
    else:
        template = scale.apply_template(work)
        cached.write_text(json.dumps({"state": template.state, "snapshot": template.snapshot}))
    print(f"{'N':>6} {'source':>7} {'wall s':>7} {'ms/res':>7} {'peak MB':>8} {'findings':>8}")
    for n in sizes:
        units = max(1, n // PER_UNIT)
        out = work / f"scale-{n}"
        state, live, _ = scale.replicate(template, units, out)
        report = out / "report.json"
        wall, peak = scale.timed_scan(scale.scan_args(state, live, None, report))
        found = len(json.loads(report.read_text())["findings"])
        res = units * PER_UNIT
        per = wall / res * 1000
        print(f"{res:>6} {'without':>7} {wall:>7.1f} {per:>7.2f} {peak:>8.0f} {found:>8}")
        shutil.rmtree(out, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="issue 13's figures in one run")
    parser.add_argument("--n", type=int, default=300, help="resources in the applied world")
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 25.0], metavar="MS")
    parser.add_argument("--check-n", type=int, default=600)
    parser.add_argument("--scale", type=int, nargs="*", default=[1000, 5000, 20000])
    parser.add_argument("--template", type=Path, help="scale.py's cached template directory")
    parser.add_argument(
        "--world",
        choices=["mixed", "issue", "both"],
        default="both",
        help="the applied world(s): mixed (refresh_vs_scan.UNIT), issue (issue 13's own), both",
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=["refresh", "check", "scale"])
    parser.add_argument(
        "--verify",
        action="store_true",
        help="also scan with --verify terraform (combined plans and one plan per patch)",
    )
    ns = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if "refresh" not in ns.skip:
            print("\n== scan vs terraform plan -refresh-only ==", flush=True)
            (work / "refresh").mkdir()
            worlds = ("mixed", "issue") if ns.world == "both" else (ns.world,)
            refresh_vs_scan(ns.n, ns.latency, work / "refresh", ns.verify, worlds)
        if "check" not in ns.skip:
            print("\n== check --no-checkov vs checkov ==", flush=True)
            (work / "check").mkdir()
            check_vs_checkov(ns.check_n, work / "check")
        if "scale" not in ns.skip and ns.scale:
            print("\n== scan from a snapshot: scaling ==", flush=True)
            (work / "scale").mkdir()
            scaling(ns.scale, work / "scale", ns.template)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
