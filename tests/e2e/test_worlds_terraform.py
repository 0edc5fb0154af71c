"""Worlds with the real Terraform CLI: every stack validates, and Terraform's own refresh of a
replayed demo world sees the noise fixtures/worlds/demo/oracle.json recorded (what
scripts/record_fixtures.py saw).

The same checks on the demo applied by a real `terraform apply` (the noise, and every change
`inject()` makes) run on tests/e2e/test_oracle_terraform.py's demo world, which applies,
refreshes and injects exactly that already: the helpers below are shared with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from driftpatch.demo import worlds
from driftpatch.demo.worlds import Drift, World
from driftpatch.embedded import EmbeddedAws
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


def test_replayed_world_looks_the_same_to_terraform(
    moto_server: EmbeddedAws, terraform: Terraform, tmp_path: Path
) -> None:
    world = worlds.deploy(moto_server, REPO / "terraform", tmp_path, terraform=None)
    assert shape(refresh(terraform, moto_server, world)) == oracle_shape(ORACLE["noise"])
