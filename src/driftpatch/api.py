"""The library entry points: `scan(config)` and `check(config)` each return a Report.

The CLI is a thin layer over these; tests and other tools call them directly. Nothing here
prints or exits: bad input raises an InputError, partial AWS failure is recorded in the
report's errors, and everything that reaches a reporter has been redacted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from driftpatch import __version__
from driftpatch.aws.inventory import GLOBAL, Inventory, take_inventory
from driftpatch.aws.readers import reader_for
from driftpatch.aws.readers.interface import LiveResource
from driftpatch.aws.session import AwsSession, RetryPolicy
from driftpatch.config import Config, Prefer, Selection, VerifyMode
from driftpatch.drift import security
from driftpatch.drift.compare import compare
from driftpatch.drift.detect import (
    DriftResult,
    detect,
    drift_finding,
    missing_finding,
    unmanaged_finding,
)
from driftpatch.drift.ignore import DEFAULT_NAME, IgnoreList
from driftpatch.drift.reconcile import Owners, reconcile
from driftpatch.errors import AwsError, DriftpatchError, TerraformInputError
from driftpatch.fix.ownership import Separate
from driftpatch.fix.remedies import plan_remedies
from driftpatch.fix.verification import Settings, left_out, terraform_for, verify_patches
from driftpatch.fix.verify import apply_plan
from driftpatch.model import (
    JSON,
    Address,
    Finding,
    Inputs,
    Location,
    Patch,
    Report,
    ResourceEntry,
    ResourceStatus,
    ScanError,
    Suppressed,
    SuppressionKind,
    finding_sort_key,
)
from driftpatch.redact import Redactor
from driftpatch.rules import checkov, meta_by_id
from driftpatch.rules.engine import EvaluationResult, evaluate, evaluate_source
from driftpatch.rules.interface import Origin, Subject
from driftpatch.rules.subjects import from_code, from_live, from_plan, from_state
from driftpatch.rules.suppress import Suppression, suppressed
from driftpatch.terraform.plan import Plan, ResourceChange, read_plan
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import SourceIndex, index_source
from driftpatch.terraform.state import (
    State,
    StateInstance,
    display_ref,
    is_local_ref,
    read_states,
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- inputs ------------------------------------------------------------------------------------


def _load_source(config: Config) -> SourceIndex | None:
    if config.source is None:
        return None
    index = index_source(config.source, root=config.repo_root, var_files=config.var_files)
    if not index.root_module_files:
        # An empty directory, or one that only holds modules in subdirectories: nothing to
        # check, and a run that reported nothing would look like a clean one.
        shown = str(config.source)
        if shown == ".":
            shown = f"the current directory ({Path.cwd()})"
        raise TerraformInputError(
            f"no .tf files in {shown} (--source takes a root module: Terraform reads only "
            "the .tf files directly in it)"
        )
    return index


def _load_plan(config: Config) -> Plan | None:
    if config.plan is None:
        return None
    return read_plan(config.plan, chdir=config.source)


def _plan_warnings(plan: Plan | None) -> tuple[ScanError, ...]:
    """The plan's quirks read past (Terraform 0.12's short addresses), once per plan."""
    message = plan.address_warning() if plan is not None else None
    if plan is None or message is None:
        return ()
    return (ScanError(f"plan:{plan.origin}", message, "warning"),)


def _ignore_list(config: Config) -> IgnoreList:
    if config.ignore_file is not None:
        return IgnoreList.load(config.ignore_file)
    for base in (config.source, Path.cwd()):
        if base is not None and (base / DEFAULT_NAME).is_file():
            return IgnoreList.load(base / DEFAULT_NAME)
    return IgnoreList()


def _problems(index: SourceIndex | None) -> tuple[ScanError, ...]:
    if index is None:
        return ()
    return tuple(ScanError(f"source:{p.file}:{p.line}", p.message) for p in index.problems)


# -- locations ---------------------------------------------------------------------------------


def locate(
    index: SourceIndex | None, address: str | None, attribute: str | None
) -> Location | None:
    if index is None or address is None:
        return None
    if attribute:
        return index.locate_attribute(address, attribute)
    return index.locate(address)


def _with_locations(findings: Iterable[Finding], index: SourceIndex | None) -> list[Finding]:
    out = []
    for f in findings:
        if f.location is None and f.address:
            f = dataclasses.replace(f, location=locate(index, f.address, f.attribute))
        out.append(f)
    return out


def _source_entries(index: SourceIndex | None, seen: set[str]) -> list[ResourceEntry]:
    """Resources declared in code but seen nowhere else: not applied yet."""
    if index is None:
        return []
    out = []
    for config_address, block in index.resources.items():
        if config_address.startswith("data.") or ".data." in config_address:
            continue
        if config_address in seen:
            continue
        out.append(
            ResourceEntry(
                address=config_address,
                type=block.labels[0],
                id=None,
                status=ResourceStatus.PLANNED,
                location=block.location,
            )
        )
    return out


def _config_addresses(addresses: Iterable[str]) -> set[str]:
    out = set()
    for a in addresses:
        try:
            out.add(Address.parse(a).config_address)
        except ValueError:
            continue
    return out


# -- rules and checkov -------------------------------------------------------------------------


def _start_checkov(config: Config, index: SourceIndex | None) -> checkov.CheckovJob | None:
    """checkov takes seconds to start: it runs while AWS is read, and only where asked."""
    if not config.checkov or (index is None and config.plan is None):
        return None
    plan_json = config.plan if config.plan is not None and _is_json(config.plan) else None
    root = index.root if index is not None else Path.cwd()
    return checkov.start_checkov(index.source_dir if index else None, plan_json, root)


def _is_json(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) != b"PK\x03\x04"
    except OSError:
        return False


@dataclass(frozen=True)
class RuleOutcome:
    findings: list[Finding]
    evaluation: EvaluationResult
    notices: list[str]
    suppressed: int
    # The findings inline comments suppressed, kept for the report's `suppressed`.
    hidden: tuple[Suppressed, ...] = ()


def _in_source(finding: Finding, suppression: Suppression) -> Suppressed:
    return Suppressed(
        finding, SuppressionKind.IN_SOURCE, suppression.reason, str(suppression.location)
    )


def _rules(
    subjects: Sequence[Subject],
    drift_findings: Sequence[Finding],
    state_subjects: Sequence[Subject],
    index: SourceIndex | None,
    job: checkov.CheckovJob | None,
) -> RuleOutcome:
    """Our rules on every origin, checkov merged in, security regressions folded into drift."""
    result = evaluate(subjects, source=index)
    if index is not None:
        result = result.merge(evaluate_source(index))
    in_state = {security.violation_key(f) for f in evaluate(state_subjects).findings}
    findings = security.merge(drift_findings, result.findings, in_state)
    notices = [n.message for n in result.notes]
    notices.extend(result.skipped)
    if job is not None:
        outcome = job.result()
        notices.extend(outcome.notices)
        findings = list(
            checkov.merge(
                findings,
                outcome.findings,
                checkov.equivalents_from_registry(),
                checkov.scopes_from_registry(),
            )
        )
    hidden = [_in_source(s.finding, s.suppression) for s in result.suppressed]
    dropped = 0
    if index is not None:
        kept = []
        for f in findings:
            suppression = suppressed(f, index)
            if suppression is None:
                kept.append(f)
            else:
                dropped += 1
                hidden.append(_in_source(f, suppression))
        findings = kept
    return RuleOutcome(findings, result, notices, dropped + len(result.suppressed), tuple(hidden))


def _aliases(finding: Finding) -> tuple[str, ...]:
    """Other tools' ids our rule declares for the same problem (its checkov checks)."""
    meta = meta_by_id(finding.rule_id)
    return tuple(meta.checkov) if meta is not None else ()


