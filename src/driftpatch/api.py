"""The library entry points: `scan(config)` and `check(config)` each return a Report.

The CLI is a thin layer over these; tests and other tools call them directly. Nothing here
prints or exits: bad input raises an InputError, partial AWS failure is recorded in the
report's errors, and everything that reaches a reporter has been redacted.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import os
import shlex
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftpatch import __version__
from driftpatch.config import Config, Prefer, Selection, VerifyMode
from driftpatch.drift import security
from driftpatch.drift.detect import (
    DriftResult,
    account_of,
    detect,
    unmanaged_finding,
)
from driftpatch.drift.ignore import DEFAULT_NAME, IgnoreList
from driftpatch.errors import AwsError, DriftpatchError, InputError, TerraformInputError
from driftpatch.fix.judge import SandboxError, SharedSandbox
from driftpatch.heap import long_lived
from driftpatch.model import (
    GLOBAL,
    JSON,
    Address,
    Finding,
    Inputs,
    Inventory,
    Kind,
    LiveResource,
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
from driftpatch.regions import provider_regions
from driftpatch.rules import checkov, meta_by_id
from driftpatch.rules.engine import EvaluationResult, evaluate, evaluate_source
from driftpatch.rules.interface import Origin, Subject
from driftpatch.rules.subjects import from_code, from_live, from_plan, from_state
from driftpatch.rules.suppress import Suppression, suppressed
from driftpatch.shard import Dealer
from driftpatch.terraform.binary import Terraform
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.state import (
    State,
    StateInstance,
    display_ref,
    is_local_ref,
    read_states,
)

# boto3 and the readers load only when a scan reads AWS (or a snapshot): `check`, the PR job,
# never imports them, and starts in a fraction of the time (tests/cli/test_startup.py).
#
# Likewise what only a --source, --plan or a patch needs (the HCL parser, the patch writers, the
# plan reader: ~0.2 s of start-up) is imported where it is used, so `scan --state` starts reading
# AWS sooner.
if TYPE_CHECKING:
    from driftpatch.aws.roles import RoleRequest
    from driftpatch.aws.session import AwsSession, TemporaryCredentials
    from driftpatch.drift.refresh import Refreshed
    from driftpatch.fix.ownership import Separate
    from driftpatch.fix.verification import Settings
    from driftpatch.terraform.plan import Plan
    from driftpatch.terraform.source import SourceIndex


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- inputs ------------------------------------------------------------------------------------


def _load_source(config: Config) -> SourceIndex | None:
    if config.source is None:
        return None
    from driftpatch.terraform.source import index_source

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
    from driftpatch.terraform.plan import read_plan

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
    in_state = security.violated_in_state(evaluate(state_subjects).findings, state_subjects)
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
    from driftpatch.rules.catalog._helpers import SEPARATE_RULES  # loaded with the rules

    live: list[Subject] = []
    state: list[Subject] = []
    drifted = {str(rc.address) for rc in plan.resource_drift}
    # Separate security group rules that did not drift are in state as the plan found them:
    # the groups they add to are judged with them (security.violated_in_state).
    for r in plan.prior_state:
        if r.address.type in SEPARATE_RULES and str(r.address) not in drifted:
            state.append(_values_subject(r.address, r.values, Origin.STATE))
    for rc in plan.resource_drift:
        if rc.address.mode != "managed":
            continue
        for values, origin, out in (
            (rc.after, Origin.LIVE, live),
            (rc.before, Origin.STATE, state),
        ):
            if isinstance(values, Mapping):
                out.append(_values_subject(rc.address, values, origin))
    return live, state


def _values_subject(address: Address, values: Mapping[str, JSON], origin: Origin) -> Subject:
    rid = values.get("id")
    return Subject(
        type=address.type,
        attributes=values,
        origin=origin,
        address=str(address),
        id=rid if isinstance(rid, str) else None,
    )


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
    from driftpatch.fix.remedies import plan_remedies
    from driftpatch.fix.verification import Settings, left_out, verify_patches
    from driftpatch.fix.verify import apply_plan

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
    from driftpatch.drift.refresh import paths_from_mask

    triples: list[tuple[str, Mapping[str, JSON], Sequence[tuple[str | int, ...]]]] = []
    for vr in (*plan.prior_state, *plan.planned_values):
        triples.append((vr.address.type, vr.values, paths_from_mask(vr.sensitive_values)))
    for rc in (*plan.resource_changes, *plan.resource_drift):
        for values, mask in ((rc.before, rc.before_sensitive), (rc.after, rc.after_sensitive)):
            if isinstance(values, Mapping):
                triples.append((rc.address.type, values, paths_from_mask(mask)))
    # Plan JSON shows sensitive variables' values in clear.
    secret_vars = {k: v for k, v in plan.variables.items() if k in plan.sensitive_variables}
    triples.append(("", secret_vars, [(k,) for k in secret_vars]))
    return Redactor.collect(triples, aws_schema())


# -- scan --------------------------------------------------------------------------------------


def _regions(
    config: Config,
    instances: Sequence[StateInstance],
    session: AwsSession,
    index: SourceIndex | None = None,
) -> list[str]:
    """--region if given; else every region the state's instances and the code's aws provider
    blocks (aliased ones too) name; else the session's default region."""
    if config.regions:
        return list(dict.fromkeys(config.regions))
    found = {i.region for i in instances if i.region}
    if index is not None:
        found.update(provider_regions(index))
    if found:
        return sorted(found)
    return [session.default_region] if session.default_region else []


