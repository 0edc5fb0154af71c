"""The proof against the oracle, on a world built by a real `terraform apply` (not a replay).

1. The demo and the large stack, applied by Terraform + hashicorp/aws 5.100.0 to moto, scan to
   zero drift, though Terraform's own refresh reports noise on them (`tags: null -> {}`...).
2. After console-style changes, driftpatch's drift findings are exactly what
   `terraform plan -refresh-only` reports beyond that noise, read through four documented
   differences of presentation: Terraform repeats a tag change under `tags_all` (and shows the
   first tag of an untagged resource as `tags: null -> {...}`, driftpatch as `tags.KEY`); it
   shows a change to a separate `aws_security_group_rule` a second time as the group's inline
   `ingress`, and a change to a split S3 configuration resource a second time as the bucket's
   deprecated attribute of the same name (driftpatch reports each once, on the resource the code
   declares); and it descends into a split configuration's one-element `rule` block, which
   driftpatch compares whole.
3. driftpatch's patch, applied with `git apply`, is fmt-clean and valid, and `terraform plan`
   on it shows no change for any codified attribute, exactly one import (and no other change) per
   unmanaged resource, and a `forget` for each resource the code now records as removed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from driftpatch import api
from driftpatch.config import Config, VerifyMode
from driftpatch.demo import worlds
from driftpatch.demo.worlds import Drift, World
from driftpatch.embedded import DEFAULT_REGION, EmbeddedAws
from driftpatch.fix.remedies import default_tag_keys
from driftpatch.model import Kind, PatchAction, Report
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.source import index_source

from .test_worlds_terraform import ORACLE, as_driftpatch_paths, oracle_shape, shape

pytestmark = [pytest.mark.terraform, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Proof:
    world: World
    tf: Terraform
    clean: Report
    noise: dict[str, Drift]
    changes: tuple[worlds.Change, ...]
    drifted: Report
    refreshed: dict[str, Drift]


def _refresh(tf: Terraform, world: World) -> dict[str, Drift]:
    out = world.root / "refresh.tfplan"
    tf.plan(world.root, out, refresh_only=True)
    return worlds.resource_drift(json.loads(tf.show_json(out, world.root)))


@pytest.fixture(scope="module", params=["demo", "large"])
def proof(
    request: pytest.FixtureRequest,
    moto_env: EmbeddedAws,
    terraform: Terraform,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Proof]:
    """The demo stack, and the large one (nested modules, count, for_each with dotted keys)."""
    workdir = tmp_path_factory.mktemp(f"oracle-{request.param}")
    stack = worlds.stack_path(request.param, REPO)
    world = worlds.deploy(moto_env, stack, workdir, terraform=terraform)
    tf = worlds.configured(terraform, moto_env, world.workdir)
    config = Config(
        states=(str(world.state_path),),
        source=world.root,
        repo_root=world.workdir,
        regions=(DEFAULT_REGION,),
        endpoint_url=moto_env.endpoint_url,
        checkov=False,
        # This test plans the whole combined patch itself (replacing fixes included);
        # per-patch Terraform verification is test_verify_terraform's.
        verify=VerifyMode.STATIC,
    )
    clean = api.scan(config)
    noise = _refresh(tf, world)
    changes = worlds.inject(world)
    drifted = api.scan(config)
    refreshed = worlds.beyond(_refresh(tf, world), noise)
    yield Proof(world, tf, clean, noise, changes, drifted, refreshed)


def _drift_keys(report: Report) -> set[tuple[str, str]]:
    return {
        (str(f.address), str(f.attribute) if f.kind is Kind.DRIFT else "deleted")
        for f in report.findings
        if f.kind in (Kind.DRIFT, Kind.MISSING)
    }


def _terraform_keys(drift: dict[str, Drift], noise: dict[str, Drift]) -> set[tuple[str, str]]:
    """Terraform's view with its two repetitions folded (see the module docstring)."""
    keys: set[tuple[str, str]] = set()
    for address, entry in drift.items():
        if entry.deleted:
            keys.add((address, "deleted"))
            continue
        for path, (before, after) in entry.paths.items():
            if path.startswith("tags_all.") and (
                "tags." + path.removeprefix("tags_all.") in entry.paths or "tags" in entry.paths
            ):
                continue
            if path == "tags" and before is None and isinstance(after, dict):
                keys.update((address, f"tags.{k}") for k in after)
                continue
            if _split_echo(address, path, drift):
                continue
            if ".aws_s3_bucket_" in f".{address}" and path.startswith("rule["):
                keys.add((address, "rule"))
                continue
            base = noise[address].paths[path][1] if path in _paths(noise, address) else before
            if path in ("ingress", "egress") and _rule_echo(address, base, after, drift):
                continue
            keys.add((address, path))
    return keys