def _select(
    findings: Sequence[Finding],
    hidden: Sequence[Suppressed],
    selection: Selection,
    ignore: IgnoreList,
) -> tuple[list[Finding], tuple[Suppressed, ...], int]:
    """What the run reports (--only, --min-severity, --rule, --skip-rule), before any patch
    is made: (findings kept, suppressed findings kept, how many findings the selection left
    out that the ignore file would have reported). Suppressed findings are selected alike, so
    a drift-only SARIF holds no accepted misconfiguration."""
    if not selection.active:
        return list(findings), tuple(hidden), 0
    kept: list[Finding] = []
    left_out = 0
    for f in findings:
        if selection.selects(f, _aliases(f)):
            kept.append(f)
        elif not ignore.ignores(f):
            left_out += 1
    shown = tuple(s for s in hidden if selection.selects(s.finding, _aliases(s.finding)))
    return kept, shown, left_out


def _suppressed_located(
    hidden: Iterable[Suppressed], index: SourceIndex | None
) -> tuple[Suppressed, ...]:
    """Suppressed findings with their HCL location, once per finding id, worst first."""
    unique: dict[str, Suppressed] = {}
    for s in hidden:
        f = _with_locations([s.finding], index)[0]
        unique.setdefault(f.id, dataclasses.replace(s, finding=f))
    return tuple(sorted(unique.values(), key=lambda s: finding_sort_key(s.finding)))


