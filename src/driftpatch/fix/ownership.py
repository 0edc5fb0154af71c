"""Who owns a setting: the parent resource's inline argument, or a separate resource.

Several AWS settings can be written in two places: a security group's rules inline (`ingress`,
`egress`) or as `aws_security_group_rule` / `aws_vpc_security_group_{ingress,egress}_rule`
resources; a bucket's policy, versioning, encryption... inline (deprecated since provider 4) or
as `aws_s3_bucket_policy`, `aws_s3_bucket_versioning`, ...; a role's `managed_policy_arns` and
`inline_policy` (deprecated) or `aws_iam_role_policy_attachment` / `aws_iam_role_policy`.
Terraform lets the inline form win: writing an inline `ingress` into a group whose rules are
separate resources makes the next apply revoke those rules. So a drift on such a setting is
codified in the form that owns it: a new separate resource with an `import` block (the object
exists in AWS already; creating it would fail as a duplicate), or no patch, with the reason.
For a parent a module makes, the new resource goes into the root module (a module's code serves
every caller, and only the root module can hold import blocks), after the module's call, with
the parent's id from the module's outputs; a module with no such output gets no patch.

A removed inline block is written `egress = []` (attributes-as-blocks): deleting the last
`egress {}` block would only make Terraform stop managing egress.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from driftpatch.drift.policy import parse_policy
from driftpatch.drift.reconcile import S3_SPLIT
from driftpatch.fix import hcl_edit, render
from driftpatch.fix.hcl_edit import TextEdit
from driftpatch.fix.operations import (
    Edit,
    NoPatch,
    Operation,
    OperationFn,
    apply_command,
)
from driftpatch.model import JSON, Address, Finding, PatchAction, format_key
from driftpatch.rules.interface import Block, Expr
from driftpatch.terraform.schema import AttributeSchema, aws_schema
from driftpatch.terraform.source import BlockNode, SourceIndex

SG_RULE = "aws_security_group_rule"
VPC_RULES = {
    "ingress": "aws_vpc_security_group_ingress_rule",
    "egress": "aws_vpc_security_group_egress_rule",
}
# Parent type -> separate type -> the parent's argument that the separate type points with.
LINKS: Mapping[str, Mapping[str, str]] = {
    "aws_security_group": {
        SG_RULE: "security_group_id",
        VPC_RULES["ingress"]: "security_group_id",
        VPC_RULES["egress"]: "security_group_id",
    },
    "aws_s3_bucket": dict.fromkeys(S3_SPLIT, "bucket"),
    "aws_iam_role": {"aws_iam_role_policy_attachment": "role", "aws_iam_role_policy": "role"},
}
# aws_iam_role argument -> the separate type that owns it.
IAM_SPLIT = {
    "managed_policy_arns": "aws_iam_role_policy_attachment",
    "inline_policy": "aws_iam_role_policy",
}


@dataclass(frozen=True)
class Separate:
    """Separate resources in state, by the parent they belong to (a security group id, a
    bucket name, a role name): `("aws_security_group_rule", "ingress")`, or `(type, "")`."""

    by_parent: Mapping[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    # Every resource instance address in state, or None when not known: a module output
    # `try(a[0].id, b[0].id)` yields b's id only where a[0] does not exist.
    addresses: frozenset[str] | None = None

    @classmethod
    def from_state(
        cls,
        instances: Iterable[tuple[str, Mapping[str, JSON]]],
        addresses: Iterable[str] | None = None,
    ) -> Separate:
        found: dict[str, set[tuple[str, str]]] = {}
        for type_, attrs in instances:
            for parent_type, links in LINKS.items():
                key = links.get(type_)
                if key is None or not attrs.get(key):
                    continue
                direction = ""
                if parent_type == "aws_security_group":
                    direction = (
                        str(attrs.get("type") or "")
                        if type_ == SG_RULE
                        else ("ingress" if "ingress" in type_ else "egress")
                    )
                found.setdefault(str(attrs[key]), set()).add((type_, direction))
        known = frozenset(addresses) if addresses is not None else None
        return cls({k: frozenset(v) for k, v in found.items()}, known)


def _refers(node: BlockNode, attribute: str, parent: Address, parent_id: str | None) -> bool:
    attr = node.attributes.get(attribute)
    if attr is None:
        return False
    if parent_id and attr.literal == parent_id:
        return True
    pattern = rf"(?<![\w.-]){re.escape(parent.type)}\.{re.escape(parent.name)}\b"
    return re.search(pattern, attr.expr_text) is not None


def _sg_direction(node: BlockNode, type_: str) -> str:
    if type_ != SG_RULE:
        return "ingress" if "ingress" in type_ else "egress"
    kind = node.attributes.get("type")
    literal = kind.literal if kind is not None else None
    return literal if literal in ("ingress", "egress") else "ingress+egress"


def managers(
    index: SourceIndex, address: str, resource_id: str | None, separate: Separate
) -> dict[tuple[str, str], list[str]]:
    """The separate resources that manage parts of the resource at `address`, in the code
    (same module, pointing at it) and in state: (type, direction) -> where (addresses)."""
    a = Address.parse(address)
    links = LINKS.get(a.type, {})
    out: dict[tuple[str, str], list[str]] = {}
    for other, node in index.resources.items():
        try:
            o = Address.parse(other)
        except ValueError:
            continue
        if o.module_path != a.module_path or o.type not in links:
            continue
        if not _refers(node, links[o.type], a, resource_id):
            continue
        direction = _sg_direction(node, o.type) if a.type == "aws_security_group" else ""
        for d in direction.split("+"):
            out.setdefault((o.type, d), []).append(o.config_address)
    for type_, d in separate.by_parent.get(resource_id or "", ()):
        out.setdefault((type_, d), []).append("state")
    return out


def _owns(found: Mapping[tuple[str, str], list[str]], direction: str) -> list[str]:
    return sorted({t for (t, d) in found if d in (direction, "")})


# -- where a new resource goes ---------------------------------------------------------------------


def _new_name(index: SourceIndex, a: Address, type_: str, wanted: str, taken: set[str]) -> str:
    used = {
        Address.parse(k).name
        for k in index.resources
        if k.startswith(f"{type_}.") or f".{type_}." in k
    } | taken
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", wanted).strip("_") or "imported"
    if not re.match(r"^[A-Za-z_]", name):
        name = "r_" + name
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class NewResource:
    """A resource to add next to the parent, adopted from AWS with an import block."""

    type: str
    name: str
    arguments: Mapping[str, Any]
    import_id: str


def _check_root_single(index: SourceIndex, f: Finding, what: str) -> BlockNode | str:
    """The root module's block of the parent `f.address`, or why a new resource cannot name it
    (a parent inside a module: `placement`)."""
    assert f.address
    node = index.block_for(f.address)
    if node is None:
        return f"{f.address} is not declared in the scanned code"
    if "count" in node.attributes or "for_each" in node.attributes:
        return f"{what}; {f.address} is one of several instances (count/for_each) of one block"
    return node


# -- a parent made inside a module ----------------------------------------------------------------

# What a separate resource's link argument takes of its parent (a role's id is its name).
LINK_VALUE: Mapping[str, tuple[str, ...]] = {
    "aws_security_group": ("id",),
    "aws_iam_role": ("name", "id"),
    "aws_s3_bucket": ("id", "bucket"),
}
_WHAT = {
    "aws_security_group": "the group id",
    "aws_iam_role": "the role name",
    "aws_s3_bucket": "the bucket name",
}
_CALL = re.compile(r'module\.[A-Za-z_][\w-]*(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?')


@dataclass(frozen=True)
class Placement:
    """Where new separate resources go and how they name their parent: after the parent's
    block (`aws_security_group.web.id`), or, for a parent a module makes, in the root module
    after the module's call, through the module's output (`module.web.security_group_id`)."""

    ref: str  # `aws_security_group.web` (the attribute is added), or a module output
    anchor: str  # address of the block the new resources follow (a resource or module call)
    label: str  # start of the new resources' names
    output: bool = False  # `ref` is a module output: the value itself


def _calls(module: str) -> list[str] | None:
    """`module.a["k"].module.b` -> [`module.a["k"]`, `module.b`] (None if it does not split)."""
    parts = _CALL.findall(module)
    return parts if ".".join(parts) == module else None


def _arguments(text: str) -> list[str] | None:
    """The top-level arguments of `try(...)`, or None when `text` is not one such call."""
    text = text.strip()
    if not (text.startswith("try(") and text.endswith(")")):
        return None
    out, depth, start, quote = [], 0, 4, False
    i = 4
    while i < len(text) - 1:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return None  # `try(a) + try(b)`: not one call
        elif c == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
        i += 1
    if depth != 0 or quote:
        return None
    last = text[start:-1].strip()
    return [*out, last] if last else out


_INSTANCE = re.compile(r'^([A-Za-z_][\w-]*\.[A-Za-z_][\w-]*(?:\[(?:\d+|"[^"]*")\])?)\.[\w-]+$')


def _yields(expr: str, refs: Sequence[str], prefix: str, known: frozenset[str] | None) -> bool:
    """True when the output expression's value is one of `refs`: the reference itself, or a
    `try(...)` whose earlier alternatives refer to resource instances the state does not have
    (they fail, so try goes on) and that then reaches the reference."""
    text = " ".join(expr.split())
    if text in refs:
        return True
    alternatives = _arguments(text)
    for alt in alternatives or ():
        if alt in refs:
            return True
        m = _INSTANCE.match(alt)
        if m is None or known is None or f"{prefix}{m.group(1)}" in known:
            return False  # it may yield a value: the output is not (only) the parent's
    return False


def module_output(
    index: SourceIndex, a: Address, values: Sequence[str], known: frozenset[str] | None
) -> str:
    """How the root module refers to `values[0]` (or an equal attribute) of the resource
    instance `a` made inside a module: `module.<call>.<output>`, through each module's
    outputs.tf up the call chain. Raises NoPatch with the missing output."""
    calls = _calls(a.module)
    if not calls:
        raise NoPatch(f"the module path {a.module} is not one driftpatch can follow")
    names = a.module_path
    refs = [f"{a.type}.{a.name}{format_key(a.key)}.{v}" for v in values]
    for depth in range(len(calls), 0, -1):
        info = index.modules.get(names[:depth])
        if info is None:
            raise NoPatch(f"the code of module {'.'.join(names[:depth])} is not at hand")
        files = set(info.files)
        prefix = ".".join(calls[:depth]) + "."
        found = [
            b.labels[0]
            for b in index.blocks
            if b.type == "output"
            and len(b.labels) == 1
            and b.file in files
            and "value" in b.attributes
            and _yields(b.attributes["value"].expr_text, refs, prefix, known)
        ]
        if not found:
            where = info.directory.resolve()
            try:
                shown = where.relative_to(index.root.resolve()).as_posix()
            except ValueError:
                shown = str(where)
            raise NoPatch(
                f"module {'.'.join(names[:depth])} ({shown}) has no output for "
                f"{_WHAT.get(a.type, 'the parent id')} ({' or '.join(refs)}), so the root "
                "module cannot refer to it: add one"
            )
        refs = [f"{calls[depth - 1]}.{found[0]}"]
    return refs[0]


def placement(index: SourceIndex, f: Finding, what: str, separate: Separate) -> Placement | str:
    """Where a new separate resource for the parent `f.address` goes, or why nowhere."""
    assert f.address
    a = Address.parse(f.address)
    if not a.module_path:
        checked = _check_root_single(index, f, what)
        if isinstance(checked, str):
            return checked
        return Placement(f"{a.type}.{a.name}", f.address, a.name)
    if index.block_for(f.address) is None:
        return f"{f.address} is not declared in the scanned code"
    values = LINK_VALUE.get(a.type, ("id",))
    try:
        ref = module_output(index, a, values, separate.addresses)
    except NoPatch as exc:
        return (
            f"{what}; {f.address} lives in module {'.'.join(a.module_path)}, whose resources "
            f"only the root module can import (the new resource goes there, with "
            f"{_WHAT.get(a.type, 'the parent id')} from the module's outputs), but {exc}"
        )
    top = (_calls(a.module) or [""])[0]
    return Placement(ref, top, a.module_path[0], output=True)


def _anchor(p: Placement, f: Finding) -> str | None:
    """The module call the new resources follow, None for the parent's own block."""
    return None if p.anchor == f.address else p.anchor


