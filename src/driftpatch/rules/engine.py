"""Run rules over subjects and turn their violations into findings (and fixes for fix/).

Each origin is its own world: a rule relating a bucket to its public access block sees the
bucket's partner from the same origin only, never a live bucket next to a planned block. A rule
that raises becomes one internal-error finding for that rule and resource (rule id
`DP-INTERNAL`, the failing rule's id in `also`), and every other rule still runs: one bug must
not hide every other finding. The exception's message is never copied into the finding,
because messages carry values (a KeyError names the key, a ValueError quotes the input).

When a source index is given, inline suppression comments are applied (suppress.py): the
suppressed findings move to `suppressed`, and suppressions without a reason become notes.

A live subject whose reads partly failed (`Subject.unread`) shows those attributes as UNKNOWN
and its linked types as undecided, so rules do not mistake a failed read for "not configured";
each rule that would have fired on such a guess is named in `skipped` (the report's notices).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from driftpatch.model import JSON, Finding, Kind, Severity, finding_sort_key
from driftpatch.rules import all_rules, all_source_rules
from driftpatch.rules.interface import (
    UNKNOWN,
    Fix,
    Origin,
    Rule,
    RuleMeta,
    SourceIndexLike,
    SourceRule,
    SourceViolation,
    Subject,
    Violation,
    World,
    config_address,
)
from driftpatch.rules.suppress import Suppression, SuppressionNote, notes, suppressed

INTERNAL_RULE_ID = "DP-INTERNAL"
# How an UNKNOWN inside a reported value is written (as Terraform prints it).
KNOWN_AFTER_APPLY = "(known after apply)"


@dataclass(frozen=True)
class SuppressedFinding:
    finding: Finding
    suppression: Suppression


@dataclass(frozen=True)
class EvaluationResult:
    findings: tuple[Finding, ...] = ()
    # finding id -> the subject it was found on and how code can fix it.
    fixes: Mapping[str, tuple[Subject, Fix]] = field(default_factory=dict)
    suppressed: tuple[SuppressedFinding, ...] = ()
    notes: tuple[SuppressionNote, ...] = ()
    # One line per rule left unanswered on a live resource because a read it needs failed.
    skipped: tuple[str, ...] = ()

    def merge(self, other: EvaluationResult) -> EvaluationResult:
        """Both results in one; a finding id already present is not added twice."""
        seen = {_key(f) for f in self.findings}
        extra = tuple(f for f in other.findings if _key(f) not in seen)
        fixes = dict(self.fixes)
        for fid, fix in other.fixes.items():
            fixes.setdefault(fid, fix)
        return EvaluationResult(
            findings=tuple(sorted((*self.findings, *extra), key=finding_sort_key)),
            fixes=fixes,
            suppressed=(*self.suppressed, *other.suppressed),
            notes=tuple(dict.fromkeys((*self.notes, *other.notes))),
            skipped=tuple(dict.fromkeys((*self.skipped, *other.skipped))),
        )


def evaluate(
    subjects: Sequence[Subject],
    rules: Sequence[Rule] | None = None,
    *,
    source: SourceIndexLike | None = None,
) -> EvaluationResult:
    """Every applicable rule on every subject.

    A rule applies to a subject when the subject's type is in its `resource_types`, except
    that rules with `meta.live=False` skip LIVE subjects. The same problem seen from several
    origins (a bucket in live, state and code) is one finding: its values come from the
    origin closest to reality (LIVE, then STATE, PLAN, CODE), its fix preferably from CODE,
    which knows how the block is written, and its location from any origin that has one. A
    CODE finding on a whole block (count or for_each unknown before apply) stands for its
    instances (`aws_x.y` for `aws_x.y[0]`, `[1]`); CODE findings on instances are per instance.
    With `source`, inline suppressions are applied.
    """
    by_type: dict[str, list[Rule]] = {}
    for rule in all_rules() if rules is None else rules:
        for type_ in rule.meta.resource_types:
            by_type.setdefault(type_, []).append(rule)

    by_origin: dict[Origin, list[Subject]] = {}
    for subject in subjects:
        by_origin.setdefault(subject.origin, []).append(subject)
    worlds = {origin: World(members) for origin, members in by_origin.items()}

    found: list[tuple[Finding, Subject, Fix | None]] = []
    skipped: list[str] = []
    for subject in subjects:
        for rule in by_type.get(subject.type, ()):
            if subject.origin is Origin.LIVE and not rule.meta.live:
                continue
            results = list(_run(rule, subject, worlds[subject.origin]))
            found.extend((f, subject, fix) for f, fix in results)
            if subject.unread:
                note = _skipped(rule, subject, worlds[subject.origin], results)
                if note:
                    skipped.append(note)
    findings, fixes = _merge_origins(found)
    result = _finish(findings, fixes, source)
    return replace(result, skipped=tuple(dict.fromkeys(skipped)))


def _skipped(
    rule: Rule,
    subject: Subject,
    world: World,
    results: Sequence[tuple[Finding, Fix | None]],
) -> str | None:
    """A note when the failed reads of `subject` kept `rule` from answering: the rule, run as
    if those reads had answered "not configured", finds something it did not find on what was
    actually read. That is the finding a failed read would have made up."""
    naive = replace(
        subject,
        attributes={
            k: v
            for k, v in subject.attributes.items()
            if not (k in subject.unread and v is UNKNOWN)
        },
        unread=frozenset(),
    )
    try:
        would = {v.attribute for v in rule.evaluate(naive, world)}
    except Exception:  # the real run already reported a crashing rule
        return None
    did = {f.attribute for f, _ in results}
    if not would - did:
        return None
    where = subject.address or f"{subject.type} {subject.id}"
    return f"{rule.meta.id} not evaluated on {where}: a read it needs failed (see errors)"


_ORIGIN_ORDER = {Origin.LIVE: 0, Origin.STATE: 1, Origin.PLAN: 2, Origin.CODE: 3}
_Key = tuple[str, str, str, tuple[str, ...]]


def _merge_origins(
    found: Sequence[tuple[Finding, Subject, Fix | None]],
) -> tuple[list[Finding], dict[str, tuple[Subject, Fix]]]:
    """One finding per problem across origins (see `evaluate`)."""
    kept: dict[_Key, Finding] = {}
    fix_for: dict[_Key, tuple[Subject, Fix]] = {}
    by_block: dict[_Key, list[_Key]] = {}  # (rule, config address, ...) -> instance keys
    for finding, subject, fix in sorted(found, key=lambda e: _ORIGIN_ORDER[e[1].origin]):
        where = finding.address or f"{finding.resource_type}.{finding.resource_id}"
        key = (finding.rule_id, where, finding.attribute or "", finding.also)
        block = (finding.rule_id, config_address(where), finding.attribute or "", finding.also)
        code = subject.origin is Origin.CODE
        # A CODE finding at a block address (its count or for_each unknown before apply)
        # stands for the instances other origins found; one at an instance address is its own.
        whole_block = code and where == block[1]
        instances = by_block.get(block, [])
        targets = instances if whole_block and key not in kept and instances else [key]
        for target in targets:
            if target not in kept:
                kept[target] = finding
                if finding.address:
                    by_block.setdefault(block, []).append(target)
            elif kept[target].location is None and finding.location is not None:
                kept[target] = replace(kept[target], location=finding.location)
            if fix is not None and (target not in fix_for or code):
                fix_for[target] = (subject, fix)
    fixes = {kept[k].id: fix for k, fix in fix_for.items()}
    return list(kept.values()), fixes


def evaluate_source(
    index: SourceIndexLike,
    rules: Sequence[SourceRule] | None = None,
    *,
    apply_suppressions: bool = True,
) -> EvaluationResult:
    """Every source rule over the indexed configuration (CODE only)."""
    findings: dict[tuple[str, tuple[str, ...]], Finding] = {}
    for rule in all_source_rules() if rules is None else rules:
        try:
            violations = list(rule.evaluate_source(index))
        except Exception as exc:  # a rule bug: reported as a finding, the others go on
            finding = _internal(rule.meta, exc, resource_type="terraform")
            findings.setdefault(_key(finding), finding)
            continue
        for v in violations:
            finding = _source_finding(rule.meta, v)
            findings.setdefault(_key(finding), finding)
    return _finish(findings.values(), {}, index if apply_suppressions else None)


def _run(rule: Rule, subject: Subject, world: World) -> Iterable[tuple[Finding, Fix | None]]:
    try:
        violations = list(rule.evaluate(subject, world))
    except Exception as exc:  # a rule bug: reported as a finding, the others go on
        yield _internal(rule.meta, exc, subject=subject), None
        return
    for v in violations:
        try:
            fix = rule.fix(subject, v)
        except Exception as exc:  # the finding stands; its fix is reported as broken
            yield _internal(rule.meta, exc, subject=subject, during="fix"), None
            fix = None
        yield _finding(rule.meta, subject, v), fix


def _finish(
    findings: Iterable[Finding],
    fixes: Mapping[str, tuple[Subject, Fix]],
    source: SourceIndexLike | None,
) -> EvaluationResult:
    kept: list[Finding] = []
    hidden: list[SuppressedFinding] = []
    for finding in findings:
        suppression = suppressed(finding, source) if source is not None else None
        if suppression is None:
            kept.append(finding)
        else:
            hidden.append(SuppressedFinding(finding, suppression))
    kept_ids = {f.id for f in kept}
    return EvaluationResult(
        findings=tuple(sorted(kept, key=finding_sort_key)),
        fixes={fid: fix for fid, fix in fixes.items() if fid in kept_ids},
        suppressed=tuple(hidden),
        notes=notes(source) if source is not None else (),
    )


def _key(finding: Finding) -> tuple[str, tuple[str, ...]]:
    # Internal errors of two rules on one resource share an id; `also` tells them apart.
    return finding.id, finding.also


def _plain(value: JSON) -> JSON:
    """`value` as JSON data: UNKNOWN (from code or a plan) written the way Terraform does."""
    if value is UNKNOWN:
        return KNOWN_AFTER_APPLY
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_WORD = re.compile(r"[a-z0-9]+")


def _title(meta: RuleMeta, detail: str) -> str:
    """The rule's title, plus the violation's detail when it says something the title does not
    ("SSH open to the internet: port 22 from 0.0.0.0/0", not "...: versioning is not enabled")."""
    if not detail:
        return meta.title
    title_words = set(_WORD.findall(meta.title.lower())) | {"is", "not", "no", "the", "a"}
    if set(_WORD.findall(detail.lower())) <= title_words:
        return meta.title
    return f"{meta.title}: {detail}"


def _finding(meta: RuleMeta, subject: Subject, v: Violation) -> Finding:
    return Finding(
        kind=Kind.MISCONFIG,
        rule_id=meta.id,
        title=_title(meta, v.detail),
        severity=meta.severity,
        category=meta.category,
        resource_type=subject.type,
        address=subject.address,
        resource_id=subject.id,
        attribute=v.attribute,
        expected=_plain(v.expected),
        actual=_plain(v.actual),
        location=subject.location,
        description=meta.description,
        risk=meta.risk,
        remediation=meta.remediation,
        references=(*meta.references, *meta.type_references.get(subject.type, ())),
    )


def _source_finding(meta: RuleMeta, v: SourceViolation) -> Finding:
    return Finding(
        kind=Kind.MISCONFIG,
        rule_id=meta.id,
        title=_title(meta, v.detail),
        severity=meta.severity,
        category=meta.category,
        resource_type=v.resource_type,
        address=v.address,
        resource_id=v.resource_id,
        attribute=v.attribute,
        expected=_plain(v.expected),
        actual=_plain(v.actual),
        location=v.location,
        description=meta.description,
        risk=meta.risk,
        remediation=meta.remediation,
        references=meta.references,
    )


def _internal(
    meta: RuleMeta,
    exc: Exception,
    *,
    subject: Subject | None = None,
    resource_type: str = "terraform",
    during: str = "evaluation",
) -> Finding:
    kind = type(exc).__name__
    return Finding(
        kind=Kind.MISCONFIG,
        rule_id=INTERNAL_RULE_ID,
        title=f"Rule {meta.id} failed ({during}): {kind}",
        severity=Severity.INFO,
        category=meta.category,
        resource_type=subject.type if subject is not None else resource_type,
        address=subject.address if subject is not None else None,
        resource_id=subject.id if subject is not None else None,
        location=subject.location if subject is not None else None,
        description=(
            f"Rule {meta.id} ({meta.title}) raised {kind} during {during}, so its result for "
            "this resource is unknown. This is a bug in driftpatch, not in your configuration."
        ),
        risk="A misconfiguration this rule checks for may go unreported on this resource.",
        remediation=(
            f"Report it with the rule id ({meta.id}), the resource type and driftpatch's "
            "version; the other rules' results are unaffected."
        ),
        also=(meta.id,),
    )
