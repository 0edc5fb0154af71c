"""Verify every patch as strongly as this machine allows, and pick what `-o patch` writes.

Levels, weakest to strongest (`Patch.verified_by` lists those that ran and passed, in order):
`rule` (driftpatch re-evaluates the finding on the patched code, fix/verify.py), `schema` (the
edited blocks agree with the shipped provider schema, fix/static.py), `terraform-validate` and
`terraform-plan` (fix/judge.py). `--verify auto` (the default) uses Terraform when a CLI is on
PATH and the configuration's providers can be installed without asking anyone (the source
directory's `.terraform/providers`, a CLI configuration with `provider_installation` or
`plugin_cache_dir`, or $TF_PLUGIN_CACHE_DIR; driftpatch's own test mirror is not a reason:
with it, `--verify terraform` works, but auto does not make every test scan plan);
`static` stops at the schema; `terraform` insists (bad usage, exit 2, where it cannot).

What a plan must show (each patch alone on the original code, against the scan's state):
- codify: the codified attribute of each finding's address no longer changes; the address is
  neither destroyed nor replaced;
- fix / revert: relative to the plan of the unpatched code, only the attributes the patch
  writes change at the finding's address (in place or, reported as such, by replacement);
- import: each generated address is imported, and nothing changes beyond the `tags_all` that
  default_tags add (and the state-only `force_destroy`), nowhere else;
- remove: the address is forgotten (`forget`, or gone from the plan where the refreshed state
  no longer holds it and the code no longer declares it).
`plan_effect` gives the effect at every address whose planned change the patch alters, and at
the finding's addresses. The default patch holds only patches that passed every check that ran
(with the plan whenever a plan could run) and whose plan destroys and replaces nothing; the
combined default patch is planned once more as a whole.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from driftpatch.config import Include, VerifyMode
from driftpatch.errors import InputError
from driftpatch.fix import hcl_edit, tfgen
from driftpatch.fix.judge import Change, Outcome, Sandbox, SandboxError
from driftpatch.fix.remedies import Plan
from driftpatch.fix.static import check_files
from driftpatch.fix.verify import Applied, OpRecord, apply_plan
from driftpatch.model import Check, Effect, Finding, Patch, PatchAction
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import SourceIndex


class VerifyError(InputError):
    """`--verify terraform` was asked for and cannot be had (exit 2)."""


@dataclass(frozen=True)
class Settings:
    """How to verify, and what the scan knows that Terraform needs."""

    mode: VerifyMode = VerifyMode.AUTO
    # The state document the scan used (None: `check`, plan-only scans, several states).
    state: bytes | None = None
    state_note: str = ""  # why there is no state to plan against
    # The scan read live AWS, so one refresh brings the state to the scan's view.
    refresh: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    workers: int = 3
    include: frozenset[Include] = frozenset()
    kinds: frozenset[PatchAction] | None = None


@dataclass(frozen=True)
class Verified:
    patches: tuple[Patch, ...]
    combined: str
    notices: tuple[str, ...] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)


# -- availability ------------------------------------------------------------------------------


def terraform_for(mode: VerifyMode, index: SourceIndex | None) -> tuple[Terraform | None, str]:
    """The CLI to verify with, or None and why not. `terraform` mode raises instead."""
    if mode is VerifyMode.STATIC:
        return None, "static verification was asked for (--verify static)"
    tf = Terraform.find()
    if tf is None:
        if mode is VerifyMode.TERRAFORM:
            raise VerifyError("--verify terraform: no Terraform CLI on PATH")
        return None, "no Terraform CLI on PATH"
    env_cfg = os.environ.get("TF_CLI_CONFIG_FILE")
    if mode is VerifyMode.TERRAFORM:
        return tf, ""
    if index is not None and (index.source_dir / ".terraform" / "providers").is_dir():
        return tf, ""
    if "TF_CLI_CONFIG_FILE" in tf.env or _usable(env_cfg) or _usable(_default_cli_config()):
        return tf, ""
    cache = os.environ.get("TF_PLUGIN_CACHE_DIR")
    if cache and Path(cache).is_dir():
        return tf, ""
    return None, (
        "the providers cannot be installed offline (no .terraform/providers in the source, "
        "no CLI configuration or plugin cache)"
    )


def _usable(path: str | Path | None) -> bool:
    if not path:
        return False
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "provider_installation" in text or "plugin_cache_dir" in text


def _default_cli_config() -> Path:
    return Path.home() / ".terraformrc"


# -- checks ------------------------------------------------------------------------------------


@dataclass
class _Verdict:
    """The running verdict of one operation (mutable while the checks run)."""

    checks: list[Check]
    failure: str = ""
    effects: dict[str, Effect] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.failure and Check.RULE in self.checks

    @property
    def replacing(self) -> list[str]:
        return sorted(a for a, e in self.effects.items() if e in (Effect.DESTROY, Effect.REPLACE))


def _changed_names(index: SourceIndex, files: Mapping[str, str]) -> set[str]:
    """Argument and block names on the lines the patch adds or removes."""
    names: set[str] = set()
    pattern = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(=|\{)")
    for file, text in files.items():
        old = set((index.texts.get(file) or "").splitlines())
        new = set(text.splitlines())
        for line in old ^ new:
            m = pattern.match(line)
            if m:
                names.add(m.group(1))
    if "tags" in names:
        names.add("tags_all")
    return names


def _at(value: Any, path: str) -> Any:
    """The value at a finding's attribute path (`tags.Env`, `metadata_options[0].http_tokens`)."""
    try:
        steps = hcl_edit.parse_path(path)
    except hcl_edit.EditError:
        return None
    for step in steps:
        if not isinstance(value, Mapping):
            return None
        value = value.get(step.name)
        if step.index is not None:
            if not isinstance(value, list) or step.index >= len(value):
                return None
            value = value[step.index]
    return value


