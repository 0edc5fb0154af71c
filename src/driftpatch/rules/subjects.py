"""Subjects from every origin: state instances, a plan, live resources, and the HCL itself.

Rules see one attribute shape whatever the origin (the hashicorp/aws 5.x state shape), so the
work of reconciling origins is done here, once:

- STATE and LIVE values are taken as they are.
- PLAN: planned values, with every path the plan marks `after_unknown` set to `UNKNOWN`.
- CODE: literal HCL values; any other expression is `UNKNOWN`; nested blocks are lists of
  dicts; a `dynamic "x"` block makes `x` UNKNOWN; attributes not written are absent (rules
  read absence as the provider default). `jsonencode({...})` and heredoc JSON policies are
  decoded where their structure is literal, with any interpolated value UNKNOWN inside, so
  policy rules work on the policies people actually write.

The state, plan and live classes are written elsewhere; this module reads them by duck typing
through the protocols below. Where a source index is given, subjects of every origin get the
location of the block that declares them and the references its expressions make (`refs`).
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import copy
import functools
import hashlib
import json
import re
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from driftpatch.model import JSON, Address, Location
from driftpatch.rules.interface import (
    UNKNOWN,
    BlockNodeLike,
    Origin,
    SourceIndexLike,
    Subject,
    World,
    config_address,
)
from driftpatch.seqs import common_prefix, common_suffix

if TYPE_CHECKING:
    from driftpatch.terraform.evaluate import Scope

# The HCL evaluator (terraform/evaluate.py, and with it python-hcl2, lark and the source
# index) is imported where code is evaluated, not here: `scan --state` builds its subjects
# from state and live values only, and importing the parser cost it ~0.09 s of CPU.

# Meta-arguments and meta-blocks of a resource block: not provider attributes.
_META = frozenset(
    {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
)
# A whole expression that is one reference to a managed resource, optionally interpolated
# alone in a string: aws_s3_bucket.logs.id, aws_s3_bucket.logs[0].bucket, "${aws_x.y.arn}".
_REFERENCE = re.compile(
    r'^(?:"\$\{)?\s*(?P<type>aws_[a-z0-9_]+)\.(?P<name>[A-Za-z_][\w-]*)'
    r'(?:\[[^\]]*\])?\.[A-Za-z_]\w*\s*(?:\}")?$'
)
_JSONENCODE = re.compile(r"^jsonencode\s*\((?P<body>.*)\)\s*$", re.DOTALL)
_HEREDOC = re.compile(
    r"^<<(?P<indent>-?)(?P<tag>\w+)[ \t]*\r?\n(?P<body>.*?)^\s*(?P=tag)\s*$",
    re.DOTALL | re.MULTILINE,
)
_INTERPOLATION = re.compile(r"\$\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")
_PLACEHOLDER = "__driftpatch_unknown_value__"


# -- Inputs, by duck typing ------------------------------------------------------------------


class StateInstanceLike(Protocol):
    """A state resource instance: its address and attributes (`id` and `region` are read
    when present, else derived)."""

    @property
    def address(self) -> Address: ...
    @property
    def attributes(self) -> Mapping[str, JSON]: ...


class LiveResourceLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def region(self) -> str | None: ...
    @property
    def attributes(self) -> Mapping[str, JSON]: ...
    @property
    def account_default(self) -> bool: ...


# -- STATE ------------------------------------------------------------------------------------


def from_state(
    instances: Iterable[StateInstanceLike], source: SourceIndexLike | None = None
) -> tuple[Subject, ...]:
    """Managed resource instances of a state (data sources are not subjects)."""
    out: list[Subject] = []
    for inst in instances:
        address = inst.address
        if address.mode != "managed":
            continue
        ident = getattr(inst, "id", None) or inst.attributes.get("id")
        out.append(
            _with_source(
                Subject(
                    type=address.type,
                    attributes=inst.attributes,
                    origin=Origin.STATE,
                    address=str(address),
                    id=ident if isinstance(ident, str) else None,
                    region=getattr(inst, "region", None),
                ),
                source,
            )
        )
    return tuple(out)


# -- PLAN -------------------------------------------------------------------------------------


def from_plan(plan: Any, source: SourceIndexLike | None = None) -> tuple[Subject, ...]:
    """Subjects for what the plan says will exist after apply.

    Reads `plan.planned_values` (a sequence of values resources, or an object with
    `.resources`), each with `.address` and `.values`, and `plan.resource_changes`, each with
    `.address`, `.after`, `.after_unknown` and `.actions`. A change's unknown paths become
    UNKNOWN; a resource only in resource_changes is taken from its `after`; deletions are not
    subjects.
    """
    changes: dict[str, Any] = {}
    for change in getattr(plan, "resource_changes", None) or ():
        changes[str(change.address)] = change
    planned = getattr(plan, "planned_values", None)
    resources = getattr(planned, "resources", planned) or ()

    out: list[Subject] = []
    seen: set[str] = set()
    for res in resources:
        address = str(res.address)
        change = changes.get(address)
        values = getattr(res, "values", None)
        if values is None and change is not None:
            values = change.after
        subject = _plan_subject(address, values, change)
        if subject is not None:
            seen.add(address)
            out.append(_with_source(subject, source))
    for address, change in changes.items():
        if address in seen or getattr(change, "after", None) is None:
            continue  # already taken from planned values, or deleted
        subject = _plan_subject(address, change.after, change)
        if subject is not None:
            out.append(_with_source(subject, source))
    return tuple(out)


def _plan_subject(address: str, values: Any, change: Any) -> Subject | None:
    try:
        parsed = Address.parse(address)
    except ValueError:
        return None
    if parsed.mode != "managed" or not isinstance(values, Mapping):
        return None
    attributes: JSON = json.loads(json.dumps(values))  # a private, mutable copy
    unknown = getattr(change, "after_unknown", None) if change is not None else None
    if unknown:
        attributes = _apply_unknown(attributes, unknown)
    ident = attributes.get("id") if isinstance(attributes, Mapping) else None
    return Subject(
        type=parsed.type,
        attributes=attributes if isinstance(attributes, Mapping) else {},
        origin=Origin.PLAN,
        address=address,
        id=ident if isinstance(ident, str) else None,
    )


def _apply_unknown(value: JSON, unknown: JSON) -> JSON:
    """Overlay a plan's `after_unknown` (True at unknown paths) onto `value`."""
    if unknown is True:
        return UNKNOWN
    if isinstance(unknown, Mapping):
        base = dict(value) if isinstance(value, Mapping) else {}
        for key, sub in unknown.items():
            if sub is True or isinstance(sub, Mapping | list):
                base[key] = _apply_unknown(base.get(key), sub)
        return base
    if isinstance(unknown, list):
        items = list(value) if isinstance(value, list) else []
        for i, sub in enumerate(unknown):
            if sub is True or isinstance(sub, Mapping | list):
                while len(items) <= i:
                    items.append(None)
                items[i] = _apply_unknown(items[i], sub)
        return items
    return value