def parent_ref(p: Placement, attribute: str) -> Expr:
    """The parent's `attribute` as the new resource writes it."""
    return Expr(p.ref if p.output else f"{p.ref}.{attribute}")


def add_resources_operation(
    f: Finding,
    action: PatchAction,
    resources: Sequence[NewResource],
    why: str,
    anchor: str | None = None,
) -> Operation:
    """New resource blocks + their import blocks after the parent's block (or after `anchor`,
    the root module's call of the module that makes the parent)."""
    assert f.address
    address = anchor or f.address

    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        node = index.block_for(address)
        if node is None:
            raise NoPatch(f"{address} is not declared in the scanned code")
        parts = []
        for r in resources:
            parts.append(render.block("resource", (r.type, r.name), dict(r.arguments)))
            parts.append(
                render.block("import", (), {"to": Expr(f"{r.type}.{r.name}"), "id": r.import_id})
            )
        edit = hcl_edit.insert_after(index.texts[node.file], node, "\n".join(parts))
        names = ", ".join(f"{r.type}.{r.name}" for r in resources)
        where = f" in the root module, after {address}," if anchor else ""
        return [Edit(node.file, (edit,))], f"{why}: adds {names}{where} and imports it from AWS"

    expected = [
        {
            "address": f"{r.type}.{r.name}",
            "id": r.import_id,
            "values": {
                k: v for k, v in r.arguments.items() if isinstance(v, str | int | float | bool)
            },
        }
        for r in resources
    ]
    return Operation((f.id,), action, run, {"kind": "import", "imports": expected})