def _drift_subjects(plan: Plan) -> tuple[list[Subject], list[Subject]]:
    """A plan's resource_drift as (live, state) subjects: `after` is what AWS had at plan
    time, `before` what state recorded."""
    live: list[Subject] = []
    state: list[Subject] = []
    for rc in plan.resource_drift:
        if rc.address.mode != "managed":
            continue
        for values, origin, out in (
            (rc.after, Origin.LIVE, live),
            (rc.before, Origin.STATE, state),
        ):
            if isinstance(values, Mapping):
                rid = values.get("id")
                out.append(
                    Subject(
                        type=rc.address.type,
                        attributes=values,
                        origin=origin,
                        address=str(rc.address),
                        id=rid if isinstance(rid, str) else None,
                    )
                )
    return live, state


# -- finishing ---------------------------------------------------------------------------------

_APPLY_TARGET = "terraform apply -target="


def _apply_with_var_files(text: str, index: SourceIndex) -> str:
    """A remediation's `terraform apply -target=...`, with the scan's `--var-file` files: run
    without them, Terraform would apply other values (terraform.tfvars', the defaults) than
    the ones the scan compared. Paths are relative to the source directory, where it runs."""
    if not index.var_files or _APPLY_TARGET not in text:
        return text
    flags = " ".join(
        "-var-file=" + shlex.quote(os.path.relpath(index.root / rel, index.source_dir))
        for rel in index.var_files
    )
    return text.replace(_APPLY_TARGET, f"terraform apply {flags} -target=")


@dataclass(frozen=True)
class Remedied:
    findings: tuple[Finding, ...]
    patches: tuple[Patch, ...]
    combined: str
    ignored: int
    notices: tuple[str, ...] = ()
    verification: Mapping[str, JSON] | None = None
    # The findings the ignore file accepted (SuppressionKind.EXTERNAL).
    suppressed: tuple[Suppressed, ...] = ()