# -- LIVE -------------------------------------------------------------------------------------


def from_live(
    resources: Iterable[LiveResourceLike],
    addresses: Mapping[tuple[str, str], str] | None = None,
    source: SourceIndexLike | None = None,
) -> tuple[Subject, ...]:
    """Live resources; `addresses` maps (type, id) to the state address managing it, so
    findings on managed resources carry their address (and, with `source`, their location).
    What a resource's reader could not read (`unread`) is UNKNOWN to the rules."""
    out: list[Subject] = []
    for res in resources:
        address = (addresses or {}).get((res.type, res.id))
        unread = frozenset(getattr(res, "unread", None) or ())
        attributes = res.attributes
        if unread:
            # A failed read is unknown, as an expression in code is: never "not configured".
            # Linked types (aws_*) are not attributes: `partners` reads them from `unread`.
            attributes = {
                **attributes,
                **{name: UNKNOWN for name in unread if not name.startswith("aws_")},
            }
        subject = Subject(
            type=res.type,
            attributes=attributes,
            origin=Origin.LIVE,
            address=address,
            id=res.id,
            region=res.region,
            account_default=res.account_default,
            unread=unread,
        )
        out.append(_with_source(subject, source) if address else subject)
    return tuple(out)


# -- CODE -------------------------------------------------------------------------------------