# -- security groups -------------------------------------------------------------------------------


def _elements(value: JSON) -> list[Mapping[str, Any]]:
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def _key(e: Mapping[str, Any]) -> str:
    return json.dumps(e, sort_keys=True, default=str)


def _sg_rules(
    group: Expr, group_id: str, direction: str, element: Mapping[str, Any]
) -> list[tuple[dict[str, Any], str]]:
    """aws_security_group_rule arguments + import id for one live rule object: the CIDRs and
    prefix lists in one rule, each source group (and `self`) in a rule of its own, as the
    resource allows one source group per rule."""
    protocol = str(element.get("protocol") or "-1")
    lo, hi = int(element.get("from_port") or 0), int(element.get("to_port") or 0)
    base: dict[str, Any] = {
        "type": direction,
        "security_group_id": group,
        "protocol": protocol,
        "from_port": lo,
        "to_port": hi,
    }
    if element.get("description"):
        base["description"] = str(element["description"])
    head = f"{group_id}_{direction}_{protocol}_{lo}_{hi}"
    out: list[tuple[dict[str, Any], str]] = []
    cidrs = [str(c) for c in element.get("cidr_blocks") or ()]
    ipv6 = [str(c) for c in element.get("ipv6_cidr_blocks") or ()]
    lists = [str(c) for c in element.get("prefix_list_ids") or ()]
    if cidrs or ipv6 or lists:
        args = dict(base)
        pairs = (("cidr_blocks", cidrs), ("ipv6_cidr_blocks", ipv6), ("prefix_list_ids", lists))
        args.update((k, v) for k, v in pairs if v)
        out.append((args, "_".join([head, *cidrs, *ipv6, *lists])))
    for sg in sorted(str(g) for g in element.get("security_groups") or ()):
        out.append(({**base, "source_security_group_id": sg}, f"{head}_{sg}"))
    if element.get("self"):
        out.append(({**base, "self": True}, f"{head}_self"))
    return out