def _unknown(change: Change, path: str) -> bool:
    return bool(_at(change.after_unknown, path))


def _signature(c: Change) -> tuple[Any, ...]:
    return (c.actions, c.importing, repr(c.before), repr(c.after))


def _effects(
    base: Outcome, cand: Outcome, targets: Sequence[str]
) -> tuple[dict[str, Effect], set[str]]:
    """plan_effect of a candidate relative to the baseline, and the addresses it changed."""
    changed = {
        a
        for a, c in cand.changes.items()
        if a not in base.changes or _signature(base.changes[a]) != _signature(c)
    }
    effects = {a: cand.changes[a].effect for a in changed}
    for a in targets:
        if a in cand.changes:
            effects[a] = cand.changes[a].effect
    for a in base.changes:
        if a not in cand.changes:  # neither in the code nor (refreshed) in the state
            effects[a] = Effect.FORGET
            changed.add(a)
    return effects, changed


def _promise(
    op_action: PatchAction,
    record: OpRecord,
    findings: Sequence[Finding],
    index: SourceIndex,
    base: Outcome,
    cand: Outcome,
) -> tuple[dict[str, Effect], str]:
    """(plan_effect, why the plan breaks the patch's promise or "")."""
    targets = [str(f.address) for f in findings if f.address]
    imports = [
        str(e["address"])
        for e in record.operation.expect.get("imports", ())
        if isinstance(e, Mapping) and "address" in e
    ]
    effects, changed = _effects(base, cand, [*targets, *imports])
    if op_action is PatchAction.CODIFY:
        for f in findings:
            c = cand.changes.get(str(f.address))
            if c is None or not f.attribute:
                continue
            if c.effect in (Effect.DESTROY, Effect.REPLACE):
                return effects, f"terraform plan would {c.effect.value} {f.address}"
            before, after = _at(c.before, f.attribute), _at(c.after, f.attribute)
            if _unknown(c, f.attribute) or before != after:
                return effects, f"terraform plan still changes {f.address} {f.attribute}"
        return effects, ""
    if op_action in (PatchAction.FIX, PatchAction.REVERT):
        allowed = _changed_names(index, record.standalone)
        for a in targets:
            c = cand.changes.get(a)
            if c is None:
                continue
            prior = base.changes[a].after if a in base.changes else c.before
            # A replacement plans a new object from the configuration alone: what the code
            # does not set is null, empty or unknown there, not something the patch changed.
            fresh = c.effect is Effect.REPLACE
            moved = sorted(
                k
                for k in set(c.after) | set(prior)
                if not c.after_unknown.get(k)
                and c.after.get(k) != prior.get(k)
                and not (fresh and c.after.get(k) in (None, [], {}))
            )
            extra = [k for k in moved if k not in allowed]
            if extra:
                return effects, f"terraform plan also changes {a} {', '.join(extra)}"
        return effects, ""
    if op_action is PatchAction.IMPORT:
        for a in imports:
            c = cand.changes.get(a)
            if c is None or not c.importing:
                return effects, f"terraform plan does not import {a}"
            moved = sorted(
                k
                for k in set(c.after) | set(c.before)
                if not c.after_unknown.get(k) and c.after.get(k) != c.before.get(k)
            )
            extra = [k for k in moved if k not in ("tags_all", "force_destroy")]
            if extra:
                return effects, f"terraform plan of the import also changes {a} {', '.join(extra)}"
        others = sorted(changed - set(imports))
        if others:
            return effects, f"terraform plan also changes {others[0]}"
        return effects, ""
    if op_action is PatchAction.REMOVE:
        for a in targets:
            if effects.get(a, Effect.NONE) is not Effect.FORGET:
                return effects, f"terraform plan does not forget {a}"
        return effects, ""
    return effects, ""