def from_code(index: SourceIndexLike) -> tuple[Subject, ...]:
    """One subject per resource instance Terraform would plan from the HCL alone: `count`
    and `for_each` expanded (`aws_instance.web["a"]`), module calls evaluated with their
    arguments, and values evaluated as Terraform would before apply (variables from tfvars
    or defaults, locals, `each`, `count.index`, pure functions); anything known only after
    apply is UNKNOWN. A block whose count or for_each is unknown is one subject at its block
    address. Every subject points at the block that declares it."""
    if not hasattr(index, "modules"):  # a bare index of blocks: literal values only
        return _from_blocks(index)
    return _code_subjects(index)


# The last few indexes' code subjects: `scan` asks for them (from_code) and for their
# references (every state, live and plan subject, `_with_source`) on the same index.
_CODE_CACHE: weakref.WeakKeyDictionary[object, tuple[Subject, ...]] = weakref.WeakKeyDictionary()


def _code_subjects(index: SourceIndexLike) -> tuple[Subject, ...]:
    try:
        cached = _CODE_CACHE.get(index)
    except TypeError:  # not weak-referenceable or hashable: no cache
        cached = None
    if cached is not None:
        return cached
    from driftpatch.terraform.evaluate import instances

    out: list[Subject] = []
    context = _Context(index)
    for inst in instances(index):
        attributes, refs = _evaluated_instance(context, inst.address, inst.block, inst.scope)
        out.append(_code_subject(index, inst.address, inst.block, attributes, refs))
    result = tuple(out)
    with contextlib.suppress(TypeError):
        _CODE_CACHE[index] = result
    return result


def _code_subject(
    index: Any, address: str, block: Any, attributes: dict[str, JSON], refs: dict[str, str]
) -> Subject:
    """The CODE subject of one instance, located where the index places its block (else at
    the block's own span)."""
    location = index.locate(config_address(address)) if index is not None else None
    if location is None:
        location = Location(block.file, block.span.start_line, block.span.end_line)
    return Subject(
        type=block.labels[0],
        attributes=attributes,
        origin=Origin.CODE,
        address=address,
        location=location,
        refs={**block_refs(block, address), **refs},
    )