def _is_inline(node: BlockNode, name: str) -> bool:
    return bool(node.nested(name) or node.dynamic(name) or name in node.attributes)


def security_group_codify(
    f: Finding, index: SourceIndex, separate: Separate
) -> Operation | str | None:
    """Codify `ingress`/`egress` drift of a group whose rules are separate resources as new
    rule resources (imported); None when no separate resource is involved."""
    assert f.address and f.attribute
    direction = f.attribute
    found = managers(index, f.address, f.resource_id, separate)
    kinds = _owns(found, direction)
    node = index.block_for(f.address)
    if not kinds:
        # Rules of the other direction are separate resources: Terraform's documentation says
        # never to mix inline rules and rule resources on one group, so a new permission of
        # this direction takes the same form (unless the code already writes it inline).
        if not found or (node is not None and _is_inline(node, direction)):
            return None
        kinds = sorted({t for (t, _d) in found})
    uses = " and ".join(kinds)
    if node is not None and _is_inline(node, direction):
        return (
            f"{f.address} writes inline {direction} and its {direction} rules are also "
            f"managed by {uses} resources: Terraform undoes one with the other on every "
            f"apply; move the inline {direction} into {uses} resources first"
        )
    want, have = _elements(f.expected), _elements(f.actual)
    added = [e for e in have if _key(e) not in {_key(w) for w in want}]
    if not added:
        return (
            f"the {direction} permission removed in AWS was not managed by the code (the "
            f"group's rules are {uses} resources): no code change keeps it removed"
        )
    code_kinds = [t for (t, d) in found if found[(t, d)] != ["state"] and t in kinds]
    kind = code_kinds[0] if code_kinds else kinds[0]
    if _owns(found, direction):
        what = f"{f.address}'s {direction} rules are managed by {kind} resources"
    else:
        what = (
            f"{f.address}'s rules are managed by {kind} resources (never mixed with inline "
            f"{direction} on one group)"
        )
    if kind != SG_RULE:
        return (
            f"{what}: writing inline {direction} would delete them; importing the new "
            f"permission as a {kind} needs its AWS rule id (sgr-...), which the scan does not "
            f"read: add the {kind} and its import block by hand (aws ec2 "
            f"describe-security-group-rules --filters Name=group-id,Values={f.resource_id})"
        )
    place = placement(index, f, what, separate)
    if isinstance(place, str):
        return place
    a = Address.parse(f.address)
    group = parent_ref(place, "id")
    taken: set[str] = set()
    resources = []
    for element in added:
        for args, import_id in _sg_rules(group, str(f.resource_id), direction, element):
            port = f"{args['protocol']}_{args['from_port']}".replace("-1", "all")
            name = _new_name(index, a, SG_RULE, f"{place.label}_{direction}_{port}", taken)
            resources.append(NewResource(SG_RULE, name, args, import_id))
    why = f" (inline {direction} would delete them)" if _owns(found, direction) else ""
    return add_resources_operation(
        f, PatchAction.CODIFY, resources, f"{what}{why}", _anchor(place, f)
    )