# -- the whole run -----------------------------------------------------------------------------


def verify_patches(
    applied: Applied,
    plan: Plan,
    index: SourceIndex,
    findings: Mapping[str, Finding],
    settings: Settings,
) -> Verified:
    """Verify every operation's patches, mark the default ones, and build `-o patch`'s diff."""
    started = time.monotonic()
    records = list(applied.records)
    original_patches = list(applied.patches)
    verdicts = [
        _Verdict(checks=[Check.RULE] if applied.patches[r.patch_indices[0]].verified else [])
        for r in records
    ]
    for r, v in zip(records, verdicts, strict=True):
        if not v.checks:
            v.failure = applied.patches[r.patch_indices[0]].reason or "the rule still fires"
    schema = aws_schema()
    for r, v in zip(records, verdicts, strict=True):
        if v.failure:
            continue
        checked, problems = check_files(index, r.standalone, schema)
        if problems:
            v.failure = "provider schema: " + "; ".join(problems[:3])
        elif checked:
            v.checks.append(Check.SCHEMA)
    notices: list[str] = []
    tf, why_not = terraform_for(settings.mode, index)
    stats: dict[str, Any] = {"mode": "static" if tf is None else "terraform"}
    sandbox: Sandbox | None = None
    if tf is not None:
        try:
            sandbox = Sandbox(
                tf,
                index,
                state=settings.state,
                refresh=settings.refresh,
                env=settings.env,
                workers=settings.workers,
            )
        except SandboxError as exc:
            if settings.mode is VerifyMode.TERRAFORM:
                raise VerifyError(f"--verify terraform: {exc}") from exc
            why_not = str(exc)
            stats["mode"] = "static"
            notices.append(f"patches verified statically: {exc}")
    default_ops: list[int] = []
    base: Outcome | None = None
    try:
        alternatives: dict[int, _Alternative] = {}
        if sandbox is not None:
            alternatives = _generated_imports(sandbox, records, verdicts, index, stats)
            base = _judge_all(sandbox, records, verdicts, findings, index, settings, alternatives)
            for i, alt in alternatives.items():
                _choose(i, alt, records, verdicts, original_patches, base, stats)
        else:
            for v in verdicts:
                v.notes.append(f"not verified by Terraform: {why_not}")
        for i, v in enumerate(verdicts):
            if v.verified and not v.replacing:
                default_ops.append(i)
        combined = _combined(plan, records, default_ops, index)
        # One default patch alone was judged already; several are planned once more together.
        if sandbox is not None and base is not None and len(default_ops) > 1:
            whole = _final_texts(plan, records, default_ops, index)
            cand = sandbox.judge({"combined": whole})["combined"]
            if base.planned and cand.planned:
                effects, _ = _effects(base, cand, [])
                bad = sorted(a for a, e in effects.items() if e in (Effect.DESTROY, Effect.REPLACE))
                problem = f"together they would replace or destroy {bad[0]}" if bad else ""
            else:
                problem = cand.error if not cand.validated or base.planned else ""
            if problem:
                notices.append(f"the default patch is empty: {problem}")
                for i in default_ops:
                    verdicts[i].notes.append(f"left out of the default patch: {problem}")
                default_ops = []
                combined = ""
    finally:
        if sandbox is not None:
            stats["refreshed"] = sandbox.refreshed
            stats["candidates"] = sandbox.judged
            sandbox.close()
    patches = original_patches
    for i, (r, v) in enumerate(zip(records, verdicts, strict=True)):
        reason = v.failure or "; ".join(v.notes)
        if not v.failure and v.replacing:
            reason = f"terraform plan would replace or destroy {', '.join(v.replacing)}"
            if v.notes:
                reason += "; " + "; ".join(v.notes)
        for p in r.patch_indices:
            note = patches[p].note
            if v.failure and not patches[p].reason:  # verified by the rule, failed later
                note = f"{note}; not verified: {v.failure}"
            patches[p] = replace(
                patches[p],
                verified=v.verified,
                verified_by=tuple(v.checks),
                plan_effect=dict(sorted(v.effects.items())),
                in_default_patch=i in default_ops,
                reason=reason,
                note=note,
            )
    selected = select(records, patches, settings.include, settings.kinds)
    if selected != default_ops:
        combined = _combined(plan, records, selected, index)
    stats["duration_s"] = round(time.monotonic() - started, 3)
    return Verified(tuple(patches), combined, tuple(notices), stats)