class EditedCode:
    """`from_code` of a working copy kept current across its edits (static patch
    verification: one edit per patch, the code subjects of the whole configuration after
    each, since a rule may relate the patched resource to any other).

    An edit that only changes the bodies of root-module resource blocks (none added, removed
    or renamed, none with count or for_each before or after, no module's files touched)
    changes nothing any other block evaluates to: each block's evaluation reads its own text,
    variables, locals, tfvars, and of other resources only whether they exist and how they
    expand (a Ref, not their bodies). So only the edited blocks are evaluated again, in the
    root module's scope kept from the first full evaluation; the subjects of the other blocks
    are kept as they were. Their values equal a recomputation from scratch; their `location`
    is where they were before the edit (lines move with edits above them; no rule reads
    locations, and verification reports none). Any other edit recomputes from scratch.
    tests/fix/test_linear_code.py checks the values against `from_code` on random edits."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self._subjects: list[Subject] | None = None
        self._by_address: dict[str, list[int]] = {}
        self._scope: Scope | None = None
        # World's grouping of the subjects, and where each subject is in its type's group:
        # kept across edits, one group rebuilt per edited subject (see `world`).
        self._by_type: dict[str, tuple[Subject, ...]] | None = None
        self._slots: list[int] = []
        self.incremental = 0  # edits handled without a full recomputation (for benchmarks)

    def subjects(self) -> list[Subject]:
        if self._subjects is None:
            self._subjects = list(from_code(self.index))
            self._by_address = {}
            for i, s in enumerate(self._subjects):
                if s.address is None:
                    continue
                self._by_address.setdefault(s.address, []).append(i)
                cfg = s.config_address
                if cfg is not None and cfg != s.address:
                    self._by_address.setdefault(cfg, []).append(i)
        return self._subjects

    def world(self) -> World:
        """`World(self.subjects())`, kept current across edits rather than built again from
        every subject after each (a pass over the whole configuration per verified patch)."""
        subjects = self.subjects()
        if self._by_type is None:
            by_type: dict[str, list[Subject]] = {}
            slots = []
            for s in subjects:
                group = by_type.setdefault(s.type, [])
                slots.append(len(group))
                group.append(s)
            self._by_type = {k: tuple(v) for k, v in by_type.items()}
            self._slots = slots
        return World.grouped(self._by_type)

    def of(self, address: str) -> list[Subject]:
        """The subjects whose address or block address is `address`."""
        subjects = self.subjects()
        return [subjects[i] for i in self._by_address.get(address, ())]

    def edited(self, index: Any, files: Iterable[str]) -> EditedCode:
        """The subjects of `index`: this working copy after an edit of `files`."""
        out = EditedCode(index)
        out.incremental = self.incremental
        if self._subjects is None:
            return out
        blocks = _edited_blocks(self.index, index, tuple(files))
        if blocks is None:
            return out
        if self._scope is None:
            from driftpatch.terraform.evaluate import ConfigEval, Scope

            self._scope = Scope(ConfigEval(self.index).root())
        subjects = list(self._subjects)
        by_type = dict(self._by_type) if self._by_type is not None else None
        for block in blocks:
            address = f"{block.labels[0]}.{block.labels[1]}"
            where = self._by_address.get(address, [])
            if len(where) != 1:
                return out
            refs: dict[str, str] = {}
            attributes = _evaluated_body(block, self._scope, refs, top=True)
            subject = _code_subject(index, address, block, attributes, refs)
            if by_type is not None:
                slot = self._slots[where[0]]
                group = by_type.get(subject.type, ())
                if subjects[where[0]].type != subject.type or group[slot] is not subjects[where[0]]:
                    by_type = None  # not expected (labels are the same); grouped again
                else:
                    by_type[subject.type] = (*group[:slot], subject, *group[slot + 1 :])
            subjects[where[0]] = subject
        out._subjects = subjects
        out._by_type = by_type
        out._slots = self._slots if by_type is not None else []
        out._by_address = self._by_address
        out._scope = self._scope
        out.incremental += 1
        return out


def _edited_blocks(before: Any, after: Any, files: tuple[str, ...]) -> list[Any] | None:
    """The resource blocks of `after` an edit of `files` touched, when the edit only changed
    root-module resource bodies (see EditedCode); None otherwise."""
    root = before.modules.get(())
    if root is None or set(before.modules) != set(after.modules):
        return None
    if before.tfvars != after.tfvars:
        return None
    from driftpatch.terraform.source import parse_text

    elsewhere = {f for path, info in before.modules.items() if path != () for f in info.files}
    if any(f not in root.files or f in elsewhere for f in files):
        return None
    touched: list[Any] = []
    for file in files:
        old, new = before.texts.get(file), after.texts.get(file)
        if old is None or new is None:
            return None
        shortest = min(len(old), len(new))
        head = common_prefix(old, new, shortest)
        tail = common_suffix(old, new, shortest - head)
        # The file's blocks in order (parse_text: the parse the index was built from, cached).
        was = _blocks_between(parse_text(old, file).blocks, head, len(old) - tail)
        now = _blocks_between(parse_text(new, file).blocks, head, len(new) - tail)
        if was is None or now is None:
            return None
        if sorted(b.labels for b in was) != sorted(b.labels for b in now):
            return None
        touched.extend(now)
    return touched


def _blocks_between(blocks: Sequence[Any], start: int, end: int) -> list[Any] | None:
    """The blocks (of one file, in order) whose text reaches into start..end, when all are
    plain resource blocks (no count, no for_each); None otherwise."""
    first = bisect.bisect_left(blocks, start, key=_end_of)
    last = bisect.bisect_right(blocks, end, key=_start_of)
    out = []
    for b in blocks[first:last]:
        if b.type != "resource" or len(b.labels) != 2:
            return None
        if "count" in b.attributes or "for_each" in b.attributes:
            return None
        out.append(b)
    return out


def _start_of(block: Any) -> int:
    return int(block.span.start)


def _end_of(block: Any) -> int:
    return int(block.span.end)


# Evaluated instance bodies, by what they can depend on. Static patch verification builds the
# code subjects of the whole configuration once per patch (a rule may link the patched resource
# to any other); a patch usually edits one resource block, so every other instance's evaluation
# is the same as in the previous index: without this, verifying P patches on R resources costs
# P x R evaluations (100 patches on 1,000 resources: 11 of a 34 s scan).
_BODY_CACHE: collections.OrderedDict[
    tuple[str, str, str, str], tuple[dict[str, JSON], dict[str, str]]
]
_BODY_CACHE = collections.OrderedDict()
_BODY_CACHE_SIZE = 100_000
_BODY_LOCK = threading.Lock()


_MENTION = re.compile(r"\b([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)")


class _Context:
    """What an instance's evaluation reads besides its own block, as digests.

    `shared`: every block that is not a resource (variables, locals, module calls, outputs, data
    sources, providers) by text, the variable files, which files make which module, and every
    resource block with `count`/`for_each` (its expansion). A resource reference evaluates to a
    Ref, a list/map of Refs, or UNKNOWN when no such block exists, so `key` adds, for the
    resource names a block's text mentions, whether they are declared. Equal digests and equal
    block texts evaluate to equal bodies; adding one resource block (the usual fix) changes only
    the digests of the blocks that mention it."""

    def __init__(self, index: SourceIndexLike) -> None:
        self.texts: Mapping[str, str] = getattr(index, "texts", {})
        digest = hashlib.sha256()
        declared: dict[tuple[str, str], set[str]] = {}
        for block in getattr(index, "blocks", ()):
            text = self.text(block)
            if block.type == "resource" and len(block.labels) == 2:
                declared.setdefault((block.labels[0], block.labels[1]), set()).add(block.file)
                expansion = [
                    (name, block.attributes[name].expr_text)
                    for name in ("count", "for_each")
                    if name in block.attributes
                ]
                if expansion:
                    _add(digest, "R", block.file, block.labels, expansion)
            else:
                _add(digest, "B", block.file, text)
        for node in getattr(index, "tfvars", ()):
            _add(
                digest, "V", node.file, sorted((k, a.expr_text) for k, a in node.attributes.items())
            )
        for path, info in sorted(getattr(index, "modules", {}).items()):
            _add(digest, "M", path, sorted(info.files))
        self.declared = {k: tuple(sorted(v)) for k, v in declared.items()}
        # What the non-resource blocks mention (an output or local naming a resource), once
        # every resource is known.
        for block in getattr(index, "blocks", ()):
            if block.type != "resource":
                _add(digest, "D", self._resolved(self.text(block)))
        self.shared = digest.hexdigest()

    def text(self, block: Any) -> str:
        return self.texts.get(block.file, "")[block.span.start : block.span.end]

    def _resolved(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        names = {(m[0], m[1]) for m in _MENTION.findall(text)}
        return sorted((f"{t}.{n}", self.declared.get((t, n), ())) for t, n in names)

    def key(self, address: str, block: Any) -> tuple[str, str, str, str]:
        text = self.text(block)
        return (self.shared, address, block.file, text + repr(self._resolved(text)))


def _add(digest: Any, *parts: object) -> None:
    for part in parts:
        digest.update(str(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\0")


def _evaluated_instance(
    context: _Context, address: str, block: Any, scope: Scope
) -> tuple[dict[str, JSON], dict[str, str]]:
    key = context.key(address, block)
    with _BODY_LOCK:
        found = _BODY_CACHE.get(key)
        if found is not None:
            _BODY_CACHE.move_to_end(key)
    if found is not None:
        return dict(found[0]), dict(found[1])  # values are never mutated: shared, as in _CODE_CACHE
    refs: dict[str, str] = {}
    attributes = _evaluated_body(block, scope, refs, top=True)
    with _BODY_LOCK:
        _BODY_CACHE[key] = (dict(attributes), dict(refs))
        while len(_BODY_CACHE) > _BODY_CACHE_SIZE:
            _BODY_CACHE.popitem(last=False)
    return attributes, refs


def _from_blocks(index: SourceIndexLike) -> tuple[Subject, ...]:
    out: list[Subject] = []
    for address, block in index.resources.items():
        subject = from_block(block, address, index)
        if subject is not None:
            out.append(subject)
    return tuple(out)


def _evaluated_body(
    block: Any, scope: Scope, refs: dict[str, str], top: bool = False, prefix: str = ""
) -> dict[str, JSON]:
    """A block's attributes and nested blocks, evaluated in `scope`; `refs` collects the
    resources each attribute names (see `_reference`)."""
    from driftpatch.terraform.evaluate import evaluate_text, is_unknown

    out: dict[str, JSON] = {}
    for name, attr in block.attributes.items():
        if top and name in _META:
            continue
        value = evaluate_text(attr, scope)
        if is_unknown(value):
            ref = _reference(value)
            if ref is not None:
                refs[prefix + name] = ref
            # Policies: the document's structure, with UNKNOWN where it interpolates.
            decoded = attribute_value(attr.literal, attr.expr_text)
            out[name] = decoded if decoded is not UNKNOWN else UNKNOWN
        else:
            if isinstance(value, list):  # `[aws_iam_policy.a.arn, ...]`: each element's
                for i, item in enumerate(value):
                    ref = _reference(item) if is_unknown(item) else None
                    if ref is not None:
                        refs[f"{prefix}{name}[{i}]"] = ref
            out[name] = _subject_value(value)
    unknown: set[str] = set()
    counts: dict[str, int] = {}
    for child in block.blocks:
        if top and child.type in _META:
            continue
        if child.type == "dynamic":
            if not child.labels:
                continue
            label = child.labels[0]
            generated = _dynamic(child, scope, refs, prefix, counts)
            if generated is None:
                unknown.add(label)
            else:
                existing = out.setdefault(label, [])
                if isinstance(existing, list):
                    existing.extend(generated)
            continue
        i = counts.get(child.type, 0)
        counts[child.type] = i + 1
        existing = out.setdefault(child.type, [])
        if isinstance(existing, list):
            existing.append(
                _evaluated_body(child, scope, refs, prefix=f"{prefix}{child.type}[{i}].")
            )
    for name in unknown:
        out[name] = UNKNOWN
    return out


def _dynamic(
    block: Any, scope: Scope, refs: dict[str, str], prefix: str, counts: dict[str, int]
) -> list[JSON] | None:
    """The blocks a `dynamic` block generates; None when its for_each is not known."""
    from driftpatch.terraform.evaluate import evaluate_text, is_unknown

    label = block.labels[0]
    for_each = block.attributes.get("for_each")
    content = [b for b in block.blocks if b.type == "content"]
    if for_each is None or not content:
        return None
    items = evaluate_text(for_each, scope)
    if isinstance(items, dict):
        pairs: list[tuple[Any, Any]] = [(k, items[k]) for k in sorted(items)]
    elif isinstance(items, list) and not any(is_unknown(i) for i in items):
        pairs = list(enumerate(items))
    else:
        return None
    iterator = block.attributes.get("iterator")
    name = iterator.expr_text.strip() if iterator is not None else label
    out: list[JSON] = []
    for key, value in pairs:
        i = counts.get(label, 0)
        counts[label] = i + 1
        inner = scope.child(**{name: {"key": key, "value": value}})
        out.append(_evaluated_body(content[0], inner, refs, prefix=f"{prefix}{label}[{i}]."))
    return out


def _reference(value: Any) -> str | None:
    """The resource an unknown value names: a reference to one of its attributes, or a value
    computed from exactly one resource (`"${aws_s3_bucket.b.id}/logs"`)."""
    from driftpatch.terraform.evaluate import Ref, Unknown

    if isinstance(value, Ref):
        return value.address if value.path else None
    if isinstance(value, Unknown) and len(value.deps) == 1:
        return next(iter(value.deps))
    return None


def _subject_value(value: Any) -> JSON:
    """An evaluated value as subject data: every kind of unknown is the rules' UNKNOWN."""
    from driftpatch.terraform.evaluate import is_unknown

    def data(value: Any) -> JSON:
        if is_unknown(value):
            return UNKNOWN
        if isinstance(value, list):
            return [data(v) for v in value]
        if isinstance(value, dict):
            return {k: data(v) for k, v in value.items()}
        return value

    return data(value)