# -- S3 split resources ----------------------------------------------------------------------------


S3_OWNER = {attr: type_ for type_, attrs in S3_SPLIT.items() for attr in attrs}


# A version constraint part that keeps hashicorp/aws below 4: "~> 3.74", "3.76.1", "= 3.0",
# "< 4.0", "<= 3.76" (">= 3.0" does not: it allows 5.x).
_LEGACY = re.compile(r"^((~>|=)?\s*[0-3](\.\d+)*|<\s*4(\.0)*|<=\s*[0-3](\.\d+)*)$")


def legacy_aws_provider(index: SourceIndex) -> bool:
    """True when the code pins hashicorp/aws below 4 (where inline bucket arguments are the
    only form); unknown or >= 4 -> False."""
    for text in index.texts.values():
        for m in re.finditer(r"aws\s*=\s*\{[^}]*?version\s*=\s*\"([^\"]+)\"", text, re.S):
            for part in m.group(1).split(","):
                if _LEGACY.match(part.strip()):
                    return True
    return False


def _versioning(value: Any, path: str) -> dict[str, Any] | None:
    """aws_s3_bucket_versioning arguments from the bucket's live `versioning`."""
    enabled = value if path.endswith(".enabled") else None
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        enabled = value[0].get("enabled")
    if not isinstance(enabled, bool):
        return None
    status = "Enabled" if enabled else "Suspended"
    return {"versioning_configuration": Block({"status": status})}


