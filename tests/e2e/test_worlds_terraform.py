"""Worlds with the real Terraform CLI: the demo stack applied to moto, then Terraform's own
refresh as the oracle for the world's noise and for every change `inject()` makes.

The expectations come from fixtures/worlds/demo/oracle.json (what scripts/record_fixtures.py saw):
this checks that today's Terraform, provider and moto still see the same thing, on a world
built by a real apply (not a replay) and on a replayed one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from driftpatch.demo import worlds
from driftpatch.demo.worlds import Drift, World
from driftpatch.embedded import EmbeddedAws
from driftpatch.model import Kind
from driftpatch.terraform.binary import Terraform

pytestmark = [pytest.mark.terraform, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
ORACLE = json.loads((REPO / worlds.WORLDS_DIR / "demo" / "oracle.json").read_text())


def refresh(terraform: Terraform, aws: EmbeddedAws, world: World) -> dict[str, Drift]:
    tf = worlds.configured(terraform, aws, world.workdir)
    if not (world.root / ".terraform").is_dir():
        worlds.init(tf, world.root)
    out = world.root / "refresh.tfplan"
    tf.plan(world.root, out, refresh_only=True)
    plan: dict[str, Any] = json.loads(tf.show_json(out, world.root))
    return worlds.resource_drift(plan)


def shape(drift: Mapping[str, Drift]) -> dict[str, Any]:
    """Addresses with their changed paths (or deletion): what must match, values aside."""
    return {a: "deleted" if d.deleted else sorted(d.paths) for a, d in drift.items()}


def oracle_shape(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {a: "deleted" if e.get("deleted") else sorted(e["paths"]) for a, e in doc.items()}


def as_driftpatch_paths(entry: Drift) -> dict[str, Any]:
    """Terraform's changed paths, plus the names driftpatch gives two of them: the first tag of
    an untagged resource (`tags: null -> {K: v}`) is `tags.K`; a split S3 configuration's
    one-element `rule` block, which Terraform descends into, is compared whole as `rule`."""
    paths: dict[str, Any] = dict(entry.paths)
    before, after = paths.get("tags", (None, None))
    if before is None and isinstance(after, dict):
        paths.update({f"tags.{k}": (None, v) for k, v in after.items()})
    if any(p.startswith("rule[") for p in entry.paths):
        paths["rule"] = (None, None)
    return paths


@pytest.mark.parametrize("name", tuple(worlds.STACKS))
def test_stacks_validate(name: str, terraform: Terraform, tmp_path: Path) -> None:
    root = worlds.copy_stack(worlds.stack_path(name, REPO), tmp_path)
    terraform.init(root)
    terraform.run(["validate", "-no-color"], root)


@pytest.fixture(scope="module")
def applied(
    moto_server: EmbeddedAws, terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The demo stack, applied for real (-parallelism=10)."""
    workdir = tmp_path_factory.mktemp("applied")
    yield worlds.deploy(moto_server, REPO / "terraform", workdir, terraform=terraform)


def test_applied_world_has_only_the_known_noise(
    applied: World, moto_server: EmbeddedAws, terraform: Terraform
) -> None:
    assert applied.used_terraform
    assert shape(refresh(terraform, moto_server, applied)) == oracle_shape(ORACLE["noise"])


def test_terraform_sees_every_injected_change(
    applied: World, moto_server: EmbeddedAws, terraform: Terraform
) -> None:
    noise = refresh(terraform, moto_server, applied)
    changes = worlds.inject(applied)
    seen = worlds.beyond(refresh(terraform, moto_server, applied), noise)
    for change in changes:
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
    # ...and nothing else than the recording saw.
    assert shape(seen) == oracle_shape(ORACLE["all_at_once"])


def test_replayed_world_looks_the_same_to_terraform(
    moto_server: EmbeddedAws, terraform: Terraform, tmp_path: Path
) -> None:
    world = worlds.deploy(moto_server, REPO / "terraform", tmp_path, terraform=None)
    assert shape(refresh(terraform, moto_server, world)) == oracle_shape(ORACLE["noise"])