def _plan_instances(plan: Plan) -> list[StateInstance]:
    """A plan's prior_state as state instances, for `scan --plan` without `--state`."""
    from driftpatch.drift.refresh import paths_from_mask

    return [
        StateInstance(
            address=vr.address,
            provider=vr.provider,
            schema_version=vr.schema_version or 0,
            attributes=vr.values,
            sensitive_paths=tuple(paths_from_mask(vr.sensitive_values)),
            dependencies=(),
            origin=plan.origin,
        )
        for vr in plan.prior_state
        if vr.address.mode == "managed"
    ]


def session_for(
    config: Config,
    profile: str | None = None,
    *,
    credentials: TemporaryCredentials | None = None,
    region: str | None = None,
) -> AwsSession:
    """The AWS session a run's options ask for (timeouts, retries, deadline); `profile`
    instead of the first --profile (another account), or an assumed role's `credentials`
    (then no profile: `region` stands in for the one a profile would name)."""
    from driftpatch.aws.session import AwsSession, RetryPolicy

    return AwsSession(
        profile=None if credentials is not None else profile or config.profile,
        credentials=credentials,
        region=config.regions[0] if config.regions else region,
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


def _take(
    session: AwsSession,
    regions: Sequence[str],
    config: Config,
    instances: Sequence[StateInstance] | None = None,
) -> Inventory:
    """Read live AWS; with the scan's `instances`, only the settings the scan compares."""
    from driftpatch.aws.inventory import take_inventory
    from driftpatch.aws.readers.interface import Needs

    needs = None
    if instances is not None:
        only = config.selection.only
        needs = Needs.from_instances(
            ((i.type, i.id, i.attributes) for i in instances if i.id),
            rules=only is None or Kind.MISCONFIG in only.kinds(),
        )
    try:
        return take_inventory(session, regions, max_workers=config.max_workers, needs=needs)
    except AwsError as exc:
        return Inventory((), tuple(regions), errors=(ScanError("aws", str(exc)),))


def _role_requests(config: Config) -> tuple[RoleRequest, ...]:
    """The roles `--role-arn` names, checked before any AWS call (bad ones: exit 2)."""
    if not config.role_arns:
        return ()
    from driftpatch.aws.roles import RoleRequest, check_request

    if len(config.profiles) > 1:
        raise InputError(
            "--role-arn reads the roles' accounts with the credentials of one --profile "
            f"(or the default chain), not {len(config.profiles)}: read more accounts with "
            "more --role-arn"
        )
    return tuple(
        check_request(
            RoleRequest(arn, config.role_session_name, config.external_id, config.role_duration_s)
        )
        for arn in dict.fromkeys(config.role_arns)
    )


@dataclass(frozen=True)
class Reached:
    """One account a scan reads: its session and, where known before any read (a role's ARN
    names it), its id; or, for a role that could not be assumed, the error instead."""

    session: AwsSession | None
    account_id: str | None = None
    error: ScanError | None = None
    credentials: TemporaryCredentials | None = None


def _reach(config: Config, session: AwsSession, roles: Sequence[RoleRequest]) -> list[Reached]:
    """The accounts to read: one per --profile (the first is `session`), or one per role,
    assumed with `session`'s credentials. A role that cannot be assumed is a value: its
    account is reported as not read and the others are read."""
    if not roles:
        others = (session_for(config, p) for p in config.profiles[1:])
        return [Reached(s) for s in (session, *others)]
    from driftpatch.aws.roles import assume

    out = []
    for role in roles:
        got = assume(session, role, _s3_region(session))
        if got.credentials is None:
            error = ScanError("sts", got.error or f"cannot assume {role.arn}")
            out.append(Reached(None, role.account, error))
            continue
        assumed = session_for(config, credentials=got.credentials, region=session.default_region)
        out.append(Reached(assumed, role.account, credentials=got.credentials))
    return out


def _identified(session: AwsSession) -> str | None:
    """The session's account, or None when it cannot be identified (the inventory then
    records why, as with one account)."""
    try:
        return session.account_id()
    except AwsError:
        return None


def _read_accounts(
    config: Config,
    reached: Sequence[Reached],
    regions: Sequence[str],
    instances: Sequence[StateInstance],
) -> list[Inventory]:
    """One inventory per account. Without --region, each account of several is read only in
    the regions its own state instances name (all of `regions` when they name none: global
    types only): unmanaged objects are looked for where the states cover, not in every region
    of every account. An account not reached gets an inventory holding only its error, every
    type incomplete: its instances are `unread`, never `missing`."""
    if len(reached) == 1 and reached[0].session is not None:
        return [_take(reached[0].session, regions, config, instances)]
    known = [r.account_id or (_identified(r.session) if r.session else None) for r in reached]
    home = _home([a for a in known if a], instances)
    out = []
    for r, account in zip(reached, known, strict=True):
        mine = list(regions)
        if not config.regions and account is not None:
            named = {i.region for i in instances if i.region and home(i) == account}
            mine = [g for g in regions if g in named] or mine
        out.append(
            _unreached(r, mine) if r.session is None else _take(r.session, mine, config, instances)
        )
    return out


def _unreached(reached: Reached, regions: Sequence[str]) -> Inventory:
    """The inventory of an account whose role could not be assumed: its error, and every
    type incomplete, so that nothing there is `missing` or unmanaged."""
    from driftpatch.aws.readers import READERS

    return Inventory(
        (),
        tuple(regions),
        account_id=reached.account_id,
        errors=(reached.error,) if reached.error else (),
        incomplete=frozenset((t, GLOBAL) for reader in READERS for t in reader.types),
    )


def _home(
    read: Sequence[str | None], instances: Sequence[StateInstance]
) -> Callable[[StateInstance], str | None]:
    """Which read account a state instance is compared in: the one its ARNs name, else the
    one most of its state file's ARNs name, else the first account read."""
    votes: dict[str, collections.Counter[str]] = {}
    for inst in instances:
        acct = account_of(inst.attributes)
        if acct is not None:
            votes.setdefault(inst.origin, collections.Counter())[acct] += 1

    def home(inst: StateInstance) -> str | None:
        acct = account_of(inst.attributes)
        if acct is None and inst.origin in votes:
            acct = votes[inst.origin].most_common(1)[0][0]
        return acct if acct in read else (read[0] if read else None)

    return home


# Where a finding is -> account: a state instance's (address, id), its address where no other
# account's state holds it, or a live object's (type, id).
Accounts = Mapping[str | tuple[str, str], str]


def _detect_accounts(
    instances: Sequence[StateInstance], inventories: Sequence[Inventory]
) -> tuple[Inventory, DriftResult, Accounts]:
    """Drift per account: each state instance is compared in the account its ARNs name, else
    the one most of its state file's ARNs name, else the first account read. One account (the
    usual case): exactly `detect`, and no account marks. Several: one combined inventory (the
    errors' scopes name their account) and every finding's account known."""
    from driftpatch.aws.readers import READERS

    if len(inventories) == 1:
        return inventories[0], detect(instances, inventories[0], readers=READERS), {}
    home = _home([inv.account_id for inv in inventories], instances)
    findings: list[Finding] = []
    statuses: dict[str, ResourceStatus] = {}
    matched: dict[str, LiveResource] = {}
    unmanaged: list[LiveResource] = []
    by_origin: dict[tuple[str, str], ResourceStatus] = {}
    accounts: dict[str | tuple[str, str], str] = {}
    ambiguous: set[str] = set()
    for inv in inventories:
        mine = [i for i in instances if home(i) == inv.account_id]
        result = detect(mine, inv, readers=READERS)
        by_origin.update(
            {(i.origin, str(i.address)): result.statuses[str(i.address)] for i in mine}
        )
        findings.extend(result.findings)
        statuses.update(result.statuses)
        matched.update(result.matched)
        unmanaged.extend(result.unmanaged)
        if inv.account_id:
            for i in mine:  # two states may hold one address (the same stack, two accounts)
                accounts[(str(i.address), i.id or "")] = inv.account_id
                if accounts.setdefault(str(i.address), inv.account_id) != inv.account_id:
                    ambiguous.add(str(i.address))
            accounts.update({(r.type, r.id): inv.account_id for r in inv.resources})
    for address in ambiguous:
        del accounts[address]
    calls: collections.Counter[str] = collections.Counter()
    for inv in inventories:
        calls.update(inv.calls)
    combined = Inventory(
        resources=tuple(r for inv in inventories for r in inv.resources),
        regions=tuple(sorted({r for inv in inventories for r in inv.regions})),
        account_id=None,
        errors=tuple(
            dataclasses.replace(e, scope=f"{inv.account_id or '?'}/{e.scope}")
            for inv in inventories
            for e in inv.errors
        ),
        incomplete=frozenset().union(*(inv.incomplete for inv in inventories)),
        calls=dict(calls),
        duration_s=max(inv.duration_s for inv in inventories),
        taken_at=inventories[0].taken_at,
    )
    drift = DriftResult(tuple(findings), statuses, matched, tuple(unmanaged), by_origin)
    return combined, drift, accounts


def _mark_accounts(findings: Sequence[Finding], accounts: Accounts) -> list[Finding]:
    out = []
    for f in findings:
        acct = None
        if f.address:
            acct = accounts.get((f.address, f.resource_id or "")) or accounts.get(f.address)
        if acct is None and f.resource_id:
            acct = accounts.get((f.resource_type, f.resource_id))
        out.append(dataclasses.replace(f, account=acct) if acct else f)
    return out


def scan(config: Config) -> Report:
    """State + live AWS (+ HCL, + plan): drift and misconfigurations."""
    # One initialised Terraform copy per scan, shared by the long-tail refresh and patch
    # verification (built at first use: most scans need neither).
    shared = SharedSandbox()
    try:
        with long_lived():
            return _scan(config, shared)
    finally:
        shared.close()


def _scan(config: Config, shared: SharedSandbox) -> Report:
    started = time.monotonic()
    index = _load_source(config)
    if config.verify is VerifyMode.TERRAFORM:  # without a CLI: bad usage, before any read
        from driftpatch.fix.verification import terraform_for

        terraform_for(config.verify, index)
    plan = _load_plan(config)
    ignore = _ignore_list(config)
    job = _start_checkov(config, index)
    roles = _role_requests(config)
    session = session_for(config)
    states = read_states(config.states, s3_client=lambda: session.client("s3", _s3_region(session)))
    instances: list[StateInstance] = [i for s in states for i in s.resources]
    if not states and plan is not None:
        instances = _plan_instances(plan)
    regions = _regions(config, instances, session, index)
    inventories: list[Inventory]
    reached: list[Reached] = []
    if config.live_snapshot is not None:
        inventories = [Inventory.load(config.live_snapshot)]
    else:
        reached = _reach(config, session, roles)
        inventories = _read_accounts(config, reached, regions, instances)
    inventory, drift, accounts = _detect_accounts(instances, inventories)
    if roles and reached:  # the assuming session's calls (AssumeRole, S3 states) count too
        calls = collections.Counter(inventory.calls)
        calls.update(session.calls())
        inventory = dataclasses.replace(inventory, calls=dict(sorted(calls.items())))
    role = reached[0].credentials if len(reached) == 1 else None
    # Only a --source makes patches or runs the long-tail refresh; without one the settings
    # (and fix/verification.py, which loads the HCL parser) are never needed.
    settings: Settings | None = None
    if index is not None:
        settings = _verify_settings(
            config, session, live=config.live_snapshot is None, states=states, role=role
        )
        settings = dataclasses.replace(settings, shared=shared)
    drift, refreshed, refresh_errors, refresh_warnings = _refresh_long_tail(
        config, index, instances, drift, settings
    )
    scanned = set(inventory.regions)
    addresses = {(live.type, live.id): addr for addr, live in drift.matched.items()}
    # An unread instance (its type's listing incomplete) may still have been read itself:
    # findings on what was read keep its address.
    for inst in instances:
        if drift.statuses.get(str(inst.address)) is ResourceStatus.UNREAD and inst.id:
            addresses.setdefault((inst.address.type, inst.id), str(inst.address))
    # Objects of derived types (a route, a security group rule, an aws_default_* view) count
    # only as state matched them: a group's rule nobody manages as a resource is the group's
    # (its permission is the group's finding). Where an aws_default_* instance manages an
    # account-default object (the default VPC), the rules see that object once, under the
    # instance's address: rules written for aws_vpc (flow logs) keep seeing the default VPC.
    from driftpatch.aws.readers import READERS

    derived = frozenset(t for reader in READERS for t in reader.derived_types)
    plain = {r.id: r for r in inventory.resources if r.account_default and r.type not in derived}
    for addr, live in drift.matched.items():
        same = plain.get(live.id)
        if live.type in derived and same is not None and same.type != live.type:
            addresses.setdefault((same.type, same.id), addr)
    live_in_scope = [
        _with_unread_partners(r, inventory)
        for r in inventory.resources
        if (r.region is None or r.region in scanned) and r.type not in derived
    ]
    # Resources a reader only matches against state (a separate security group rule) are not in
    # the inventory, yet rules need them beside their group to tell who manages a permission.
    listed = {(r.type, r.id) for r in live_in_scope}
    live_in_scope.extend(
        r for r in drift.matched.values() if (r.type, r.id) not in listed and r.id not in plain
    )
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
    if accounts:
        outcome = dataclasses.replace(outcome, findings=_mark_accounts(outcome.findings, accounts))
    found, hidden_found = outcome.findings, outcome.hidden
    resources = _scan_entries(instances, drift, index, refreshed)
    seen = _config_addresses(r.address for r in resources if r.address)
    resources.extend(_source_entries(index, seen))
    if config.shard is not None:  # this shard's part only; before any patch is made
        dealer = Dealer(config.shard, ((str(i.address), i.origin, i.region) for i in instances))
        found = [f for f in found if dealer.takes_finding(f)]
        hidden_found = tuple(s for s in hidden_found if dealer.takes_finding(s.finding))
        resources = [r for r in resources if dealer.takes_entry(r)]
    findings, hidden, filtered = _select(
        _with_locations(found, index), hidden_found, config.selection, ignore
    )
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
        **({"shard": str(config.shard)} if config.shard is not None else {}),
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
        settings=settings,
        separate=_separate(instances) if index is not None else None,
    )
    return _finish(
        index=index,
        inputs=inputs,
        remedied=remedied,
        resources=resources,
        errors=(*inventory.errors, *refresh_errors),
        problems=_problems(index),
        redactor=_redactor_for_states(states).merged(_redactor_for_plan(plan)),
        stats=stats,
        notices=outcome.notices,
        warnings=(*_plan_warnings(plan), *refresh_warnings),
        suppressed=hidden,
    )