def _remedy(
    findings: Sequence[Finding],
    *,
    ignore: IgnoreList,
    index: SourceIndex | None,
    fixes: Mapping[str, tuple[Subject, Any]],
    prefer: Prefer,
    unmanaged: Mapping[str, LiveResource] | None = None,
    managed_ids: Mapping[tuple[str, str], str] | None = None,
    settings: Settings | None = None,
    separate: Separate | None = None,
) -> Remedied:
    """Drop ignored findings, then write and verify a patch for each one code can fix; the
    others say in their remediation why no patch is offered. Verification (rule, schema,
    Terraform) marks the patches `-o patch` writes by default (fix/verification.py)."""
    kept, ignored = ignore.filter(findings)
    accepted = tuple(
        _external(f, ignore, index.root if index is not None else Path.cwd()) for f in ignored
    )
    unique: dict[str, Finding] = {}
    for f in kept:
        unique.setdefault(f.id, f)
    ordered = sorted(unique.values(), key=finding_sort_key)
    if index is None:
        return Remedied(tuple(ordered), (), "", len(ignored), suppressed=accepted)
    plan = plan_remedies(ordered, index, fixes, prefer, unmanaged, managed_ids, separate)
    applied = apply_plan(plan, index)
    patched = {fid for p in applied.patches for fid in p.finding_ids}
    out = []
    for f in ordered:
        remediation = plan.remediation.get(f.id, f.remediation)
        why = applied.skipped.get(f.id)
        if why and f.id not in patched:
            remediation = f"{remediation} (No patch: {why}.)".strip()
        remediation = _apply_with_var_files(remediation, index)
        out.append(dataclasses.replace(f, remediation=remediation))
    if not applied.patches:
        return Remedied(tuple(out), (), "", len(ignored), suppressed=accepted)
    verified = verify_patches(applied, plan, index, unique, settings or Settings())
    notes = left_out(verified.patches)
    out = [
        dataclasses.replace(f, remediation=f"{f.remediation} {notes[f.id]}".strip())
        if f.id in notes and "(No patch:" not in f.remediation
        else f
        for f in out
    ]
    return Remedied(
        tuple(out),
        verified.patches,
        verified.combined,
        len(ignored),
        verified.notices,
        dict(verified.stats),
        accepted,
    )


def _external(finding: Finding, ignore: IgnoreList, root: Path) -> Suppressed:
    """An ignored finding, with the ignore file's line that accepts it and that line's comment
    as the justification."""
    pattern = ignore.ignored_by(finding)
    if pattern is None:  # filter() said it is ignored: the same rules decided
        return Suppressed(finding, SuppressionKind.EXTERNAL, "", ignore.origin)
    return Suppressed(
        finding, SuppressionKind.EXTERNAL, pattern.reason, ignore.where(pattern, root)
    )


def _anchor(index: SourceIndex | None, inputs: Inputs) -> Location | None:
    """Where findings without HCL of their own point in SARIF: the account's provider block,
    else the first local input file (a scan without --source)."""
    found = index.account_anchor() if index is not None else None
    if found is not None:
        return found
    for ref in (*filter(is_local_ref, inputs.states), inputs.plan):
        if ref and "://" not in ref:
            path = Path(ref)
            if path.is_absolute():
                with contextlib.suppress(ValueError):
                    path = path.resolve().relative_to(Path.cwd().resolve())
            return Location(path.as_posix(), 1, 1)
    return None


def _finish(
    *,
    inputs: Inputs,
    index: SourceIndex | None,
    remedied: Remedied,
    resources: Sequence[ResourceEntry],
    errors: Sequence[ScanError],
    problems: Sequence[ScanError],
    redactor: Redactor,
    stats: Mapping[str, JSON],
    notices: Sequence[str] = (),
    warnings: Sequence[ScanError] = (),
    suppressed: Sequence[Suppressed] = (),
) -> Report:
    extra: dict[str, JSON] = {}
    if remedied.verification is not None:
        extra["verification"] = dict(remedied.verification)
    report = Report(
        tool_version=__version__,
        scanned_at=_now(),
        inputs=inputs,
        findings=remedied.findings,
        resources=tuple(sorted(resources, key=lambda r: (r.address or "~", r.type, r.id or ""))),
        patches=remedied.patches,
        errors=tuple(errors),
        input_problems=tuple(problems),
        stats={**stats, "ignored_findings": remedied.ignored, **extra},
        notices=tuple(dict.fromkeys((*notices, *remedied.notices))),
        combined_patch=redactor.text(remedied.combined) if redactor.secrets else remedied.combined,
        anchor=_anchor(index, inputs),
        warnings=tuple(warnings),
        suppressed=_suppressed_located((*suppressed, *remedied.suppressed), index),
    )
    return redactor.report(report)