def _encryption(value: Any) -> dict[str, Any] | None:
    rules = value
    if isinstance(value, list) and value and isinstance(value[0], Mapping) and "rule" in value[0]:
        rules = value[0]["rule"]
    out = []
    for r in _elements(rules):
        defaults = _elements(r.get("apply_server_side_encryption_by_default"))
        if not defaults:
            return None
        d = {"sse_algorithm": defaults[0].get("sse_algorithm")}
        if defaults[0].get("kms_master_key_id"):
            d["kms_master_key_id"] = defaults[0]["kms_master_key_id"]
        body: dict[str, Any] = {"apply_server_side_encryption_by_default": Block(d)}
        if r.get("bucket_key_enabled"):
            body["bucket_key_enabled"] = True
        out.append(Block(body))
    return {"rule": tuple(out)} if out else None


def s3_split_arguments(attribute: str, value: Any) -> tuple[str, dict[str, Any]] | str:
    """(split type, its arguments beyond `bucket`) for a bucket attribute's value, or why not."""
    head = hcl_edit.parse_path(attribute)[0].name
    type_ = S3_OWNER[head]
    args: dict[str, Any] | None = None
    if head == "policy":
        doc = parse_policy(value)
        args = {"policy": Expr(f"jsonencode({render.value(doc, 0)})")} if doc else None
    elif head == "versioning":
        args = _versioning(value, attribute)
    elif head == "server_side_encryption_configuration":
        args = _encryption(value)
    else:
        return f"driftpatch does not write {type_} yet: write it from the live value by hand"
    if args is None:
        return f"the live value of {attribute} cannot be written as an {type_}"
    return type_, args


def s3_codify(
    f: Finding, index: SourceIndex, separate: Separate, value: Any, action: PatchAction
) -> Operation | str | None:
    """Codify (or, with `action` revert, state) a bucket setting in its split resource; None
    when the inline argument is the right place (pre-4 provider, or the code writes it)."""
    assert f.address and f.attribute
    head = hcl_edit.parse_path(f.attribute)[0].name
    owner = S3_OWNER.get(head)
    if owner is None:
        return None
    found = managers(index, f.address, f.resource_id, separate)
    where = found.get((owner, ""))
    if where:
        return (
            f"{head} of {f.address} is managed by {owner} ({', '.join(where)}): never written "
            f"inline; that resource's own drift is reported on it"
        )
    node = index.block_for(f.address)
    if legacy_aws_provider(index) or (node is not None and _is_inline(node, head)):
        return None
    what = f"{head} is a deprecated inline argument of aws_s3_bucket (provider >= 4)"
    place = placement(index, f, what, separate)
    if isinstance(place, str):
        return place
    made = s3_split_arguments(f.attribute, value)
    if isinstance(made, str):
        return f"{what}; {made}"
    type_, args = made
    a = Address.parse(f.address)
    name = _new_name(index, a, type_, place.label, set())
    arguments = {"bucket": parent_ref(place, "id"), **args}
    resource = NewResource(type_, name, arguments, str(f.resource_id))
    why = f"{what}, so it goes into {type_}"
    return add_resources_operation(f, action, [resource], why, _anchor(place, f))


# -- IAM roles -------------------------------------------------------------------------------------