def _separate(instances: Sequence[StateInstance]) -> Separate:
    """Which settings the state manages as separate resources (only patches need it)."""
    from driftpatch.fix.ownership import Separate

    return Separate.from_state(
        ((i.address.type, i.attributes) for i in instances), (str(i.address) for i in instances)
    )


def _verify_settings(
    config: Config,
    session: AwsSession | None,
    *,
    live: bool,
    states: Sequence[State] = (),
    role: TemporaryCredentials | None = None,
) -> Settings:
    """What Terraform verification needs from the scan: the one state it read (re-read as
    bytes: the scan parsed it), whether live AWS was read (then the sandbox refreshes once), and
    the AWS settings given on the command line, passed on as the environment Terraform reads
    (the one `--role-arn`'s credentials: Terraform refreshes in the account the scan read)."""
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
        failures: tuple[type[Exception], ...] = (*_botocore_errors(), DriftpatchError, OSError)
        try:
            body = session.client("s3", _s3_region(session)).get_object(Bucket=bucket, Key=key)
            state = body["Body"].read()
        except failures as exc:
            note = f"cannot re-read {refs[0]}: {type(exc).__name__}"
    elif len(refs) > 1:
        note = "several states were scanned; the source matches one of them at most"
    else:
        note = "no state was given (plan and code only)"
    env: dict[str, str] = {}
    if config.endpoint_url:
        env["AWS_ENDPOINT_URL"] = config.endpoint_url
    if role is not None:
        env["AWS_ACCESS_KEY_ID"] = role.access_key_id
        env["AWS_SECRET_ACCESS_KEY"] = role.secret_access_key
        env["AWS_SESSION_TOKEN"] = role.session_token
    elif config.profile:
        env["AWS_PROFILE"] = config.profile
    if config.regions:
        env["AWS_REGION"] = config.regions[0]
    from driftpatch.fix.verification import Settings

    return Settings(
        mode=config.verify,
        state=state,
        state_note=note,
        refresh=live and state is not None,
        env=env,
        include=config.patch_include,
        kinds=config.patch_kinds,
        batch=config.verify_batch,
    )