def left_out(patches: Sequence[Patch]) -> dict[str, str]:
    """finding id -> a sentence for its remediation, for each finding that has patches but none
    in the default patch: why they were left out and how to write them anyway, so that no
    remediation promises a patch `-o patch` does not hold."""
    by_finding: dict[str, list[Patch]] = {}
    for p in patches:
        for fid in p.finding_ids:
            by_finding.setdefault(fid, []).append(p)
    out: dict[str, str] = {}
    for fid, mine in by_finding.items():
        if any(p.in_default_patch for p in mine):
            continue
        p = mine[0]
        needs = []
        if not p.verified:
            needs.append(Include.UNVERIFIED.value)
        if p.replacing:
            needs.append(Include.REPLACING.value)
        why = (p.reason or "not verified").rstrip(".")
        how = (
            f"`--patch-include {','.join(needs)}` writes it"
            if needs
            else "it did not hold together with the other default patches"
        )
        action = p.action.value
        out[fid] = f"(No patch: the {action} patch is left out of the default patch: {why}; {how}.)"
    return out


def select(
    records: Sequence[OpRecord],
    patches: Sequence[Patch],
    include: frozenset[Include],
    kinds: frozenset[PatchAction] | None,
) -> list[int]:
    """Indices of the records `-o patch` writes: the default ones, plus what --patch-include
    adds (an unverified patch needs `unverified`, a replacing one `replacing`, both if both),
    keeping only --patch-kinds."""
    out = []
    for i, r in enumerate(records):
        p = patches[r.patch_indices[0]]
        if kinds is not None and p.action not in kinds:
            continue
        if p.in_default_patch:
            out.append(i)
            continue
        needs: set[Include] = set()
        if not p.verified:
            needs.add(Include.UNVERIFIED)
        if p.replacing:
            needs.add(Include.REPLACING)
        if needs and needs <= include:
            out.append(i)
    return out