def iam_codify(f: Finding, index: SourceIndex, separate: Separate) -> Operation | str | None:
    """Codify `managed_policy_arns` / `inline_policy` drift as attachments / role policies."""
    assert f.address and f.attribute
    head = hcl_edit.parse_path(f.attribute)[0].name
    owner = IAM_SPLIT.get(head)
    if owner is None:
        return None
    node = index.block_for(f.address)
    found = managers(index, f.address, f.resource_id, separate)
    split = [t for t in _owns(found, "") if t == owner]
    inline = node is not None and _is_inline(node, head)
    if inline and not split:
        return None  # the code writes the inline form and nothing else owns it
    if inline:
        return (
            f"{f.address} writes {head} and {', '.join(split)} resources also manage its "
            f"policies: Terraform undoes one with the other; keep one form"
        )
    what = f"{head} of aws_iam_role is deprecated and the code does not write it"
    if split:
        what = f"{f.address}'s policies are managed by {', '.join(split)} resources"
    # (name wanted after the label, arguments beyond `role`, the role attribute, import id)
    adds: list[tuple[str, dict[str, Any], str, str]] = []
    role = str(f.resource_id)
    if head == "managed_policy_arns":
        want = {str(v) for v in f.expected} if isinstance(f.expected, list) else set()
        have = [str(v) for v in f.actual] if isinstance(f.actual, list) else []
        for arn in (v for v in have if v not in want):
            adds.append((arn.rsplit("/", 1)[-1], {"policy_arn": arn}, "name", f"{role}/{arn}"))
    else:
        old = {str(e.get("name")): e for e in _elements(f.expected)}
        for e in _elements(f.actual):
            pname = str(e.get("name") or "")
            doc = parse_policy(e.get("policy"))
            if not pname or pname in old or doc is None:
                continue
            args = {"name": pname, "policy": Expr(f"jsonencode({render.value(doc, 0)})")}
            adds.append((pname, args, "id", f"{role}:{pname}"))
    if not adds:
        return (
            f"{what}: the policies removed or changed in AWS are not managed by the code, "
            "so no code change keeps the live value"
        )
    place = placement(index, f, what, separate)
    if isinstance(place, str):
        return place
    a = Address.parse(f.address)
    taken: set[str] = set()
    resources = []
    for wanted, args, attribute, import_id in adds:
        name = _new_name(index, a, owner, f"{place.label}_{wanted}", taken)
        arguments = {"role": parent_ref(place, attribute), **args}
        if "name" in args:  # the role policy's name first, as before
            arguments = {"name": args["name"], **arguments}
        resources.append(NewResource(owner, name, arguments, import_id))
    return add_resources_operation(f, PatchAction.CODIFY, resources, what, _anchor(place, f))


# -- attributes-as-blocks written empty ------------------------------------------------------------


def is_block_attribute(resource_type: str, name: str) -> bool:
    """An attribute of a list/set of objects, written in code as repeated blocks
    (security group `ingress`/`egress`): `name = []` is how the code says "none"."""
    rs = aws_schema().resource(resource_type)
    spec = rs.block.child(name) if rs is not None else None
    if not isinstance(spec, AttributeSchema) or not isinstance(spec.type, list):
        return False
    inner = spec.type[1] if len(spec.type) == 2 else None
    return spec.type[0] in ("list", "set") and isinstance(inner, list) and inner[:1] == ["object"]


def empty_blocks_operation(address: str, name: str) -> OperationFn:
    """`name = []` in place of every `name {}` block (or of the expression, or added)."""

    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        node = index.block_for(address)
        if node is None:
            raise NoPatch(f"{address} is not declared in the scanned code")
        if node.dynamic(name):
            raise NoPatch(f"{name} is generated by a dynamic block: set its collection to []")
        text = index.texts[node.file]
        attr = node.attributes.get(name)
        if attr is not None:
            edits = [TextEdit(attr.expr.start, attr.expr.end, "[]")]
        elif node.nested(name):
            blocks = node.nested(name)
            pad = hcl_edit.indent_of(text, blocks[0].span.start)
            first = hcl_edit.replace_block(text, blocks[0], f"{pad}{name} = []")
            edits = [first, *(hcl_edit.remove_block(text, b) for b in blocks[1:])]
        else:
            edits = hcl_edit.set_value(text, node, name, Expr("[]"))
        return [Edit(node.file, tuple(edits))], (
            f"sets {name} = [] in {node.file} (no {name} at all: deleting the blocks would "
            f"only stop Terraform managing {name})"
        )

    return run


# -- lifecycle ignore_changes ----------------------------------------------------------------------


def _ignore_items(node: BlockNode) -> tuple[list[str], BlockNode, Any] | None:
    for lc in node.nested("lifecycle"):
        attr = lc.attributes.get("ignore_changes")
        if attr is None:
            continue
        text = " ".join(attr.expr_text.split())
        if text == "all":
            return ["all"], lc, attr
        if text.startswith("[") and text.endswith("]"):
            items = [i.strip().strip('"') for i in text[1:-1].split(",") if i.strip()]
            return items, lc, attr
    return None