def _botocore_errors() -> tuple[type[Exception], ...]:
    """botocore's error roots, imported only when a state is re-read from S3."""
    from driftpatch.aws.session import AWS_ERRORS

    return AWS_ERRORS


def _with_unread_partners(resource: LiveResource, inventory: Inventory) -> LiveResource:
    """`resource`, with the types other readers failed to list in its region (or globally)
    among its unread parts: a VPC's flow logs, when DescribeFlowLogs was denied, are not
    known to be absent. Its own reader's types are left out: that reader marks per object
    what it could not read (one bucket's denied public access block is not every bucket's)."""
    from driftpatch.aws.readers import reader_for

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
    instances: Sequence[StateInstance],
    drift: DriftResult,
    index: SourceIndex | None,
    refreshed: frozenset[str] = frozenset(),
) -> list[ResourceEntry]:
    from driftpatch.aws.readers import reader_for

    def read_by(address: str, type_: str, status: ResourceStatus) -> str | None:
        if address in refreshed:
            return "terraform"
        if status is ResourceStatus.UNSUPPORTED or reader_for(type_) is None:
            return None
        return "native"

    out = []
    for i in instances:
        key = str(i.address)
        status = drift.by_origin.get((i.origin, key)) or drift.statuses.get(
            key, ResourceStatus.UNSUPPORTED
        )
        out.append(
            ResourceEntry(
                address=key,
                type=i.address.type,
                id=i.id,
                status=status,
                location=locate(index, key, None),
                reader=read_by(key, i.address.type, status),
            )
        )
    out.extend(
        ResourceEntry(
            address=None, type=r.type, id=r.id, status=ResourceStatus.UNMANAGED, reader="native"
        )
        for r in drift.unmanaged
    )
    return out