def _subplan(plan: Plan, records: Sequence[OpRecord], chosen: Sequence[int]) -> Plan:
    return Plan(tuple(records[i].operation for i in chosen), {}, {})


def _combined(
    plan: Plan, records: Sequence[OpRecord], chosen: Sequence[int], index: SourceIndex
) -> str:
    if not chosen:
        return ""
    return apply_plan(_subplan(plan, records, chosen), index).combined


def _final_texts(
    plan: Plan, records: Sequence[OpRecord], chosen: Sequence[int], index: SourceIndex
) -> dict[str, str]:
    return dict(apply_plan(_subplan(plan, records, chosen), index).final)


def _judge_all(
    sandbox: Sandbox,
    records: Sequence[OpRecord],
    verdicts: list[_Verdict],
    findings: Mapping[str, Finding],
    index: SourceIndex,
    settings: Settings,
    alternatives: Mapping[int, _Alternative] | None = None,
) -> Outcome:
    """Judge every operation alone against the baseline, and each alternative (Terraform's
    generated import configuration) in the same concurrent batch; returns the baseline."""
    alts = alternatives or {}
    candidates: dict[str, Mapping[str, str]] = {"base": {}}
    for i, (r, v) in enumerate(zip(records, verdicts, strict=True)):
        if not v.failure:
            candidates[f"op{i}"] = r.standalone
    for i, alt in alts.items():
        if not alt.verdict.failure:
            candidates[f"alt{i}"] = alt.record.standalone
    outcomes = sandbox.judge(candidates)
    base = outcomes["base"]
    plan_note = ""
    if not sandbox.has_state:
        plan_note = f"terraform plan not run: {settings.state_note or 'no state to plan against'}"
    elif not base.planned:
        plan_note = f"terraform plan not run: the unpatched code does not plan ({base.error})"
    pairs = enumerate(zip(records, verdicts, strict=True))
    judged = [
        *((r, v, outcomes.get(f"op{i}")) for i, (r, v) in pairs),
        *((alt.record, alt.verdict, outcomes.get(f"alt{i}")) for i, alt in alts.items()),
    ]
    for r, v, cand in judged:
        if cand is None:
            continue
        if not cand.validated:
            v.failure = cand.error
            continue
        v.checks.append(Check.TERRAFORM_VALIDATE)
        if plan_note:
            v.notes.append(plan_note)
            continue
        if not cand.planned:
            v.failure = cand.error
            continue
        action = r.operation.action
        if action is PatchAction.CODIFY and not sandbox.refreshed:
            v.notes.append(
                "terraform plan cannot judge a codify without live AWS to refresh the state"
            )
            continue
        mine = [findings[fid] for fid in r.operation.finding_ids if fid in findings]
        effects, broken = _promise(action, r, mine, index, base, cand)
        v.effects = effects
        if broken:
            v.failure = broken
        else:
            v.checks.append(Check.TERRAFORM_PLAN)
    return base


# -- Terraform-generated import configuration --------------------------------------------------


@dataclass
class _Alternative:
    """The import operation with Terraform's generated (cleaned) resource blocks, its patches
    (one per patch of the own operation, same files) and its running verdict."""

    record: OpRecord
    patches: list[Patch]
    verdict: _Verdict
    by_terraform: tuple[str, ...]
    kept_own: Mapping[str, str]