def ignored(index: SourceIndex, address: str, attribute: str) -> str | None:
    """The ignore_changes entry that makes Terraform ignore `attribute` ("all" included)."""
    node = index.block_for(address)
    found = _ignore_items(node) if node is not None else None
    if found is None:
        return None
    head = hcl_edit.parse_path(attribute)[0].name
    for item in found[0]:
        if item == "all" or re.split(r"[.\[]", item, maxsplit=1)[0] == head:
            return item
    return None


def unignore_operation(address: str, entry: str) -> OperationFn:
    """Drop `entry` from the block's lifecycle ignore_changes (the whole argument if last)."""

    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        node = index.block_for(address)
        found = _ignore_items(node) if node is not None else None
        if node is None or found is None or entry not in found[0] or entry == "all":
            raise NoPatch(f"ignore_changes of {address} does not list {entry}")
        items, lc, attr = found
        text = index.texts[node.file]
        rest = [i for i in items if i != entry]
        if rest:
            edits = [TextEdit(attr.expr.start, attr.expr.end, "[" + ", ".join(rest) + "]")]
        else:
            edits = hcl_edit.remove_value(text, lc, "ignore_changes")
        return [Edit(node.file, tuple(edits))], (
            f"removes {entry} from lifecycle ignore_changes in {node.file}, so apply restores it"
        )

    return run


# -- advice ----------------------------------------------------------------------------------------


def revoke_command(f: Finding) -> str:
    """The AWS CLI call that removes the permissions live has beyond the state's."""
    want = {_key(e) for e in _elements(f.expected)}
    extra = [e for e in _elements(f.actual) if _key(e) not in want]
    perms = []
    for e in extra:
        p: dict[str, Any] = {"IpProtocol": str(e.get("protocol") or "-1")}
        if p["IpProtocol"] != "-1":
            p["FromPort"], p["ToPort"] = int(e.get("from_port") or 0), int(e.get("to_port") or 0)
        if e.get("cidr_blocks"):
            p["IpRanges"] = [{"CidrIp": c} for c in e["cidr_blocks"]]
        if e.get("ipv6_cidr_blocks"):
            p["Ipv6Ranges"] = [{"CidrIpv6": c} for c in e["ipv6_cidr_blocks"]]
        if e.get("prefix_list_ids"):
            p["PrefixListIds"] = [{"PrefixListId": c} for c in e["prefix_list_ids"]]
        groups = [str(g) for g in e.get("security_groups") or ()]
        if e.get("self"):
            groups.append(str(f.resource_id))
        if groups:
            p["UserIdGroupPairs"] = [{"GroupId": g} for g in groups]
        perms.append(p)
    direction = "egress" if f.attribute == "egress" else "ingress"
    return (
        f"aws ec2 revoke-security-group-{direction} --group-id {f.resource_id} "
        f"--ip-permissions '{json.dumps(perms, separators=(',', ':'))}'"
    )


def iam_undo_commands(f: Finding) -> str:
    """AWS CLI calls that take a role's added managed or inline policies off again."""
    role = str(f.resource_id)
    if f.attribute == "managed_policy_arns":
        want = {str(v) for v in f.expected} if isinstance(f.expected, list) else set()
        added = (
            [str(v) for v in f.actual or () if str(v) not in want]
            if isinstance(f.actual, list)
            else []
        )
        calls = [f"aws iam detach-role-policy --role-name {role} --policy-arn {a}" for a in added]
    else:
        old = {str(e.get("name")) for e in _elements(f.expected)}
        calls = [
            f"aws iam delete-role-policy --role-name {role} --policy-name {e.get('name')}"
            for e in _elements(f.actual)
            if str(e.get("name")) not in old
        ]
    return "; ".join(calls) or f"compare the role's policies with the state's (role {role})"


def not_restored(f: Finding, why: str) -> str:
    assert f.address
    return (
        f"`{apply_command(f.address)}` alone would not restore it: {why}, so Terraform leaves "
        "the live value as it is."
    )