def _long_tail(instances: Sequence[StateInstance], drift: DriftResult) -> list[StateInstance]:
    """hashicorp/aws instances no native reader covers: what a Terraform refresh can read."""
    from driftpatch.aws.readers import reader_for

    return [
        i
        for i in instances
        if i.id
        and drift.statuses.get(str(i.address)) is ResourceStatus.UNSUPPORTED
        and reader_for(i.address.type) is None
        and i.provider.rstrip('"]').endswith("hashicorp/aws")
    ]


def _refresh_unavailable(
    config: Config, index: SourceIndex | None, settings: Settings | None
) -> tuple[Terraform | None, str]:
    """The CLI for the long-tail refresh, or None and why it cannot run."""
    if index is None or settings is None:
        return None, "no --source to run Terraform in"
    if settings.state is None:
        return None, settings.state_note or "no single state to refresh"
    from driftpatch.fix.verification import VerifyError, terraform_for

    if config.terraform_refresh is None and not (index.source_dir / ".terraform").is_dir():
        return None, "the source directory is not initialised (terraform init)"
    try:
        tf, why = terraform_for(
            VerifyMode.TERRAFORM if config.terraform_refresh else VerifyMode.AUTO, index
        )
    except VerifyError:
        return None, "no Terraform CLI on PATH"
    return tf, why