def _redactor_for_states(states: Sequence[State]) -> Redactor:
    return Redactor.collect(
        ((i.address.type, i.attributes, i.sensitive_paths) for s in states for i in s.resources),
        aws_schema(),
    )


def _redactor_for_plan(plan: Plan | None) -> Redactor:
    if plan is None:
        return Redactor(frozenset())
    triples: list[tuple[str, Mapping[str, JSON], Sequence[tuple[str | int, ...]]]] = []
    for vr in (*plan.prior_state, *plan.planned_values):
        triples.append((vr.address.type, vr.values, _paths_from_mask(vr.sensitive_values)))
    for rc in (*plan.resource_changes, *plan.resource_drift):
        for values, mask in ((rc.before, rc.before_sensitive), (rc.after, rc.after_sensitive)):
            if isinstance(values, Mapping):
                triples.append((rc.address.type, values, _paths_from_mask(mask)))
    # Plan JSON shows sensitive variables' values in clear.
    secret_vars = {k: v for k, v in plan.variables.items() if k in plan.sensitive_variables}
    triples.append(("", secret_vars, [(k,) for k in secret_vars]))
    return Redactor.collect(triples, aws_schema())


def _paths_from_mask(mask: JSON, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Terraform's sensitive_values masks: `true` marks a sensitive value at that path."""
    if mask is True:
        return [prefix]
    out: list[tuple[str | int, ...]] = []
    if isinstance(mask, Mapping):
        for k, v in mask.items():
            out.extend(_paths_from_mask(v, (*prefix, str(k))))
    elif isinstance(mask, list):
        for i, v in enumerate(mask):
            out.extend(_paths_from_mask(v, (*prefix, i)))
    return out


# -- scan --------------------------------------------------------------------------------------


def _regions(config: Config, instances: Sequence[StateInstance], session: AwsSession) -> list[str]:
    if config.regions:
        return list(dict.fromkeys(config.regions))
    found = sorted({i.region for i in instances if i.region})
    if found:
        return found
    return [session.default_region] if session.default_region else []


def _plan_instances(plan: Plan) -> list[StateInstance]:
    """A plan's prior_state as state instances, for `scan --plan` without `--state`."""
    return [
        StateInstance(
            address=vr.address,
            provider=vr.provider,
            schema_version=vr.schema_version or 0,
            attributes=vr.values,
            sensitive_paths=tuple(_paths_from_mask(vr.sensitive_values)),
            dependencies=(),
            origin=plan.origin,
        )
        for vr in plan.prior_state
        if vr.address.mode == "managed"
    ]


def session_for(config: Config) -> AwsSession:
    """The AWS session a run's options ask for (timeouts, retries, deadline)."""
    return AwsSession(
        profile=config.profile,
        region=config.regions[0] if config.regions else None,
        endpoint_url=config.endpoint_url,
        connect_timeout=config.connect_timeout_s,
        read_timeout=config.read_timeout_s,
        deadline_s=config.deadline_s,
        retry=RetryPolicy(
            max_attempts=config.max_attempts,
            base=config.retry_base_s,
            throttle_base=config.throttle_base_s,
        ),
    )


def scan(config: Config) -> Report:
    """State + live AWS (+ HCL, + plan): drift and misconfigurations."""
    started = time.monotonic()
    index = _load_source(config)
    if config.verify is VerifyMode.TERRAFORM:  # without a CLI: bad usage, before any read
        terraform_for(config.verify, index)
    plan = _load_plan(config)
    ignore = _ignore_list(config)
    job = _start_checkov(config, index)
    session = session_for(config)
    states = read_states(config.states, s3_client=lambda: session.client("s3", _s3_region(session)))
    instances: list[StateInstance] = [i for s in states for i in s.resources]
    if not states and plan is not None:
        instances = _plan_instances(plan)
    regions = _regions(config, instances, session)
    inventory: Inventory
    if config.live_snapshot is not None:
        inventory = Inventory.load(config.live_snapshot)
    else:
        try:
            inventory = take_inventory(session, regions, max_workers=config.max_workers)
        except AwsError as exc:
            inventory = Inventory((), tuple(regions), errors=(ScanError("aws", str(exc)),))
    drift = detect(instances, inventory)
    scanned = set(inventory.regions)
    addresses = {(live.type, live.id): addr for addr, live in drift.matched.items()}
    # An unread instance (its type's listing incomplete) may still have been read itself:
    # findings on what was read keep its address.
    for inst in instances:
        if drift.statuses.get(str(inst.address)) is ResourceStatus.UNREAD and inst.id:
            addresses.setdefault((inst.address.type, inst.id), str(inst.address))
    live_in_scope = [
        _with_unread_partners(r, inventory)
        for r in inventory.resources
        if r.region is None or r.region in scanned
    ]
    # Resources a reader only matches against state (a separate security group rule) are not in
    # the inventory, yet rules need them beside their group to tell who manages a permission.
    listed = {(r.type, r.id) for r in live_in_scope}
    live_in_scope.extend(r for r in drift.matched.values() if (r.type, r.id) not in listed)
    # Not compared (not covered, or unread): their rules run on what state recorded.
    not_compared = [
        i
        for i in instances
        if drift.statuses.get(str(i.address)) in (ResourceStatus.UNSUPPORTED, ResourceStatus.UNREAD)
    ]
    subjects = [
        *from_live(live_in_scope, addresses, index),
        *from_state(not_compared, index),
        *(from_code(index) if index is not None else ()),
        *(from_plan(plan, index) if plan is not None else ()),
    ]
    compared = [i for i in instances if str(i.address) in drift.matched]
    outcome = _rules(subjects, drift.findings, from_state(compared), index, job)
    findings, hidden, filtered = _select(
        _with_locations(outcome.findings, index), outcome.hidden, config.selection, ignore
    )
    resources = _scan_entries(instances, drift, index)
    seen = _config_addresses(r.address for r in resources if r.address)
    resources.extend(_source_entries(index, seen))
    inputs = Inputs(
        states=tuple(map(display_ref, config.states)),
        plan=str(config.plan) if config.plan else None,
        source=str(config.source) if config.source else None,
        regions=tuple(inventory.regions or regions),
    )
    stats: dict[str, JSON] = {
        "api_calls": dict(inventory.calls),
        "api_calls_total": sum(inventory.calls.values()),
        "live_resources": len(inventory.resources),
        "suppressed_findings": outcome.suppressed,
        **({"filtered_findings": filtered} if config.selection.active else {}),
        "duration_s": round(time.monotonic() - started, 3),
    }
    remedied = _remedy(
        findings,
        ignore=ignore,
        index=index,
        fixes=outcome.evaluation.fixes,
        prefer=config.prefer,
        unmanaged={unmanaged_finding(r).id: r for r in drift.unmanaged},
        managed_ids=_managed_ids(instances, index),
        settings=_verify_settings(
            config, session, live=config.live_snapshot is None, states=states
        ),
        separate=Separate.from_state((i.address.type, i.attributes) for i in instances),
    )
    return _finish(
        index=index,
        inputs=inputs,
        remedied=remedied,
        resources=resources,
        errors=inventory.errors,
        problems=_problems(index),
        redactor=_redactor_for_states(states).merged(_redactor_for_plan(plan)),
        stats=stats,
        notices=outcome.notices,
        warnings=_plan_warnings(plan),
        suppressed=hidden,
    )


def _verify_settings(
    config: Config, session: AwsSession | None, *, live: bool, states: Sequence[State] = ()
) -> Settings:
    """What Terraform verification needs from the scan: the one state it read (re-read as
    bytes: the scan parsed it), whether live AWS was read (then the sandbox refreshes once), and
    the AWS settings given on the command line, passed on as the environment Terraform reads."""
    state: bytes | None = None
    note = ""
    refs = list(config.states)
    if len(refs) == 1 and len(states) == 1 and states[0].raw:  # pulled: not read twice
        state = states[0].raw
    elif len(refs) == 1 and is_local_ref(refs[0]) and Path(refs[0]).is_file():
        try:
            state = Path(refs[0]).read_bytes()
        except OSError as exc:
            note = f"cannot read {refs[0]}: {exc.strerror}"
    elif len(refs) == 1 and refs[0].startswith("s3://") and session is not None:
        bucket, _, key = refs[0].removeprefix("s3://").partition("/")
        try:
            body = session.client("s3", _s3_region(session)).get_object(Bucket=bucket, Key=key)
            state = body["Body"].read()
        except (BotoCoreError, ClientError, DriftpatchError, OSError) as exc:
            note = f"cannot re-read {refs[0]}: {type(exc).__name__}"
    elif len(refs) > 1:
        note = "several states were scanned; the source matches one of them at most"
    else:
        note = "no state was given (plan and code only)"
    env: dict[str, str] = {}
    if config.endpoint_url:
        env["AWS_ENDPOINT_URL"] = config.endpoint_url
    if config.profile:
        env["AWS_PROFILE"] = config.profile
    if config.regions:
        env["AWS_REGION"] = config.regions[0]
    return Settings(
        mode=config.verify,
        state=state,
        state_note=note,
        refresh=live and state is not None,
        env=env,
        include=config.patch_include,
        kinds=config.patch_kinds,
    )


def _with_unread_partners(resource: LiveResource, inventory: Inventory) -> LiveResource:
    """`resource`, with the types other readers failed to list in its region (or globally)
    among its unread parts: a VPC's flow logs, when DescribeFlowLogs was denied, are not
    known to be absent. Its own reader's types are left out: that reader marks per object
    what it could not read (one bucket's denied public access block is not every bucket's)."""
    reader = reader_for(resource.type)
    own = set(reader.types) if reader is not None else {resource.type}
    failed = {
        t
        for t, region in inventory.incomplete
        if region in (resource.region, GLOBAL) and t not in own
    }
    if not failed:
        return resource
    return dataclasses.replace(resource, unread=resource.unread | failed)


def _managed_ids(
    instances: Sequence[StateInstance], index: SourceIndex | None
) -> dict[tuple[str, str], str]:
    """(type, id or ARN) -> address of each root-module resource declared in the code, so a
    generated import refers to it instead of repeating its id."""
    out: dict[tuple[str, str], str] = {}
    for i in instances:
        if i.address.module or i.address.mode != "managed" or not i.id:
            continue
        if index is None or index.block_for(i.address) is None:
            continue
        out[(i.address.type, i.id)] = str(i.address)
        arn = i.attributes.get("arn")
        if isinstance(arn, str) and arn:
            out[(i.address.type, arn)] = str(i.address)
    return out


def _s3_region(session: AwsSession) -> str:
    return session.default_region or "us-east-1"


def _scan_entries(
    instances: Sequence[StateInstance], drift: DriftResult, index: SourceIndex | None
) -> list[ResourceEntry]:
    out = [
        ResourceEntry(
            address=str(i.address),
            type=i.address.type,
            id=i.id,
            status=drift.statuses.get(str(i.address), ResourceStatus.UNSUPPORTED),
            location=locate(index, str(i.address), None),
        )
        for i in instances
    ]
    out.extend(
        ResourceEntry(address=None, type=r.type, id=r.id, status=ResourceStatus.UNMANAGED)
        for r in drift.unmanaged
    )
    return out


# -- check -------------------------------------------------------------------------------------


def _plan_drift(plan: Plan) -> tuple[list[Finding], dict[str, ResourceStatus]]:
    """The plan's own resource_drift, through the same normalisation as a live scan."""
    owners = Owners.from_state((vr.address.type, vr.values) for vr in plan.prior_state)
    findings: list[Finding] = []
    statuses: dict[str, ResourceStatus] = {}
    for rc in plan.resource_drift:
        if rc.address.mode != "managed":
            continue
        key = str(rc.address)
        before = rc.before if isinstance(rc.before, Mapping) else {}
        inst = _change_instance(rc, before, plan.origin)
        if "delete" in rc.actions and rc.after is None:
            findings.append(missing_finding(inst))
            statuses[key] = ResourceStatus.MISSING
            continue
        after = rc.after if isinstance(rc.after, Mapping) else {}
        want, have, skip = reconcile(rc.address.type, before, after, owners)
        changes = compare(rc.address.type, want, have, skip=skip)
        findings.extend(drift_finding(inst, c) for c in changes)
        statuses[key] = ResourceStatus.DRIFTED if changes else ResourceStatus.IN_SYNC
    return findings, statuses


def _change_instance(rc: ResourceChange, before: Mapping[str, JSON], origin: str) -> StateInstance:
    return StateInstance(
        address=rc.address,
        provider=rc.provider,
        schema_version=0,
        attributes=before,
        sensitive_paths=tuple(_paths_from_mask(rc.before_sensitive)),
        dependencies=(),
        origin=origin,
    )


def _plan_entries(plan: Plan, drift: Mapping[str, ResourceStatus]) -> list[ResourceEntry]:
    out = []
    for rc in plan.resource_changes:
        if rc.address.mode != "managed":
            continue
        key = str(rc.address)
        values = rc.before if isinstance(rc.before, Mapping) else None
        if values is None and isinstance(rc.after, Mapping):
            values = rc.after
        rid = values.get("id") if values else None
        if key in drift:
            status = drift[key]
        elif "create" in rc.actions and rc.before is None:
            status = ResourceStatus.PLANNED
        else:
            status = ResourceStatus.IN_SYNC
        out.append(
            ResourceEntry(key, rc.address.type, rid if isinstance(rid, str) else None, status)
        )
    return out


def check(config: Config) -> Report:
    """HCL + plan JSON, no AWS: misconfigurations and the plan's own drift."""
    started = time.monotonic()
    index = _load_source(config)
    if config.verify is VerifyMode.TERRAFORM:
        terraform_for(config.verify, index)
    plan = _load_plan(config)
    ignore = _ignore_list(config)
    job = _start_checkov(config, index)
    drift_findings: list[Finding] = []
    resources: list[ResourceEntry] = []
    subjects: list[Subject] = []
    state_subjects: list[Subject] = []
    if plan is not None:
        drift_findings, drift_status = _plan_drift(plan)
        resources.extend(_plan_entries(plan, drift_status))
        live_subjects, state_subjects = _drift_subjects(plan)
        subjects.extend(from_plan(plan, index))
        subjects.extend(live_subjects)
    if index is not None:
        subjects.extend(from_code(index))
    outcome = _rules(subjects, drift_findings, state_subjects, index, job)
    resources = [dataclasses.replace(r, location=locate(index, r.address, None)) for r in resources]
    seen = _config_addresses(r.address for r in resources if r.address)
    resources.extend(_source_entries(index, seen))
    inputs = Inputs(
        plan=str(config.plan) if config.plan else None,
        source=str(config.source) if config.source else None,
    )
    findings, hidden, filtered = _select(
        _with_locations(outcome.findings, index), outcome.hidden, config.selection, ignore
    )
    remedied = _remedy(
        findings,
        ignore=ignore,
        index=index,
        fixes=outcome.evaluation.fixes,
        prefer=Prefer.AUTO,
        settings=_verify_settings(config, None, live=False),
    )
    return _finish(
        index=index,
        inputs=inputs,
        remedied=remedied,
        resources=resources,
        errors=(),
        problems=_problems(index),
        redactor=_redactor_for_plan(plan),
        stats={
            "suppressed_findings": outcome.suppressed,
            **({"filtered_findings": filtered} if config.selection.active else {}),
            "duration_s": round(time.monotonic() - started, 3),
        },
        notices=outcome.notices,
        warnings=_plan_warnings(plan),
        suppressed=hidden,
    )