def _split_echo(address: str, path: str, drift: dict[str, Drift]) -> bool:
    """A bucket's deprecated `server_side_encryption_configuration` (or another split
    configuration's attribute) repeating a drifted split resource of the same bucket."""
    bucket = re.match(r"^(.*)aws_s3_bucket\.([^.]+)$", address)
    if bucket is None:
        return False
    attribute = re.split(r"[.\[]", path)[0]
    split = f"{bucket.group(1)}aws_s3_bucket_{attribute}.{bucket.group(2)}"
    return split in drift and not drift[split].deleted


def _paths(drift: dict[str, Drift], address: str) -> dict[str, tuple[Any, Any]]:
    entry = drift.get(address)
    return dict(entry.paths) if entry is not None else {}


def _rule_echo(address: str, before: Any, after: Any, drift: dict[str, Drift]) -> bool:
    """A group's inline rules (as the clean refresh saw them) that differ only in a description
    a drifted separate `aws_security_group_rule` of the same module explains."""
    group = re.match(r"^(.*)aws_security_group\.[^.]+$", address)
    if group is None:
        return False
    rules_drifted = any(
        a.startswith(group.group(1) + "aws_security_group_rule.") and "description" in d.paths
        for a, d in drift.items()
    )

    def shape(rules: Any) -> list[str]:
        return sorted(str({k: v for k, v in r.items() if k != "description"}) for r in rules or [])

    return rules_drifted and shape(before) == shape(after)


def test_terraform_applied_world_scans_to_zero_drift(proof: Proof) -> None:
    assert proof.world.used_terraform
    assert proof.noise, "Terraform's refresh reports noise on this world; driftpatch must not"
    assert [
        (f.kind.value, f.address, f.attribute)
        for f in proof.clean.findings
        if f.kind is not Kind.MISCONFIG
    ] == []
    assert proof.clean.errors == ()


def test_applied_demo_has_only_the_recorded_noise(proof: Proof) -> None:
    """Today's Terraform, provider and moto see on the applied demo the noise the recording
    saw (fixtures/worlds/demo/oracle.json; the replayed world: test_worlds_terraform.py)."""
    if proof.world.name != "demo":
        pytest.skip("the recording's oracle is the demo's")
    assert shape(proof.noise) == oracle_shape(ORACLE["noise"])


def test_terraform_sees_every_injected_change(proof: Proof) -> None:
    """Each change inject() made is in Terraform's refresh at its address and attribute, with
    its values, and nothing beyond what the recording saw."""
    if proof.world.name != "demo":
        pytest.skip("the recording's oracle is the demo's")
    seen = proof.refreshed
    for change in proof.changes:
        if change.kind is Kind.UNMANAGED:
            assert change.address is None  # Terraform never looks at what it does not manage
            continue
        assert change.address in seen, change.name
        entry = seen[change.address]
        if change.kind is Kind.MISSING:
            assert entry.deleted, change.name
        else:
            paths = as_driftpatch_paths(entry)
            assert change.attribute in paths, (change.name, sorted(entry.paths))
            if change.expected is not None or change.actual is not None:
                assert paths[str(change.attribute)] == (change.expected, change.actual)
    assert shape(seen) == oracle_shape(ORACLE["all_at_once"])


def test_drift_agrees_with_terraform_refresh_only(proof: Proof) -> None:
    assert _drift_keys(proof.drifted) == _terraform_keys(proof.refreshed, proof.noise)
    # Values too, where Terraform shows scalars.
    by_key = {(f.address, f.attribute): f for f in proof.drifted.findings if f.kind is Kind.DRIFT}
    for address, entry in proof.refreshed.items():
        for path, (before, after) in entry.paths.items():
            f = by_key.get((address, path))
            if (
                f is not None
                and not isinstance(before, list | dict)
                and path != "assume_role_policy"
            ):
                assert (f.expected, f.actual) == (before, after), (address, path)


