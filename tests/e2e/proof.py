"""Issue 9's Done-when, as one check shared by the e2e worlds: a report's default patch file
applies with `git apply` from the repository root, is `terraform fmt -check` clean, passes
`terraform validate`, and `terraform plan` shows exactly each default patch's `plan_effect`
and no destroy or replace (beyond what the unpatched code already plans, where a world has
such noise of its own)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from driftpatch.model import Report
from driftpatch.terraform.binary import Terraform

_ACTIONS = {
    ("no-op",): "none",
    ("update",): "update",
    ("create",): "create",
    ("delete",): "destroy",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("forget",): "forget",
}


def effects(plan: Mapping[str, Any]) -> dict[str, str]:
    """Address -> what `terraform show -json PLAN` says happens to it, in plan_effect's words."""
    out: dict[str, str] = {}
    for rc in plan.get("resource_changes", []):
        actions = tuple(rc["change"]["actions"])
        effect = _ACTIONS.get(actions, "+".join(actions))
        if rc["change"].get("importing") and effect in ("none", "update"):
            effect = "import"
        out[rc["address"]] = effect
    return out


def planned(tf: Terraform, root: Path, name: str) -> dict[str, str]:
    """The effects of `terraform plan` of `root` (no lock, no input)."""
    out = root / f"{name}.tfplan"
    tf.run(["plan", "-lock=false", "-input=false", "-no-color", f"-out={out.name}"], root)
    return effects(json.loads(tf.show_json(out, root)))


def harmful(plan: Mapping[str, str]) -> dict[str, str]:
    return {a: e for a, e in plan.items() if e in ("destroy", "replace")}


def prove_default_patch(
    report: Report,
    repo: Path,
    root: Path,
    tf: Terraform,
    patch_file: Path,
    baseline: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Apply `report`'s combined (default) patch in `repo` (the repository root; `root` the
    Terraform root module inside it) and prove it; the plan's effects are returned.
    `baseline`: the unpatched code's plan effects, where the world plans changes of its own."""
    default = [p for p in report.patches if p.in_default_patch]
    if not default:
        assert report.combined_patch == ""
        return {}
    git = shutil.which("git")
    if git is None:
        pytest.skip("needs git")
    patch_file.write_text(report.combined_patch)
    for args in (["apply", "--check", str(patch_file)], ["apply", str(patch_file)]):
        done = subprocess.run([git, *args], cwd=repo, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    touched = sorted({p.file for p in default})
    fmt = tf.run(["fmt", "-check", "-list=true", *touched], repo, check=False)
    assert (fmt.returncode, fmt.stdout) == (0, b""), fmt.stderr
    tf.run(["validate", "-no-color"], root)
    after = planned(tf, root, "patched")
    before = baseline or {}
    for p in default:
        for address, effect in p.plan_effect.items():
            assert after.get(address, "none") == effect.value, (p.file, address, after)
    assert {a: e for a, e in harmful(after).items() if before.get(a) != e} == {}
    return after
