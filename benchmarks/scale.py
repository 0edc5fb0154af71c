"""How `driftpatch scan` from a snapshot scales: 1k, 5k, 20k resources (state + HCL + snapshot).

    DRIFTPATCH_TF_PLUGIN_MIRROR=<mirror> python benchmarks/scale.py [--n 1000 5000 20000]
        [--profile N] [--keep DIR]

One unit of `refresh_vs_scan.py`'s stack (10 resources: a bucket with versioning and a public
access block, a VPC, a subnet, a security group with a rule, an IAM role, a policy and its
attachment) is applied once by real Terraform to an embedded moto server and read back with
`driftpatch inventory`. That applied unit is the template: for N resources it is copied N/10
times, each copy with its own names (`bench-K`), resource addresses (`b K`) and AWS ids (a
suffix on every id and unique id the template holds), into one state, one snapshot and one HCL
directory that agree with each other as a real apply would. Account-level objects (the default
VPC, the account's settings) appear once. A scan of that is then timed in a fresh process:

    driftpatch scan --state S --live L --source D --no-checkov --verify static -o json:R

Prints per N: wall seconds, milliseconds per resource, peak RSS, findings and patches.
`--profile K` also runs the largest N under cProfile and prints the K most expensive functions
(cumulative), which is how the super-linear parts were found. Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from refresh_vs_scan import HEADER, PER_UNIT, UNIT  # noqa: E402

from driftpatch.embedded import embedded_aws, provider_override  # noqa: E402
from driftpatch.terraform.binary import Terraform, plugin_mirror, write_mirror_cli_config  # noqa: E402

# Runs the scan and reports the peak RSS of the largest process it waited for. A process
# measuring itself would count the pages of a large parent it was forked from (a driver that
# holds moto): this small wrapper is what forks the scan.
WRAP = (
    "import resource, subprocess, sys; "
    "rc = subprocess.run([sys.executable, '-m', 'driftpatch', *sys.argv[1:]]).returncode; "
    "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(rc)"
)
# Attribute names whose values are AWS-made identifiers: each copy gets its own.
ID_KEYS = (
    "id", "unique_id", "association_id", "security_group_rule_id", "default_route_table_id",
    "default_network_acl_id", "default_security_group_id", "main_route_table_id",
)  # fmt: skip


@dataclass(frozen=True)
class Template:
    state: dict[str, Any]
    snapshot: dict[str, Any]


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, **(extra or {}), "PYTHONPATH": str(REPO / "src")}


def apply_template(work: Path) -> Template:
    """One unit, applied by Terraform to moto, and its `driftpatch inventory` snapshot."""
    tf = Terraform.find()
    mirror = plugin_mirror()
    if tf is None or mirror is None:
        raise SystemExit("needs the Terraform CLI and $DRIFTPATCH_TF_PLUGIN_MIRROR")
    with embedded_aws() as aws:
        aws.reset()
        cfg = write_mirror_cli_config(mirror, work / "terraformrc")
        stack = work / "template"
        stack.mkdir()
        (stack / "main.tf").write_text(HEADER + UNIT.format(i=0))
        (stack / "driftpatch_override.tf").write_text(provider_override(aws.endpoint_url))
        env = {**aws.env(), "TF_CLI_CONFIG_FILE": str(cfg)}
        t = tf.with_env(**env)
        t.init(stack)
        t.apply(stack, parallelism=10)
        snap = work / "template-live.json"
        proc = subprocess.run(
            [sys.executable, "-m", "driftpatch", "inventory", "--region", "us-east-1",
             "-o", str(snap)],
            env=child_env(env), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise SystemExit(f"driftpatch inventory failed: {proc.stderr[-2000:]}")
        state = json.loads((stack / "terraform.tfstate").read_text())
        return Template(state, json.loads(snap.read_text()))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _ids(attributes: Mapping[str, Any]) -> set[str]:
    return {v for k in ID_KEYS if isinstance(v := attributes.get(k), str) and len(v) > 3}


def _rewrite(value: Any, pattern: re.Pattern[str], k: int) -> Any:
    if isinstance(value, str):
        return pattern.sub(lambda m: f"bench-{k}" if m[0] == "bench-0" else f"{m[0]}-c{k}", value)
    if isinstance(value, dict):
        return {key: _rewrite(v, pattern, k) for key, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, pattern, k) for v in value]
    return value


def replicate(template: Template, units: int, out: Path) -> tuple[Path, Path, Path]:
    """State, snapshot and source directory of `units` copies of the template unit."""
    state_ids: set[str] = {"bench-0"}
    for res in template.state["resources"]:
        for inst in res["instances"]:
            state_ids |= _ids(inst["attributes"])
    # Live objects that belong to the unit: they mention one of its ids (a VPC's main route
    # table and default security group too). The rest (account level) is kept once.
    unit_live = [
        r
        for r in template.snapshot["resources"]
        if any(s in state_ids or any(i in s for i in state_ids) for s in _strings(r))
    ]
    ids = set(state_ids)
    for r in unit_live:
        ids.add(r["id"])
        ids |= _ids(r["attributes"])
    alternatives = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    pattern = re.compile(r"(?<![\w-])(" + alternatives + r")(?![\w])")
    resources = []
    for res in template.state["resources"]:
        for k in range(units):
            copy_ = _rewrite(copy.deepcopy(res), pattern, k)
            copy_["name"] = re.sub(r"0$", str(k), res["name"])
            resources.append(copy_)
    state = {**template.state, "resources": resources, "serial": 1}
    others = [r for r in template.snapshot["resources"] if r not in unit_live]
    live = others + [_rewrite(r, pattern, k) for k in range(units) for r in unit_live]
    snapshot = {**template.snapshot, "resources": live}
    src = out / "src"
    src.mkdir(parents=True)
    (src / "main.tf").write_text(HEADER)
    per_file = 100
    for start in range(0, units, per_file):
        body = "".join(
            UNIT.format(i=k).replace(f'"10.{k}.', f'"10.{k % 250}.')
            for k in range(start, min(units, start + per_file))
        )
        (src / f"units_{start // per_file:04d}.tf").write_text(body)
    state_path, live_path = out / "terraform.tfstate", out / "live.json"
    state_path.write_text(json.dumps(state))
    live_path.write_text(json.dumps(snapshot))
    return state_path, live_path, src


def scan_args(state: Path, live: Path, src: Path | None, report: Path) -> list[str]:
    return [
        "scan", "--state", str(state), "--live", str(live),
        *(["--source", str(src)] if src is not None else []),
        "--no-checkov", "--verify", "static", "--fail-on", "none", "-o", f"json:{report}",
    ]  # fmt: skip


def timed_scan(args: list[str]) -> tuple[float, float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", WRAP, *args],
        env=child_env({"AWS_REGION": "us-east-1"}),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"driftpatch scan failed ({proc.returncode}): {proc.stderr[-3000:]}")
    kb = [ln.split()[1] for ln in proc.stderr.splitlines() if ln.startswith("PEAK_KB")]
    return wall, float(kb[-1]) / 1024 if kb else float("nan")


def profile(args: list[str], top: int) -> None:
    import cProfile
    import pstats

    from driftpatch.cli import app

    prof = cProfile.Profile()
    prof.enable()
    with contextlib.suppress(SystemExit):
        app(args, prog_name="driftpatch")
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(description="driftpatch scan scaling from a snapshot")
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--profile", type=int, default=0, metavar="TOP")
    parser.add_argument("--keep", type=Path, help="keep the generated worlds here")
    parser.add_argument("--template", type=Path, help="reuse a template dir written by --keep")
    parser.add_argument(
        "--source",
        choices=("with", "without", "both"),
        default="both",
        help="scan with --source (findings linked to HCL, a verified patch per misconfiguration)"
        " or state + snapshot only",
    )
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = ns.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        cached = (ns.template or work) / "template.json"
        if cached.is_file():
            template = Template(**json.loads(cached.read_text()))
        else:
            template = apply_template(work)
            cached.write_text(json.dumps({"state": template.state, "snapshot": template.snapshot}))
        print(
            f"{'N':>6} {'source':>7} {'wall s':>7} {'ms/res':>7} {'peak MB':>8} "
            f"{'findings':>8} {'patches':>7}"
        )
        modes = {"with": (True,), "without": (False,), "both": (False, True)}[ns.source]
        for n in ns.n:
            units = max(1, n // PER_UNIT)
            out = work / f"n{n}"
            if out.exists():
                import shutil

                shutil.rmtree(out)
            state, live, src = replicate(template, units, out)
            for with_source in modes:
                report = out / "report.json"
                args = scan_args(state, live, src if with_source else None, report)
                wall, peak = timed_scan(args)
                doc = json.loads(report.read_text())
                resources = units * PER_UNIT
                print(
                    f"{resources:>6} {'with' if with_source else 'without':>7} {wall:>7.1f} "
                    f"{wall / resources * 1000:>7.2f} {peak:>8.0f} "
                    f"{len(doc['findings']):>8} {len(doc['patches']):>7}",
                    flush=True,
                )
        if ns.profile:
            profile(args, ns.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