def _refresh_long_tail(
    config: Config,
    index: SourceIndex | None,
    instances: Sequence[StateInstance],
    drift: DriftResult,
    settings: Settings | None,
) -> tuple[DriftResult, frozenset[str], tuple[ScanError, ...], tuple[ScanError, ...]]:
    """Types without a native reader, read by `terraform plan -refresh-only` targeted at them
    (drift/refresh.py). Returns the merged result, the addresses read that way, errors (asked
    for with --terraform-refresh and failed: those instances are unread, exit 3) and warnings
    (auto mode: they stay unsupported)."""
    targets = _long_tail(instances, drift)
    if not targets or config.terraform_refresh is False or config.live_snapshot is not None:
        return drift, frozenset(), (), ()
    forced = config.terraform_refresh is True
    tf, why = _refresh_unavailable(config, index, settings)
    problem = ""
    refreshed: Refreshed | None = None
    if tf is None or index is None or settings is None:
        problem = why
    else:
        shared = settings.shared or SharedSandbox()
        try:
            try:
                sandbox = shared.get(tf, index, state=settings.state, env=settings.env)
                data = sandbox.refresh_plan([str(i.address) for i in targets])
            finally:
                if settings.shared is None:
                    shared.close()
            from driftpatch.drift.refresh import from_refresh
            from driftpatch.terraform.plan import parse_plan

            refreshed = from_refresh(parse_plan(data, "terraform plan -refresh-only"), targets)
        except (SandboxError, DriftpatchError) as exc:
            problem = str(exc)
    if refreshed is None:
        if not forced:
            if tf is None:
                return drift, frozenset(), (), ()  # nothing to try: unsupported, as before
            note = ScanError(
                "terraform",
                f"{len(targets)} resources without a native reader were not refreshed: {problem}",
                level="warning",
            )
            return drift, frozenset(), (), (note,)
        unread = {str(i.address): ResourceStatus.UNREAD for i in targets}
        error = ScanError(
            "terraform",
            f"--terraform-refresh: {len(targets)} resources without a native reader were not "
            f"read: {problem}",
        )
        return (
            dataclasses.replace(drift, statuses={**drift.statuses, **unread}),
            frozenset(),
            (error,),
            (),
        )
    merged = dataclasses.replace(
        drift,
        findings=(*drift.findings, *refreshed.findings),
        statuses={**drift.statuses, **refreshed.statuses},
        matched={**drift.matched, **refreshed.live},
    )
    return merged, frozenset(refreshed.statuses), (), ()