def from_block(
    block: BlockNodeLike, address: str, index: SourceIndexLike | None = None
) -> Subject | None:
    """A CODE subject for a `resource "type" "name"` block; None for anything else."""
    if block.type != "resource" or len(block.labels) != 2:
        return None
    count = block.attributes.get("count")
    if count is not None and _literal(count.literal) == 0:
        return None
    for_each = block.attributes.get("for_each")
    if for_each is not None and _literal(for_each.literal) in ([], {}):
        return None
    return _code_subject(index, address, block, _body(block, top=True), {})


def _body(block: BlockNodeLike, top: bool = False) -> dict[str, JSON]:
    out: dict[str, JSON] = {}
    for name, attr in block.attributes.items():
        if top and name in _META:
            continue
        out[name] = attribute_value(attr.literal, attr.expr_text)
    dynamic: set[str] = set()
    for child in block.blocks:
        if top and child.type in _META:
            continue
        if child.type == "dynamic":
            if child.labels:
                dynamic.add(child.labels[0])
            continue
        existing = out.setdefault(child.type, [])
        if isinstance(existing, list):
            existing.append(_body(child))
    for name in dynamic:
        out[name] = UNKNOWN
    return out


def attribute_value(literal: object, expr_text: str) -> JSON:
    """The value an HCL attribute has before apply: its literal value; for a collection or
    `jsonencode(...)` written out in HCL, the data with UNKNOWN where an element is an
    expression; a heredoc JSON document likewise; otherwise UNKNOWN."""
    value = _literal(literal)
    if value is not UNKNOWN:
        return value
    text = expr_text.strip()
    match = _JSONENCODE.match(text)
    if match is not None:
        decoded = _decode_hcl(match.group("body"))
    elif text.startswith(("[", "{")):
        decoded = _decode_hcl(text)
    else:
        decoded = _decode_heredoc_json(text)
    if decoded is not None:
        return decoded
    return UNKNOWN


