#!/usr/bin/env python
"""Regenerate everything under fixtures/worlds/ with the real Terraform CLI and moto.

    DRIFTPATCH_TF_PLUGIN_MIRROR=/path/to/mirror python scripts/record_fixtures.py [--stack NAME]

NAME is demo (terraform/ + modules/), large, insecure (fixtures/stacks/...) or all (default).
Needs the Terraform CLI (on PATH or in $DRIFTPATCH_TERRAFORM) and a filesystem mirror of
hashicorp/aws in $DRIFTPATCH_TF_PLUGIN_MIRROR; refuses to run without them. Takes a few minutes
per stack (the recorded apply runs with -parallelism=1, and the oracle refreshes once per change).

For each stack, fixtures/worlds/<name>/ gets:

  world.json          what made the recording (seed; moto, Terraform and provider versions; the
                      stack's digest) and how long things took
  terraform.tfstate   the state `terraform apply` wrote
  recording.jsonl.gz  every request of that apply, in moto's recorder format: what
                      `worlds.deploy(..., terraform=None)` replays on a machine without Terraform
  plan-create.json    `terraform plan` before the apply (everything to create): input for `check`
  plan-clean.json     `terraform plan` right after the apply: no changes; its resource_drift is
                      the refresh noise of a clean world
  plan-drift.json     `terraform plan -refresh-only` after `inject()` of every change the stack has
  changes.json        those changes (`worlds.Change.to_json()`)
  oracle.json         per change, what Terraform's refresh reports beyond the clean noise

and fixtures/worlds/DRIFT_ORACLE.md summarises every oracle.json. Before writing anything about
drift, the script replays the new recording on a reset server and checks that Terraform sees the
replayed world exactly as it saw the applied one.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from driftpatch.demo import worlds  # noqa: E402
from driftpatch.embedded import EmbeddedAws, embedded_aws  # noqa: E402
from driftpatch.terraform.binary import (  # noqa: E402
    MIRROR_ENV,
    Terraform,
    plugin_mirror,
)

ORACLE_MD = REPO / worlds.WORLDS_DIR / "DRIFT_ORACLE.md"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def write_json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n")


def plan_json(tf: Terraform, root: Path, *, refresh_only: bool = False) -> dict[str, Any]:
    out = root / ("refresh.tfplan" if refresh_only else "plan.tfplan")
    tf.plan(root, out, refresh_only=refresh_only)
    doc: dict[str, Any] = json.loads(tf.show_json(out, root))
    out.unlink()
    return doc


def provider_version(tf: Terraform, root: Path) -> str:
    doc = json.loads(tf.run(["version", "-json"], root).stdout)
    selections = doc.get("provider_selections", {})
    return str(selections.get("registry.terraform.io/hashicorp/aws", "unknown"))


def drift_json(drift: Mapping[str, worlds.Drift]) -> dict[str, Any]:
    return {
        address: {"deleted": True}
        if entry.deleted
        else {"paths": {p: list(v) for p, v in entry.paths.items()}}
        for address, entry in sorted(drift.items())
    }


def drift_from_json(doc: Mapping[str, Any]) -> dict[str, worlds.Drift]:
    return {
        address: worlds.Drift(
            address,
            bool(entry.get("deleted")),
            {p: (v[0], v[1]) for p, v in entry.get("paths", {}).items()},
        )
        for address, entry in doc.items()
    }


def same_drift(a: Mapping[str, worlds.Drift], b: Mapping[str, worlds.Drift]) -> list[str]:
    """Differences between two drift maps, ignoring values (paths and deletions only)."""
    problems = []
    for address in sorted(set(a) | set(b)):
        x, y = a.get(address), b.get(address)
        if x is None or y is None or x.deleted != y.deleted or set(x.paths) != set(y.paths):
            problems.append(address)
    return problems


def record_stack(aws: EmbeddedAws, tf: Terraform, name: str, scratch: Path) -> dict[str, Any]:
    stack = worlds.stack_path(name, REPO)
    dest = REPO / worlds.WORLDS_DIR / name
    dest.mkdir(parents=True, exist_ok=True)
    log(f"{name}: validate, plan before apply")
    aws.reset()
    tfc, root = worlds.initialised(tf, aws, stack, scratch / "create")
    tfc.run(["validate", "-no-color"], root)
    write_json(dest / "plan-create.json", plan_json(tfc, root))

    log(f"{name}: recorded apply (-parallelism=1)")
    world, raw, apply_seconds = worlds.record(
        aws, stack, scratch / "applied", tf, seed_value=worlds.DEFAULT_SEED
    )
    shutil.copyfile(world.state_path, dest / worlds.STATE_FILE)
    requests = worlds.write_recording(dest / worlds.RECORDING_FILE, raw)
    tfa = worlds.configured(tf, aws, world.workdir)
    log(f"{name}: {requests} requests in {apply_seconds:.1f}s; clean plan")
    clean = plan_json(tfa, world.root)
    changes = [
        rc["address"]
        for rc in clean.get("resource_changes", [])
        if rc["change"]["actions"] != ["no-op"]
    ]
    if changes:
        raise SystemExit(f"{name}: the plan right after apply is not empty: {changes}")
    write_json(dest / "plan-clean.json", clean)
    noise = worlds.resource_drift(clean)
    meta = {
        "stack": worlds.STACKS[name],
        "stack_sha256": worlds.stack_digest(stack),
        "seed": worlds.DEFAULT_SEED,
        "moto": worlds.moto_version(),
        "terraform": tf.version(),
        "provider": provider_version(tfa, world.root),
        "requests": requests,
        "managed_resources": sum(1 for _ in worlds.managed_instances(world.state())),
        "apply_seconds_parallelism_1": round(apply_seconds, 1),
        "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    write_json(dest / worlds.META_FILE, meta)

    log(f"{name}: replaying the recording to check it")
    started = time.monotonic()
    replayed = worlds.deploy(aws, stack, scratch / "replayed", terraform=None)
    meta["replay_seconds"] = round(time.monotonic() - started, 1)
    tfr = worlds.configured(tf, aws, replayed.workdir)
    worlds.init(tfr, replayed.root)
    replay_noise = worlds.resource_drift(plan_json(tfr, replayed.root, refresh_only=True))
    differs = same_drift(noise, replay_noise)
    if differs:
        raise SystemExit(f"{name}: Terraform sees the replayed world differently at {differs}")
    write_json(dest / worlds.META_FILE, meta)

    if not worlds.available_changes(replayed):
        log(f"{name}: no inject() targets: no drift oracle")
        return meta

    oracle: list[dict[str, Any]] = []
    work = scratch / "oracle"
    for change in worlds.available_changes(replayed):
        log(f"{name}: oracle for {change}")
        w = worlds.deploy(aws, stack, work, terraform=None)
        injected = worlds.inject(w, [change])
        tfo = worlds.configured(tf, aws, work)
        if not (w.root / ".terraform").is_dir():
            worlds.init(tfo, w.root)
        seen = worlds.beyond(
            worlds.resource_drift(plan_json(tfo, w.root, refresh_only=True)), noise
        )
        oracle.append(
            {
                "change": change,
                "injected": [c.to_json() for c in injected],
                "terraform": drift_json(seen),
            }
        )

    log(f"{name}: every change at once")
    w = worlds.deploy(aws, stack, work, terraform=None)
    injected = worlds.inject(w)
    write_json(dest / "changes.json", [c.to_json() for c in injected])
    tfo = worlds.configured(tf, aws, work)
    drifted = plan_json(tfo, w.root, refresh_only=True)
    write_json(dest / "plan-drift.json", drifted)
    write_json(
        dest / "oracle.json",
        {
            "stack": name,
            "noise": drift_json(noise),
            "changes": oracle,
            "all_at_once": drift_json(worlds.beyond(worlds.resource_drift(drifted), noise)),
        },
    )
    log(f"{name}: done ({meta['managed_resources']} resources)")
    return meta


# ----------------------------------------------------------------------------- DRIFT_ORACLE.md


def _short(value: Any, limit: int = 40) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(entry: Mapping[str, Any], limit: int = 8) -> str:
    if entry.get("deleted"):
        return "**removed from state**"
    paths = entry.get("paths", {})

    def one(path: str, before: Any, after: Any) -> str:
        if isinstance(before, list | dict) or isinstance(after, list | dict):
            # Whole lists and objects only when they are short (`tags`: null → {}).
            if len(json.dumps(before)) + len(json.dumps(after)) > 40:
                return f"`{path}`"
            return f"`{path}`: {json.dumps(before)} → {json.dumps(after)}"
        return f"`{path}`: {_short(before)} → {_short(after)}"

    items = [one(p, v[0], v[1]) for p, v in list(paths.items())[:limit]]
    if len(paths) > limit:
        items.append(f"… {len(paths) - limit} more")
    return "<br>".join(items)


def oracle_markdown(docs: Sequence[Mapping[str, Any]]) -> str:
    lines = [
        "# Drift oracle: what Terraform's refresh reports for each console-style change",
        "",
        "<!-- Generated by scripts/record_fixtures.py: do not edit by hand. -->",
        "",
        "For every change `driftpatch.demo.worlds.inject()` makes, the recorder replays",
        "the stack's recorded world on a fresh moto, makes that one change with boto3, runs",
        "`terraform plan -refresh-only` (hashicorp/aws, version in each `world.json`) and reads",
        "`resource_drift` from `terraform show -json`. The tables list what Terraform reports",
        "*beyond* the noise of a clean world (listed after each table): the first column is the",
        "address and attribute `inject()` returns, the last what Terraform shows. A mark in the",
        "middle column says whether Terraform's report covers the injected address (✓) or not (—:",
        "Terraform does not look at unmanaged resources).",
        "",
        "Paths use driftpatch's attribute syntax; lists of more than one element (rule sets,",
        "statement lists) are compared whole. `tags_all` follows `tags` wherever a tag changes.",
        "",
    ]
    for doc in docs:
        lines += [f"## {doc['stack']}", ""]
        lines += [
            "| change | inject() says | | Terraform's resource_drift |",
            "|---|---|---|---|",
        ]
        for item in doc["changes"]:
            injected = item["injected"]
            said = "<br>".join(
                f"`{c['address'] or c['resource_type'] + ' ' + c['resource_id']}`"
                + (f" `{c['attribute']}`" if c["attribute"] else "")
                + f" ({c['kind']})"
                for c in injected
            )
            tf = item["terraform"]
            covered = all(c["address"] in tf for c in injected if c["address"])
            mark = "✓" if covered and any(c["address"] for c in injected) else "—"
            seen = (
                "<br>".join(f"`{addr}`: {_describe(entry)}" for addr, entry in tf.items())
                or "nothing"
            )
            lines.append(f"| {item['change']} | {said} | {mark} | {seen} |")
        lines += ["", f"Noise in a clean `{doc['stack']}` world (right after apply):", ""]
        noise = doc["noise"]
        if not noise:
            lines.append("- none")
        for address, entry in noise.items():
            lines.append(f"- `{address}`: {_describe(entry, limit=20).replace('<br>', '; ')}")
        lines.append("")
    return "\n".join(lines)


def write_oracle_md() -> None:
    docs = []
    for name in worlds.STACKS:
        path = REPO / worlds.WORLDS_DIR / name / "oracle.json"
        if path.is_file():
            docs.append(json.loads(path.read_text()))
    ORACLE_MD.write_text(oracle_markdown(docs))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", choices=[*worlds.STACKS, "all"], default="all")
    parser.add_argument(
        "--markdown-only", action="store_true", help="only regenerate DRIFT_ORACLE.md"
    )
    args = parser.parse_args(argv)
    if args.markdown_only:
        write_oracle_md()
        return 0
    tf = Terraform.find()
    if tf is None:
        print("record_fixtures: needs the Terraform CLI on PATH", file=sys.stderr)
        return 2
    if plugin_mirror() is None:
        print(
            f"record_fixtures: needs ${MIRROR_ENV} naming a filesystem mirror of hashicorp/aws "
            "(a directory holding registry.terraform.io/hashicorp/aws/...)",
            file=sys.stderr,
        )
        return 2
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    names = list(worlds.STACKS) if args.stack == "all" else [args.stack]
    with tempfile.TemporaryDirectory(prefix="driftpatch-record-") as tmp:
        # moto's recorder appends to this file (read when moto is imported, so set it first).
        os.environ["MOTO_RECORDER_FILEPATH"] = str(Path(tmp) / "moto_recording")
        with embedded_aws() as aws:
            from moto.moto_api import recorder

            recorder._location = os.environ["MOTO_RECORDER_FILEPATH"]
            for name in names:
                scratch = Path(tmp) / name
                record_stack(aws, tf, name, scratch)
    write_oracle_md()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