# -- check -------------------------------------------------------------------------------------


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
        from driftpatch.fix.verification import terraform_for

        terraform_for(config.verify, index)
    plan = _load_plan(config)
    ignore = _ignore_list(config)
    job = _start_checkov(config, index)
    drift_findings: list[Finding] = []
    resources: list[ResourceEntry] = []
    subjects: list[Subject] = []
    state_subjects: list[Subject] = []
    if plan is not None:
        from driftpatch.drift.refresh import plan_drift

        drift_findings, drift_status = plan_drift(plan)
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


# -- inventory and patch -----------------------------------------------------------------------


def inventory(config: Config, types: Collection[str] | None = None) -> Inventory:
    """Every covered type (or only `types`) read from AWS in `config.regions` (else the
    session's region), for `scan --live`. Types without a reader are bad input (InputError,
    before any AWS call); failed reads are the inventory's errors, never an exception."""
    from driftpatch.aws.inventory import take_inventory
    from driftpatch.aws.readers import covered_types

    if types is not None:
        unknown = sorted(set(types) - covered_types())
        if unknown:
            covered = ", ".join(sorted(covered_types()))
            raise InputError(f"no reader for {', '.join(unknown)} (covered: {covered})")
    roles = _role_requests(config)
    if len(roles) > 1:
        raise InputError("inventory reads one account: give --role-arn once (a snapshot each)")
    session = session_for(config)
    default = [session.default_region] if session.default_region else []
    regions = list(dict.fromkeys(config.regions or default))
    if roles:
        (reached,) = _reach(config, session, roles)
        if reached.session is None:  # not assumed: a snapshot of nothing, saying why
            return _unreached(reached, regions)
        session = reached.session
    with long_lived():
        return take_inventory(session, regions, types=types)