def _literal(value: object) -> JSON:
    """`value` if it is plain JSON data (the index's literal); UNKNOWN for its sentinel."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple):
        items = [_literal(v) for v in value]
        return UNKNOWN if any(i is UNKNOWN for i in items) else items
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            item = _literal(v)
            if not isinstance(k, str) or item is UNKNOWN:
                return UNKNOWN
            out[k] = item
        return out
    return UNKNOWN


def _decode_hcl(expr: str) -> JSON | None:
    """An HCL collection expression as Python data, with UNKNOWN where it is not literal.

    Parsing is memoised (every re-verification of a patch re-reads the same expressions); the
    caller gets its own copy."""
    return copy.deepcopy(_decode_hcl_cached(expr))


@functools.lru_cache(maxsize=8192)
def _decode_hcl_cached(expr: str) -> JSON | None:
    try:
        import hcl2
        from hcl2 import SerializationOptions

        parsed = hcl2.loads(
            f"x = {expr}\n",
            serialization_options=SerializationOptions(
                with_comments=False,
                explicit_blocks=False,
                strip_string_quotes=True,
                preserve_heredocs=False,
            ),
        )
    except Exception:  # any parse failure: the expression stays UNKNOWN
        return None
    if not isinstance(parsed, Mapping) or "x" not in parsed:
        return None
    value = _hcl_data(parsed["x"])
    return value if isinstance(value, list | dict) else None


def _hcl_data(value: Any) -> JSON:
    if isinstance(value, str):
        return UNKNOWN if ("${" in value or "%{" in value) else value
    if isinstance(value, list):
        return [_hcl_data(v) for v in value]
    if isinstance(value, Mapping):
        return {
            str(k).strip('"'): _hcl_data(v) for k, v in value.items() if not str(k).startswith("__")
        }
    return value


def _decode_heredoc_json(text: str) -> JSON | None:
    """A heredoc holding a JSON document; interpolated strings inside it become UNKNOWN."""
    match = _HEREDOC.match(text)
    if match is None:
        return None
    body = _INTERPOLATION.sub(_PLACEHOLDER, match.group("body"))
    try:
        doc = json.loads(body)
    except json.JSONDecodeError:
        return None
    return _unplaceholder(doc) if isinstance(doc, dict) else None


def _unplaceholder(value: Any) -> JSON:
    if isinstance(value, str):
        return UNKNOWN if _PLACEHOLDER in value else value
    if isinstance(value, list):
        return [_unplaceholder(v) for v in value]
    if isinstance(value, dict):
        return {k: _unplaceholder(v) for k, v in value.items()}
    return value


# -- References and locations -----------------------------------------------------------------


def block_refs(block: BlockNodeLike, address: str) -> dict[str, str]:
    """Attribute path -> config address, for every attribute whose whole expression is one
    reference to a managed resource (resolved within the block's module)."""
    module = _module_prefix(address)
    out: dict[str, str] = {}

    def walk(node: BlockNodeLike, prefix: str) -> None:
        for name, attr in node.attributes.items():
            match = _REFERENCE.match(attr.expr_text.strip())
            if match:
                out[prefix + name] = f"{module}{match.group('type')}.{match.group('name')}"
        counts: dict[str, int] = {}
        for child in node.blocks:
            if child.type in _META or child.type == "dynamic":
                continue
            i = counts.get(child.type, 0)
            counts[child.type] = i + 1
            walk(child, f"{prefix}{child.type}[{i}].")

    walk(block, "")
    return out


def _module_prefix(address: str) -> str:
    cfg = config_address(address)
    parts = cfg.split(".")
    # Strip "<type>.<name>" (and a leading "data." of data sources) from the end.
    tail = 3 if len(parts) >= 3 and parts[-3] == "data" else 2
    prefix = ".".join(parts[:-tail])
    return f"{prefix}." if prefix else ""


_REFS_CACHE: weakref.WeakKeyDictionary[object, Mapping[str, Mapping[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def _instance_refs(source: SourceIndexLike) -> Mapping[str, Mapping[str, str]]:
    """Instance address -> the references its code makes (see `from_code`)."""
    try:
        cached = _REFS_CACHE.get(source)
    except TypeError:
        cached = None
    if cached is None:
        cached = {s.address: s.refs for s in _code_subjects(source) if s.address is not None}
        with contextlib.suppress(TypeError):
            _REFS_CACHE[source] = cached
    return cached


def _with_source(subject: Subject, source: SourceIndexLike | None) -> Subject:
    if source is None or subject.address is None:
        return subject
    cfg = config_address(subject.address)
    block = source.resources.get(cfg)
    location = source.locate(subject.address) or source.locate(cfg)
    refs = block_refs(block, cfg) if block is not None else {}
    if hasattr(source, "modules"):
        # What the code says this very instance refers to (`each.value.id`, a module
        # argument): values a plan knows only after apply still link to the right partner.
        refs.update(_instance_refs(source).get(subject.address, {}))
    if location is None and not refs:
        return subject
    return replace(subject, location=location or subject.location, refs=refs or subject.refs)
