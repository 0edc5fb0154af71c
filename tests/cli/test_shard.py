"""`scan --shard i/n` + `report merge`: the n parts of a scan merge into the unsharded scan's
findings and summary, whether the parts are dealt by state (n <= states) or by state and region
(n > states), and each part reports something of its own.

The world is the demo's (its state split in two state files, its code as --source) against an
offline snapshot with a drifted tag, a missing security group and an unmanaged bucket, so
every kind of finding (drift, missing, unmanaged, misconfig from live, state and code) is dealt.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import REPO, run_cli
from tests.fuzz.scan_world import STATE_BYTES, STATE_DOC, snapshot_of


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shard")
    resources = STATE_DOC["resources"]
    for k in range(2):  # two states, each with every other resource
        doc = {**STATE_DOC, "resources": resources[k::2], "lineage": f"shard-test-{k}"}
        (root / f"s{k}.tfstate").write_text(json.dumps(doc))
    snap: dict[str, Any] = snapshot_of(STATE_BYTES)
    live = snap["resources"]
    bucket = next(r for r in live if r["type"] == "aws_s3_bucket")
    for key in ("tags", "tags_all"):
        bucket["attributes"][key] = {**(bucket["attributes"].get(key) or {}), "Env": "hand"}
    group = next(r for r in live if r["type"] == "aws_security_group")
    live.remove(group)  # deleted by hand: missing
    stray = copy.deepcopy(bucket)
    stray["id"] = stray["attributes"]["id"] = stray["attributes"]["bucket"] = "stray-bucket"
    live.append(stray)  # made by hand: unmanaged
    (root / "live.json").write_text(json.dumps(snap))
    return root


def scan(world: Path, out: str, *extra: str) -> dict[str, Any]:
    proc = run_cli(
        "scan", "--state", "s0.tfstate", "--state", "s1.tfstate", "--live", "live.json",
        "--source", str(REPO / "terraform"), "--no-checkov", "--verify", "static",
        "--fail-on", "none", "-o", f"json:{out}", *extra, cwd=world,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads((world / out).read_text())
    return doc


@pytest.fixture(scope="module")
def whole(world: Path) -> dict[str, Any]:
    doc = scan(world, "whole.json")
    kinds = {f["kind"] for f in doc["findings"]}
    assert kinds == {"drift", "missing", "unmanaged", "misconfig"}, kinds
    return doc


@pytest.mark.parametrize("n", [2, 3])
def test_merged_shards_equal_the_whole_scan(world: Path, whole: dict[str, Any], n: int) -> None:
    parts = [scan(world, f"part{i}of{n}.json", "--shard", f"{i}/{n}") for i in range(1, n + 1)]
    for i, part in enumerate(parts, start=1):
        assert part["stats"]["shard"] == f"{i}/{n}"
        assert part["findings"], f"shard {i}/{n} got nothing: the dealing is lopsided"
    names = [f"part{i}of{n}.json" for i in range(1, n + 1)]
    proc = run_cli(
        "report", "merge", *names, "-o", f"json:merged{n}.json", "--fail-on", "none", cwd=world
    )
    assert proc.returncode == 0, proc.stderr
    merged = json.loads((world / f"merged{n}.json").read_text())
    assert {f["id"] for f in merged["findings"]} == {f["id"] for f in whole["findings"]}
    assert merged["summary"] == whole["summary"]
    assert sorted(r["address"] or r["id"] for r in merged["resources"]) == sorted(
        r["address"] or r["id"] for r in whole["resources"]
    )
    # Disjoint: each finding is made (and patched) by one shard only.
    ids = [f["id"] for part in parts for f in part["findings"]]
    assert len(ids) == len(set(ids))


def test_bad_shard_is_usage_error(world: Path) -> None:
    for spec in ("0/2", "3/2", "1", "a/b", "1/0"):
        proc = run_cli("scan", "--state", "s0.tfstate", "--live", "live.json", "--shard", spec,
                       cwd=world)  # fmt: skip
        assert proc.returncode == 2, (spec, proc.stderr)
        assert len([ln for ln in proc.stderr.splitlines() if ln.strip()]) == 1, proc.stderr
        assert "--shard" in proc.stderr