def test_every_injected_change_once(proof: Proof) -> None:
    found = sorted(
        (f.kind, f.address, f.attribute)
        for f in proof.drifted.findings
        if f.kind is not Kind.MISCONFIG and f.kind is not Kind.UNMANAGED
    )
    assert found == sorted(
        (c.kind, c.address, c.attribute) for c in proof.changes if c.kind is not Kind.UNMANAGED
    )
    assert [f.resource_id for f in proof.drifted.findings if f.kind is Kind.UNMANAGED] == [
        c.resource_id for c in proof.changes if c.kind is Kind.UNMANAGED
    ]


def _plan(tf: Terraform, root: Path) -> dict[str, Any]:
    out = root / "after.tfplan"
    tf.plan(root, out)
    doc: dict[str, Any] = json.loads(tf.show_json(out, root))
    return doc


def test_patched_code_plans_as_promised(proof: Proof, tmp_path: Path) -> None:
    report, world, tf = proof.drifted, proof.world, proof.tf
    assert report.patches and all(p.verified for p in report.patches), [
        p.note for p in report.patches if not p.verified
    ]
    git = shutil.which("git")
    if git is None:
        pytest.skip("needs git")
    patch = tmp_path / "fix.patch"
    patch.write_text(report.combined_patch)
    subprocess.run([git, "init", "-q"], cwd=world.workdir, check=True)
    applied = subprocess.run(
        [git, "apply", str(patch)], cwd=world.workdir, capture_output=True, text=True, check=False
    )
    assert applied.returncode == 0, applied.stderr
    tf.run(["fmt", "-check", "-recursive", "-no-color", str(world.workdir)], world.root)
    tf.run(["validate", "-no-color"], world.root)

    doc = _plan(tf, world.root)
    changes = {rc["address"]: rc for rc in doc.get("resource_changes", [])}
    findings = {f.id: f for f in report.findings}

    for p in report.patches:
        if p.action is not PatchAction.CODIFY:
            continue
        for fid in p.finding_ids:
            f = findings[fid]
            rc = changes.get(str(f.address))
            if rc is None or rc["change"]["actions"] == ["no-op"]:
                continue
            assert rc["change"]["actions"] == ["update"], (f.address, rc["change"]["actions"])
            top = str(f.attribute).split(".")[0].split("[")[0]
            before, after = rc["change"]["before"], rc["change"]["after"]
            assert before.get(top) == after.get(top), (f.address, top)

    imports = {a: rc for a, rc in changes.items() if rc["change"].get("importing")}
    unmanaged = [f for f in report.findings if f.kind is Kind.UNMANAGED]
    # Each unmanaged resource is imported; so is what a codify adopts beside its new block (a
    # rule added by hand to a group made inside a module: a root rule resource + import).
    unmanaged_ids = {f.resource_id for f in unmanaged}
    by_id = {rc["change"]["importing"]["id"]: a for a, rc in imports.items()}
    assert unmanaged_ids <= set(by_id)
    adopted = sorted(a for i, a in by_id.items() if i not in unmanaged_ids)
    codified = [p for p in report.patches if p.action is PatchAction.CODIFY]
    assert all(any(f"to = {a}" in p.diff for p in codified) for a in adopted)
    want = ["aws_security_group_rule.network_ingress_tcp_8080"] if world.name == "demo" else []
    assert adopted == want
    imported_tf = (world.root / "imported.tf").read_text()
    for address, rc in imports.items():
        change = rc["change"]
        diff = worlds.changed_paths(change["before"], change["after"])
        if change["actions"] == ["no-op"]:
            continue
        # The provider has default_tags: the first apply tags the adopted object, and the
        # patch says so. Nothing else may change (force_destroy is state-only: null from the
        # import, false once the update writes the object).
        assert change["actions"] == ["update"], (address, change["actions"])
        added = sorted(p.removeprefix("tags_all.") for p in diff if p.startswith("tags_all."))
        assert added and set(diff) - {f"tags_all.{k}" for k in added} <= {"force_destroy"}, diff
        assert diff.get("force_destroy", (None, False)) == (None, False)
        defaults = default_tag_keys(index_source(world.root))
        assert set(added) <= set(defaults)
        words = " ".join(imported_tf.replace("#", " ").split())
        assert "default_tags add " + ", ".join(k for k in defaults if k in added) in words

    removed = {
        str(findings[fid].address)
        for p in report.patches
        if p.action is PatchAction.REMOVE
        for fid in p.finding_ids
    }
    for address in removed:
        assert changes[address]["change"]["actions"] == ["forget"], address