@dataclass(frozen=True)
class PatchRun:
    """What `patch REPORT.json` did (`--apply`) or would do: for the CLI to show.

    `notes`: an interrupted earlier run rolled back first (fix/journal.py); `selected`: how many
    patches the selection kept (0: nothing to do); `diff`: the preview, one unified diff over
    every file the patches change; `written`: the files `--apply` wrote, `unverified` how many of
    its patches were not verified; `interrupted`: SIGINT/SIGTERM during `--apply` (everything
    rolled back), the signal number and the line saying so."""

    notes: tuple[str, ...] = ()
    selected: int = 0
    diff: str = ""
    written: tuple[str, ...] = ()
    unverified: int = 0
    interrupted: tuple[int, str] | None = None


def patch(
    report: Path,
    source: Path | None = None,
    *,
    apply: bool = False,
    only: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> PatchRun:
    """Show a saved report's patches as one diff, or write them (`apply`), all or nothing.

    Only existing .tf/.tfvars files inside the repository and new .tf files under `source`
    (default: the current directory) are written, under a repository lock; a run interrupted
    by SIGKILL is rolled back by the next one (driftpatch.fix.journal). A report naming a file
    outside that, or whose files changed since, is refused as a whole (InputError/FixError)."""
    from driftpatch.fix.apply import check_targets, plan_application
    from driftpatch.fix.diff import unified
    from driftpatch.fix.journal import ApplyInterrupted, RepoLock, commit, recover
    from driftpatch.reportio import load_patches
    from driftpatch.terraform.source import patch_root

    patches = select_patches(load_patches(report), only, exclude)
    source_root = (source or Path.cwd()).resolve()
    if not source_root.is_dir():
        raise InputError(f"--source {source}: not a directory")
    root = patch_root(source_root)
    check_targets(patches, root, source_root)  # before the lock: a refused report writes nothing
    lock = RepoLock(root)
    notes: list[str] = []
    if not apply:
        if lock.journal.exists():
            with lock:
                notes.append(recover(lock, root) or "")
        if not patches:
            return PatchRun(_notes(notes))
        result = plan_application(patches, root, source_root)
        diff = []
        for rel in sorted(result.files):
            path = root / rel
            old = path.read_bytes().decode("utf-8") if path.is_file() else None
            diff.append(unified(rel, old, result.files[rel]))
        return PatchRun(_notes(notes), len(patches), diff="".join(diff))
    with lock:
        notes.append(recover(lock, root) or "")
        if not patches:
            return PatchRun(_notes(notes))
        result = plan_application(patches, root, source_root)
        try:
            written = commit(result, root, lock)
        except ApplyInterrupted as exc:
            return PatchRun(_notes(notes), len(patches), interrupted=(exc.signum, str(exc)))
    unverified = sum(1 for p in patches if not p.verified)
    return PatchRun(_notes(notes), len(patches), written=tuple(written), unverified=unverified)


def _notes(lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(line for line in lines if line)


def select_patches(
    patches: Sequence[Patch], only: Sequence[str], exclude: Sequence[str]
) -> list[Patch]:
    """The patches of the findings named by `only` (without it: the default patch, what
    `-o patch` wrote), minus `exclude`'s.

    A patch serves every finding it lists: `only` keeps it if it serves one named finding,
    `exclude` drops it if it serves any excluded one. An id no patch serves is bad usage.
    `only` is how a patch left out of the default one (unverified, replacing) is applied."""
    known = {fid for p in patches for fid in p.finding_ids}
    for fid in (*only, *exclude):
        if fid not in known:
            raise InputError(f"no patch in the report serves finding {fid!r}")
    if only:
        kept = [p for p in patches if set(p.finding_ids) & set(only)]
    else:
        kept = [p for p in patches if p.in_default_patch]
    return [p for p in kept if not set(p.finding_ids) & set(exclude)]
