"""Issue 9's Done-when, as one check shared by the e2e worlds: a report's default patch file
applies with `git apply` from the repository root, is `terraform fmt -check` clean, passes
`terraform validate`, and `terraform plan` shows exactly each default patch's `plan_effect`
and no destroy or replace (beyond what the unpatched code already plans, where a world has
such noise of its own)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from driftpatch.model import Effect, Finding, Kind, Patch, PatchAction, Report
from driftpatch.terraform.binary import Terraform

from .thirdparty import Expected

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


def promises(patches: Sequence[Patch]) -> dict[str, set[str]]:
    """Address -> the plan effects the combined patch may show there. Each patch promises
    what it does alone; where several touch one address (a codified tag and an in-place fix
    of one instance; a drift codified and the rule's fix of the same value; two drifts of one
    instance codified one patch each), the combination shows one of their promises, never
    anything else (and never a destroy or replace)."""
    by_address: dict[str, set[str]] = {}
    for p in patches:
        for address, effect in p.plan_effect.items():
            by_address.setdefault(address, set()).add(effect.value)
            if p.action is PatchAction.CODIFY and effect is Effect.UPDATE:
                # A codify per finding leaves its neighbours' drift planned (`update`); with
                # their codifies the address may settle altogether.
                by_address[address].add(Effect.NONE.value)
    return by_address


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
    `baseline`: the unpatched code's plan effects (default: planned here first), so what the
    world plans of its own (a drift that only a replace reverts) is not blamed on the patch."""
    default = [p for p in report.patches if p.in_default_patch]
    if not default:
        assert report.combined_patch == ""
        return {}
    git = shutil.which("git")
    if git is None:
        pytest.skip("needs git")
    before = dict(baseline) if baseline is not None else planned(tf, root, "unpatched")
    patch_file.write_text(report.combined_patch)
    for args in (["apply", "--check", str(patch_file)], ["apply", str(patch_file)]):
        done = subprocess.run([git, *args], cwd=repo, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    touched = sorted({p.file for p in default})
    fmt = tf.run(["fmt", "-check", "-list=true", *touched], repo, check=False)
    assert (fmt.returncode, fmt.stdout) == (0, b""), fmt.stderr
    tf.run(["validate", "-no-color"], root)
    after = planned(tf, root, "patched")
    for address, promised in promises(default).items():
        assert after.get(address, "none") in promised, (address, promised, after)
    assert {a: e for a, e in harmful(after).items() if before.get(a) != e} == {}
    return after


# ----------------------------------------------------------------------------- per change


def finding_for(report: Report, e: Expected) -> Finding:
    """The one finding an out-of-band change must give: an unmanaged resource by its id, else
    the kind at the address (and the attribute, where the change names one; an attribute
    reported with an index, `ingress[0]`, counts as its name)."""
    if e.kind == "unmanaged":
        found = [
            f
            for f in report.findings
            if f.kind is Kind.UNMANAGED and f.resource_id == e.resource_id
        ]
    else:
        found = [
            f
            for f in report.findings
            if f.kind.value == e.kind
            and f.address == e.address
            and (
                e.attribute is None
                or e.attribute in (f.attribute, (f.attribute or "").split("[")[0])
            )
        ]
    assert len(found) == 1, (e.change, [(f.kind, f.address, f.attribute) for f in found])
    return found[0]


def block_span(repo: Path, rel: str, start: int) -> tuple[int, int]:
    """The lines of the top-level block that starts at `start` (its closing brace at col 0,
    heredoc bodies skipped)."""
    lines = (repo / rel).read_text().splitlines()
    heredoc: str | None = None
    for n in range(start, len(lines) + 1):
        text = lines[n - 1]
        if heredoc is not None:
            heredoc = None if text.strip() == heredoc else heredoc
            continue
        opened = re.search(r"<<-?([A-Z]+)\s*$", text)
        if opened:
            heredoc = opened.group(1)
        elif text == "}":
            return start, n
    raise AssertionError(f"no end of the block at {rel}:{start}")


def check_found(report: Report, repo: Path, e: Expected) -> Finding:
    """The change is found once, at its attribute, located inside the block a reviewer would
    open (an unmanaged resource: by its type, with no address)."""
    f = finding_for(report, e)
    if e.kind == "unmanaged":
        assert (f.resource_type, f.address) == (e.resource_type, None), e.change
        return f
    assert f.location is not None, e.change
    first, last = block_span(repo, e.file, e.line)
    assert (f.location.file, first <= f.location.start_line, f.location.end_line <= last) == (
        e.file,
        True,
        True,
    ), (e.change, f.location, first, last)
    return f


@dataclass(frozen=True)
class Want:
    """What a reviewer expects for one change.

    verdict: "patch" (a default, verified patch: in `file`, containing every `needles`
    string, plan_effect `effect` for the finding's address unless empty), "revert" (no
    codify patch; the advice `terraform apply -target=<address>` is true because the code
    states the value),
    "refuse" (no patch; the reason contains `reason`), "no-false-apply" (no patch, and the
    advice must not claim `terraform apply -target` restores it: the code does not manage it).
    `bug`: driftpatch is wrong here today (the test is xfail(strict=True) with this reason).
    """

    verdict: str
    file: str = ""
    needles: tuple[str, ...] = ()
    effect: str = "none"
    reason: str = ""
    bug: str = ""


def patches_for(report: Report, finding: Finding) -> list[Patch]:
    return [p for p in report.patches if finding.id in p.finding_ids]


def check_want(report: Report, f: Finding, want: Want) -> None:
    """The finding got what `want` says a reviewer expects."""
    patches = patches_for(report, f)
    if want.verdict == "patch":
        default = [p for p in patches if p.in_default_patch]
        assert len(default) == 1, [(p.action, p.verified, p.reason) for p in patches]
        [p] = default
        assert p.verified
        assert p.file == want.file, p.file
        # Spaces collapsed: fmt's alignment of `=` depends on the neighbours.
        added = "\n".join(
            " ".join(line[1:].split()) for line in p.diff.splitlines() if line.startswith("+")
        )
        for needle in want.needles:
            assert " ".join(needle.split()) in added, (needle, p.diff)
        if want.effect:
            target = f.address or next(iter(p.plan_effect))
            assert p.plan_effect[target].value == want.effect, p.plan_effect
        assert not p.replacing
        return
    assert [p for p in patches if p.in_default_patch] == []
    if want.verdict == "revert":
        assert f"terraform apply -target='{f.address}'" in f.remediation, f.remediation
    elif want.verdict == "refuse":
        assert "(No patch:" in f.remediation, f.remediation
        assert want.reason in f.remediation, f.remediation
    else:
        # An apply is never offered as the way: at most named as what would not help.
        text = f.remediation
        assert text.count("terraform apply -target") == text.count("alone would not restore it")
        assert "alone would not restore it" in text, text
        assert want.reason in text, text
        assert "one of several instances" not in text, text


def silent_drift(report: Report) -> list[tuple[str | None, str | None]]:
    """Drift findings with neither a default patch nor a stated reason (must be none)."""
    patched = {i for p in report.patches if p.in_default_patch for i in p.finding_ids}
    silent = []
    for f in report.findings:
        if f.kind is Kind.DRIFT and f.id not in patched:
            text = f.remediation
            if "(No patch:" not in text and "weakens security" not in text:
                silent.append((f.address, f.attribute))
    return silent