def _generated_imports(
    sandbox: Sandbox,
    records: Sequence[OpRecord],
    verdicts: list[_Verdict],
    index: SourceIndex,
    stats: dict[str, Any],
) -> dict[int, _Alternative]:
    """For each import operation, the alternative Terraform writes (fix/tfgen.py): one
    `plan -generate-config-out` run for all its resources. Only where the sandbox was refreshed
    from live AWS (the provider reads each object to import it); without, or when Terraform
    generates nothing usable, the own generator's blocks stay and the patch's reason says why."""
    out: dict[int, _Alternative] = {}
    for i, r in enumerate(records):
        expect = r.operation.expect
        if r.operation.action is not PatchAction.IMPORT or "plans" not in expect:
            continue
        v = verdicts[i]
        if not sandbox.refreshed:
            v.notes.append(
                f"generated by {tfgen.GENERATED_BY_DRIFTPATCH}: Terraform generates import "
                "configuration only from live AWS"
            )
            continue
        started = time.monotonic()
        plans = tuple(expect["plans"])
        gen = tfgen.generate(sandbox, plans, tuple(expect["live"]), expect["managed_ids"])
        stats["import_generation_s"] = round(time.monotonic() - started, 3)
        if not gen.by_terraform:
            why = gen.error or "it wrote no resource block"
            v.notes.append(f"generated by {tfgen.GENERATED_BY_DRIFTPATCH}: Terraform failed: {why}")
            continue
        alt = _alternative(r, gen, sandbox, index)
        if isinstance(alt, str):
            v.notes.append(f"generated by {tfgen.GENERATED_BY_DRIFTPATCH}: {alt}")
            continue
        out[i] = alt
    return out


def _alternative(
    r: OpRecord, gen: tfgen.Generated, sandbox: Sandbox, index: SourceIndex
) -> _Alternative | str:
    """The alternative operation run alone on the original code, checked by rule and schema."""
    op = tfgen.operation(r.operation, gen.plans, sandbox.tf)
    alone = apply_plan(Plan((op,), {}, {}), index)
    if not alone.records or len(alone.patches) != len(r.patch_indices):
        why = next(iter(alone.skipped.values()), "it gave no patch")
        return f"Terraform's generated configuration was not used: {why}"
    patch = alone.patches[0]
    verdict = _Verdict(checks=[Check.RULE] if patch.verified else [])
    if not patch.verified:
        verdict.failure = patch.reason or "the rule still fires"
    else:
        checked, problems = check_files(index, alone.records[0].standalone, aws_schema())
        if problems:
            verdict.failure = "provider schema: " + "; ".join(problems[:3])
        elif checked:
            verdict.checks.append(Check.SCHEMA)
    record = OpRecord(op, r.patch_indices, alone.records[0].standalone)
    return _Alternative(record, list(alone.patches), verdict, gen.by_terraform, gen.kept_own)


def _choose(
    i: int,
    alt: _Alternative,
    records: list[OpRecord],
    verdicts: list[_Verdict],
    patches: list[Patch],
    base: Outcome,
    stats: dict[str, Any],
) -> None:
    """Terraform's blocks replace the own ones when they passed every check that ran (the plan
    whenever one could run); otherwise the own ones stay and say why Terraform's did not."""
    v = alt.verdict
    planned = base.planned and Check.TERRAFORM_PLAN in v.checks
    if v.failure or (base.planned and not planned):
        why = v.failure or "terraform plan did not run"
        verdicts[i].notes.insert(
            0,
            f"generated by {tfgen.GENERATED_BY_DRIFTPATCH} (Terraform's generated "
            f"configuration failed: {why})",
        )
        stats["import_config"] = "driftpatch"
        return
    own = ", ".join(f"{a} ({why})" for a, why in sorted(alt.kept_own.items()))
    v.notes.insert(
        0,
        f"generated by {tfgen.GENERATED_BY_TERRAFORM}, cleaned to arguments"
        + (f"; own generator for {own}" if own else ""),
    )
    records[i] = alt.record
    verdicts[i] = v
    for k, p in enumerate(records[i].patch_indices):
        patches[p] = alt.patches[k]
    stats["import_config"] = "terraform"
