"""Choose a remedy for each finding and express it as an operation on the source tree.

- codify: drift that is safe to keep -> write the live value where the code says it (a literal,
  or the tfvars value / variable default that feeds it); an expression that cannot be patched
  safely gets no patch and says why.
- revert: drift that weakens security -> no code change when the code already says the secure
  value (re-apply restores it); if the code leaves the attribute unset (so apply would not
  restore it), pin the state's value in code. The remediation names the exact apply command.
- fix: a misconfiguration -> the rule's declarative edits.
- remove: a resource deleted live -> remove its block and record a `removed {}` block.
- import: unmanaged resources -> `import {}` + resource blocks in a new file (fix/imports.py).

Operations run one after another on a working copy of the files; each re-reads the (already
edited) file, so two remedies touching one block compose instead of colliding.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftpatch.config import Prefer
from driftpatch.drift import security
from driftpatch.drift.policy import POLICY_ATTRIBUTES, parse_policy
from driftpatch.errors import FixError
from driftpatch.fix import hcl_edit, imports, ownership, render, trace
from driftpatch.fix.hcl_edit import TextEdit
from driftpatch.fix.operations import Edit as Edit
from driftpatch.fix.operations import NoPatch as NoPatch
from driftpatch.fix.operations import Operation as Operation
from driftpatch.fix.operations import OperationFn as OperationFn
from driftpatch.fix.operations import apply_command as apply_command
from driftpatch.model import SENSITIVE, Address, Finding, Kind, LiveResource, PatchAction
from driftpatch.rules import meta_by_id
from driftpatch.rules.interface import AddResource, Expr, Fix, RemoveValue, SetValue, Subject
from driftpatch.seqs import common_prefix, common_suffix
from driftpatch.terraform.schema import BlockSchema, aws_schema
from driftpatch.terraform.source import AttributeNode, BlockNode, SourceIndex

_VAR = re.compile(r"^var\.([A-Za-z_][A-Za-z0-9_-]*)$")


@dataclass(frozen=True)
class Plan:
    operations: tuple[Operation, ...]
    # finding id -> a remediation sentence to use instead of the finding's generic one.
    remediation: Mapping[str, str]
    # finding id -> why no patch is offered.
    skipped: Mapping[str, str]


# -- locating the code behind a value ---------------------------------------------------------


def _block(index: SourceIndex, address: str) -> BlockNode:
    node = index.block_for(address)
    if node is None:
        raise NoPatch(f"{address} is not declared in the scanned code")
    return node


def _multi_instance(node: BlockNode) -> bool:
    return "count" in node.attributes or "for_each" in node.attributes


def _module_call(index: SourceIndex, module_path: tuple[str, ...]) -> BlockNode | None:
    if not module_path:
        return None
    parent = index.modules.get(module_path[:-1])
    call = parent.calls.get(module_path[-1]) if parent is not None else None
    return call.block if call is not None else None


@dataclass(frozen=True)
class Target:
    """Where to write a value: `path` inside `node` (a block, or a tfvars/variable body)."""

    node: BlockNode
    path: str
    via: str  # human description: "literal in main.tf", "variable default in variables.tf"


def _tfvars_target(index: SourceIndex, name: str) -> Target | None:
    """The root module's tfvars assignment of `name` (the last file Terraform reads wins)."""
    for node in reversed(index.tfvars):
        if name in node.attributes:
            return Target(node, name, f"tfvars value of var.{name} in {node.file}")
    return None


def resolve_target(
    index: SourceIndex, address: str, path: str, *, allow_shared: bool = False
) -> Target:
    """Follow `path` of the resource at `address` to the code that sets it.

    Literal -> that attribute (or object key). `var.x` -> the root tfvars assignment, else the
    module call argument, else the variable's default. Anything else -> NoPatch naming the
    expression."""
    addr = Address.parse(address)
    node = _block(index, address)
    steps = hcl_edit.parse_path(path)
    head = steps[0]
    attr = node.attributes.get(head.name)
    # An object key written in the code (`tags = { Env = var.env }`): follow the key's value.
    if (
        attr is not None
        and len(steps) == 2
        and head.index is None
        and steps[1].name in attr.elements
    ):
        attr, rest = attr.elements[steps[1].name], ""
    else:
        rest = path[len(head.name) :]
    if attr is None or attr.literal is not _not_literal() or head.index is not None:
        if _multi_instance(node) and not allow_shared:
            raise NoPatch(
                f"{address} is one of several instances (count/for_each) of one block: "
                "writing one instance's value into the block would change them all"
            )
        return Target(node, path, f"{'literal' if attr else 'new attribute'} in {node.file}")
    return _follow_expression(index, addr, node, attr, rest, allow_shared)


def _not_literal() -> object:
    from driftpatch.terraform.source import NOT_LITERAL

    return NOT_LITERAL


def _follow_expression(
    index: SourceIndex,
    addr: Address,
    node: BlockNode,
    attr: AttributeNode,
    rest: str,
    allow_shared: bool,
) -> Target:
    """`attr` is an expression; `rest` is what of the path lies inside its value (".Env")."""
    expr = " ".join(attr.expr_text.split())
    m = _VAR.match(expr)
    if m is None:
        raise NoPatch(
            f"{attr.name} comes from the expression `{expr[:80]}`: no safe place to write the "
            "value, so no patch is offered"
        )
    if _multi_instance(node) and not allow_shared:
        raise NoPatch(
            f"{attr.name} comes from var.{m.group(1)} shared by every instance of the block"
        )
    name = m.group(1)
    module_path = addr.module_path
    if not module_path:
        found = _tfvars_target(index, name)
        if found is not None:
            return Target(found.node, name + rest, found.via)
    else:
        call = _module_call(index, module_path)
        if call is not None:
            if _multi_instance(call) and not allow_shared:
                raise NoPatch(
                    f"{attr.name} comes from module {module_path[-1]}'s input {name}, shared by "
                    "every instance of the module call"
                )
            arg = call.attributes.get(name)
            if arg is not None:
                if arg.literal is not _not_literal():
                    return Target(call, name + rest, f"module argument {name} in {call.file}")
                raise NoPatch(
                    f"{attr.name} comes from module argument {name} = "
                    f"`{' '.join(arg.expr_text.split())[:60]}` in {call.file}"
                )
    variable = index.variables(module_path).get(name)
    if variable is None:
        raise NoPatch(f"var.{name} is not declared in the scanned code")
    default = variable.attributes.get("default")
    if default is not None and default.literal is _not_literal():
        raise NoPatch(f"the default of var.{name} is an expression")
    return Target(variable, "default" + rest, f"default of var.{name} in {variable.file}")


# -- values ------------------------------------------------------------------------------------


def hcl_value(attribute: str, value: Any, current: AttributeNode | None) -> Any:
    """The value to write: policies as jsonencode(...) of an HCL object when the code already
    uses jsonencode (or writes a new one), else a literal."""
    name = attribute.split(".")[-1].split("[")[0]
    if name in POLICY_ATTRIBUTES and isinstance(value, str):
        doc = parse_policy(value)
        if doc is not None and current is not None and current.expr_text.startswith("<<"):
            # A heredoc stays a heredoc: the document, indented, as a reviewer writes it.
            return json.dumps(doc, indent=2) + "\n"
        uses_jsonencode = current is None or current.expr_text.lstrip().startswith("jsonencode(")
        if doc is not None and uses_jsonencode:
            return Expr(f"jsonencode({render.value(doc, 0)})")
    return value


def _generated(index: SourceIndex, address: str, path: str) -> bool:
    """Is `path` (a whole attribute) written as a `dynamic` block of the resource?"""
    node = index.block_for(address)
    return node is not None and "." not in path and "[" not in path and bool(node.dynamic(path))


def _literal_blocks(index: SourceIndex, address: str, path: str, expected: Any, value: Any) -> bool:
    """Is `path` (a whole attribute) written as literal nested blocks of the resource, as many
    as there are live (so a changed value can be written where it is)?"""
    node = index.block_for(address)
    if node is None or "." in path or "[" in path or not isinstance(expected, list):
        return False
    blocks = node.nested(path)
    return bool(blocks) and len(blocks) == len(expected) == len(value)


def _schema_for(address: str) -> BlockSchema | None:
    try:
        rs = aws_schema().resource(Address.parse(address).type)
    except ValueError:
        return None
    return rs.block if rs is not None else None


def set_operation(
    address: str,
    path: str,
    value: Any,
    *,
    allow_shared: bool = False,
    expected: Any = None,
) -> OperationFn:
    """Write `value` at `path` of `address`. For drift (`allow_shared` False) the value goes
    where the code writes it for that one instance (fix/trace.py); a rule's fix
    (`allow_shared`) is about the block, so it edits the block for every instance."""

    def traced(index: SourceIndex) -> tuple[list[Edit], str]:
        schema = _schema_for(address)
        hcl_edit.check_not_empty(schema, path, value)
        writes: list[trace.Write] | None = None
        if isinstance(value, list) and _generated(index, address, path):
            # Blocks a `dynamic` block generates: each changed value where it is written.
            unordered = trace.unordered(address, path)
            writes = trace.trace_leaves(index, address, path, expected, value, unordered)
        elif isinstance(value, list) and _literal_blocks(index, address, path, expected, value):
            # Blocks written out in the resource, the same number live: only the values that
            # changed (an encryption rule's algorithm), never the provider's unset values
            # (`bucket_key_enabled = false`, `kms_master_key_id = ""`) the live side adds.
            try:
                unordered = trace.unordered(address, path)
                writes = trace.trace_leaves(index, address, path, expected, value, unordered)
            except NoPatch:
                writes = None  # not per value: every block is written anew below
        if writes:
            out: list[Edit] = []
            for w in writes:
                edits = w.edits(index.texts[w.file], lambda v, _: v)
                out.append(Edit(w.file, tuple(edits)))
            vias = "; ".join(dict.fromkeys(w.via for w in writes))
            return out, f"sets {path} ({vias})"
        parts = trace.trace_json(index, address, path, expected, value)
        if parts is not None:
            # A jsonencode({...}) document: each changed part at its literal in the object.
            return [
                Edit(w.file, tuple(w.edits(index.texts[w.file], lambda v, _: v))) for w in parts
            ], f"sets {path} ({'; '.join(dict.fromkeys(w.via for w in parts))})"
        template = trace.trace_template(index, address, path, expected, value)
        if template is not None:
            # A string template: its literal text changed, its interpolations stay.
            edits = template.edits(index.texts[template.file], lambda v, _: v)
            return [Edit(template.file, tuple(edits))], f"sets {path} ({template.via})"
        per_caller = trace.module_input(index, address, path, value)
        if per_caller is not None:
            # Hard-coded in a shared local module: a new input set by the one caller.
            edits_by_file, via = per_caller
            return [Edit(f, tuple(e)) for f, e in edits_by_file], f"sets {path} ({via})"
        write = trace.trace(index, address, path, value)
        text = index.texts[write.file]

        def shape(v: Any, current: AttributeNode | None) -> Any:
            return hcl_value(path, v, current)

        if write.attr is None and write.host.type == "resource":
            edits = hcl_edit.set_value(text, write.host, path, shape(value, None), schema)
        else:
            edits = write.edits(text, shape)
        return [Edit(write.file, tuple(edits))], f"sets {path} ({write.via})"

    if not allow_shared:
        return traced

    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        hcl_edit.check_not_empty(_schema_for(address), path, value)
        if trace.computed_in_block(index, address, path):
            # An expression in the block (often a module input): a literal written over it
            # would make that input dead for every caller. Write where it is written.
            return traced(index)
        target = resolve_target(index, address, path, allow_shared=allow_shared)
        text = index.texts[target.node.file]
        head = hcl_edit.parse_path(target.path)[0].name
        current = target.node.attributes.get(head)
        schema = _schema_for(address) if target.node.type == "resource" else None
        edits = hcl_edit.set_value(
            text, target.node, target.path, hcl_value(target.path, value, current), schema
        )
        return [Edit(target.node.file, tuple(edits))], f"sets {target.path} ({target.via})"

    return run


def remove_operation(address: str, path: str) -> OperationFn:
    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        node = _block(index, address)
        edits = hcl_edit.remove_value(index.texts[node.file], node, path)
        if edits:
            why = trace.block_shared(index, address)
            if why is not None:
                raise NoPatch(
                    f"{path} is written in the block at {node.file}:{node.span.start_line}, "
                    f"but {why}: removing it there would change other instances, not only "
                    f"{address}"
                )
            return [Edit(node.file, tuple(edits))], f"removes {path} from {node.file}"
        # A key of a map (`tags.Env`): written in an object literal, in the block or where a
        # variable, for_each entry or module argument holds it for this instance.
        steps = hcl_edit.parse_path(path)
        if len(steps) < 2 or steps[-1].index is not None:
            raise NoPatch(f"{path} is not written in the code")
        write = trace.trace(index, address, path, None)
        attr = write.attr
        if write.added or attr is None or write.key is not None:
            raise NoPatch(f"{path} is not written in the code")
        if write.host.attributes.get(attr.name) is attr or attr.name != steps[-1].name:
            raise NoPatch(
                f"{path} is written at {write.file}:{attr.span.start_line} ({write.via}), "
                "which is not the key itself in a map literal: removing it there would drop "
                "more than the key"
            )
        text = index.texts[write.file]
        removal = hcl_edit.remove_element(text, write.host, attr)
        return [Edit(write.file, tuple(removal))], f"removes {path} ({write.via})"

    return run


def _local(address: str) -> str:
    a = Address.parse(address)
    return f"{a.type}.{a.name}"


def _substitute(value: Any, mapping: Mapping[str, str]) -> Any:
    if isinstance(value, Expr):
        text = value.text
        for k, v in mapping.items():
            text = text.replace("{" + k + "}", v)
        return Expr(text)
    if isinstance(value, Mapping):
        return {k: _substitute(v, mapping) for k, v in value.items()}
    if isinstance(value, tuple | list) and not isinstance(value, str):
        return type(value)(_substitute(v, mapping) for v in value)
    from driftpatch.rules.interface import Block

    if isinstance(value, Block):
        return Block({k: _substitute(v, mapping) for k, v in value.arguments.items()})
    return value


def add_resource_operation(address: str, add: AddResource) -> OperationFn:
    """A new resource after the subject's block, in the subject's module and file; a subject
    with count/for_each gets the same count/for_each and per-instance references."""

    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        node = _block(index, address)
        a = Address.parse(address)
        name = add.name.format(name=a.name)
        local = _local(address)
        arguments: dict[str, Any] = {}
        if "count" in node.attributes:
            arguments["count"] = Expr(node.attributes["count"].expr_text)
            ref = f"{local}[count.index]"
        elif "for_each" in node.attributes:
            arguments["for_each"] = Expr(local)
            ref = "each.value"
        else:
            ref = local
        mapping = {"address": ref, "name": name}
        arguments.update(_substitute(dict(add.arguments), mapping))
        blocks = [
            (bname, _substitute(dict(body), mapping))
            for bname, bodies in add.blocks.items()
            for body in bodies
        ]
        if f"{add.type}.{name}" in {_local(k) for k in _module_resources(index, a)}:
            raise NoPatch(f"{add.type}.{name} already exists in the module")
        snippet = render.block("resource", (add.type, name), arguments, blocks)
        text = index.texts[node.file]
        edit = hcl_edit.insert_after(text, node, snippet)
        return [Edit(node.file, (edit,))], f"adds {add.type}.{name} to {node.file}"

    return run


def _module_resources(index: SourceIndex, a: Address) -> list[str]:
    prefix = ".".join(f"module.{m}" for m in a.module_path)
    return [
        k
        for k in index.resources
        if (k.startswith(prefix + ".") if prefix else not k.startswith("module."))
    ]


def removed_operation(address: str) -> OperationFn:
    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        a = Address.parse(address)
        if a.key is not None:
            # One instance of a count/for_each block: its entry goes where it is written.
            node = _block(index, address)
            refs = _references(index, a, node)
            if refs:
                raise NoPatch(
                    f"{a.config_address} is still referenced at {', '.join(refs[:3])}: "
                    "dropping an instance changes what those read; remove or adjust them first"
                )
            drop = trace.drop_last if isinstance(a.key, int) else trace.drop_entry
            per_file, note = drop(index, address)
            return [Edit(f, tuple(e)) for f, e in per_file], note
        if a.module_path:
            raise NoPatch(
                f"{address} lives in module {'.'.join(a.module_path)}: a `removed` block must "
                "be written in the calling module; remove it there by hand"
            )
        node = _block(index, address)
        refs = _references(index, a, node)
        if refs:
            raise NoPatch(
                f"{a.config_address} is still referenced at {', '.join(refs[:3])}: remove those "
                "references first"
            )
        text = index.texts[node.file]
        removal = hcl_edit.remove_block(text, node)
        removed = render.block(
            "removed", (), {"from": Expr(a.config_address)}, [("lifecycle", {"destroy": False})]
        )
        insert = TextEdit(removal.end, removal.end, removed + "\n")
        edits = (removal, insert)
        return [Edit(node.file, edits)], (
            f"removes the block of {a.config_address} from {node.file} and records a `removed` "
            "block (Terraform >= 1.7) so Terraform forgets it without destroying anything"
        )

    return run


def _references(index: SourceIndex, a: Address, node: BlockNode) -> list[str]:
    pattern = re.compile(rf"(?<![\w.-]){re.escape(a.type)}\.{re.escape(a.name)}\b")
    module_dir = index.module_dir(a.module_path)
    found = []
    for block in index.blocks:
        if block is node or block.type == "removed":
            continue
        if module_dir is not None and not _in_dir(index, block.file, module_dir):
            continue
        body = index.texts[block.file][block.span.start : block.span.end]
        if pattern.search(body):
            found.append(f"{block.file}:{block.span.start_line}")
    return found


def _in_dir(index: SourceIndex, file: str, directory: Path) -> bool:
    return (index.root / file).resolve().parent == directory.resolve()


# -- choosing ----------------------------------------------------------------------------------


def _code_value(index: SourceIndex, address: str, path: str) -> tuple[bool, Any]:
    """(is the attribute written in the code, its literal value or None)."""
    node = index.block_for(address)
    if node is None:
        return False, None
    steps = hcl_edit.parse_path(path)
    for step in steps[:-1]:
        nested = node.nested(step.name)
        if nested:
            node = nested[step.index or 0] if (step.index or 0) < len(nested) else node
            continue
        attr = node.attributes.get(step.name)
        if attr is None:
            return False, None
        if step is steps[-2] and steps[-1].name in attr.elements:
            elem = attr.elements[steps[-1].name]
            return True, None if elem.literal is _not_literal() else elem.literal
        return True, None
    last = steps[-1]
    if last.name in node.attributes:
        attr = node.attributes[last.name]
        return True, None if attr.literal is _not_literal() else attr.literal
    return bool(node.nested(last.name)), None


def _drift_operation(
    f: Finding, index: SourceIndex, prefer: Prefer, separate: ownership.Separate
) -> tuple[Operation | str, str | None]:
    """(the operation or why none, the restore advice when the drift is to be reverted)."""
    assert f.address and f.attribute
    if SENSITIVE in (f.expected, f.actual):
        return "the attribute is sensitive: its value is never written into code", None
    # One policy, from the rules: drift that weakens security is reverted whatever --prefer
    # says; other drift is codified unless --prefer revert.
    if prefer is Prefer.REVERT or security.is_security_drift(f):
        return _revert_operation(f, index, separate)
    head = hcl_edit.parse_path(f.attribute)[0].name
    owned: Operation | str | None = None
    if f.resource_type == "aws_security_group" and f.attribute in ("ingress", "egress"):
        owned = ownership.security_group_codify(f, index, separate)
    elif f.resource_type == "aws_s3_bucket":
        owned = ownership.s3_codify(f, index, separate, f.actual, PatchAction.CODIFY)
    elif f.resource_type == "aws_iam_role":
        owned = ownership.iam_codify(f, index, separate)
    if owned is not None:
        return owned, None
    if f.actual is None:
        return Operation(
            (f.id,),
            PatchAction.CODIFY,
            remove_operation(f.address, f.attribute),
            {"kind": "absent", "address": f.address, "path": f.attribute},
        ), None
    blocks_attr = ownership.is_block_attribute(f.resource_type, head)
    if f.actual == [] and head == f.attribute and blocks_attr:
        return Operation(
            (f.id,),
            PatchAction.CODIFY,
            ownership.empty_blocks_operation(f.address, head),
            {"kind": "value", "address": f.address, "path": f.attribute, "value": []},
        ), None
    return Operation(
        (f.id,),
        PatchAction.CODIFY,
        set_operation(f.address, f.attribute, f.actual, expected=f.expected),
        {
            "kind": "value",
            "address": f.address,
            "path": f.attribute,
            "value": f.actual,
            "was": f.expected,
        },
    ), None


def _then_apply(address: str) -> str:
    return f"with the patch applied, `{apply_command(address)}` restores it."


def _revert_operation(
    f: Finding, index: SourceIndex, separate: ownership.Separate
) -> tuple[Operation | str, str]:
    """Put the state's value back. Where `terraform apply -target` would not (the code is
    silent on the attribute, or lifecycle ignore_changes lists it), say so, and patch the code
    to state the value so that apply does restore it."""
    assert f.address and f.attribute
    address, path = f.address, f.attribute
    head = hcl_edit.parse_path(path)[0].name
    expect = {"kind": "value", "address": address, "path": path, "value": f.expected}
    written, _ = _code_value(index, address, path)
    entry = ownership.ignored(index, address, path)
    if entry == "all":
        why = "its lifecycle block has ignore_changes = all"
        return (
            f"{address} ignores every change (ignore_changes = all): restore {path} in AWS",
            ownership.not_restored(f, why) + f" Restore {path} in AWS, or drop ignore_changes.",
        )
    if entry is not None:
        runs = [ownership.unignore_operation(address, entry)]
        if not written and f.expected not in (None, "", []):
            runs.append(set_operation(address, path, f.expected))

        def run(current: SourceIndex) -> tuple[list[Edit], str]:
            out: list[Edit] = []
            notes = []
            for r in runs:
                edits, note = r(current)
                out.extend(edits)
                notes.append(note)
            return out, "; ".join(notes)

        advice = ownership.not_restored(f, f"lifecycle ignore_changes lists {entry}")
        advice += f" The patch removes {entry} from ignore_changes; {_then_apply(address)}"
        return Operation((f.id,), PatchAction.REVERT, run, expect), advice
    if written:
        return (
            f"the code already sets {path}: `{apply_command(address)}` puts it back",
            f"Put the code's value back with: {apply_command(address)}.",
        )
    silent = f"the code does not set {head}"
    if f.resource_type == "aws_security_group" and path in ("ingress", "egress"):
        kinds = ownership._owns(ownership.managers(index, address, f.resource_id, separate), path)
        if kinds:
            why = (
                f"the code manages this group's {path} only through separate "
                f"{' and '.join(kinds)} resources"
            )
            command = ownership.revoke_command(f)
            return (
                f"{why}; revoke the permission in AWS: {command}",
                ownership.not_restored(f, why) + f" Revoke it in AWS: {command}",
            )
    if f.resource_type == "aws_s3_bucket" and f.expected not in (None, "", []):
        split = ownership.s3_codify(f, index, separate, f.expected, PatchAction.REVERT)
        if isinstance(split, Operation):
            advice = ownership.not_restored(f, silent)
            return split, advice + f" The patch states the secure value; {_then_apply(address)}"
        if isinstance(split, str):
            return split, ownership.not_restored(f, silent) + f" No patch: {split}."
    if f.resource_type == "aws_iam_role" and head in ownership.IAM_SPLIT:
        why = f"the code does not set {head} (deprecated; its policies are managed elsewhere)"
        how = ownership.iam_undo_commands(f)
        return (
            f"{head} is not managed by the code: undo the change in AWS: {how}",
            ownership.not_restored(f, why) + f" Undo it in AWS: {how}.",
        )
    if f.expected in (None, ""):
        how = "Remove it in AWS"
        if f.resource_type == "aws_s3_bucket" and head == "policy":
            how += f": aws s3api delete-bucket-policy --bucket {f.resource_id}"
        return (
            f"{path} is unset in state and code; remove it in AWS",
            ownership.not_restored(f, f"neither the code nor the state sets {path}") + f" {how}.",
        )
    advice = ownership.not_restored(f, silent)
    if f.expected == [] and head == path and ownership.is_block_attribute(f.resource_type, head):
        advice += f" The patch writes `{head} = []`; {_then_apply(address)}"
        return Operation(
            (f.id,), PatchAction.REVERT, ownership.empty_blocks_operation(address, head), expect
        ), advice
    advice += f" The patch states the secure value in the code; {_then_apply(address)}"
    return Operation(
        (f.id,), PatchAction.REVERT, set_operation(address, path, f.expected), expect
    ), advice


def _fix_operation(f: Finding, subject: Subject, fix: Fix) -> Operation | str:
    address = subject.config_address
    if not address:
        return "not declared in the scanned code"
    runs: list[OperationFn] = []
    for edit in fix.edits:
        if isinstance(edit, SetValue):
            runs.append(set_operation(address, edit.path, edit.value, allow_shared=True))
        elif isinstance(edit, RemoveValue):
            runs.append(remove_operation(address, edit.path))
        elif isinstance(edit, AddResource):
            runs.append(add_resource_operation(address, edit))

    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        out: list[Edit] = []
        for r in runs:
            edits, _ = r(index)
            out.extend(edits)
        return out, fix.summary

    expect: dict[str, Any] = {"kind": "rule", "rule_id": f.rule_id, "address": address}
    a = Address.parse(address)
    prefix = "".join(f"module.{m}." for m in a.module_path)
    creates = [
        f"{prefix}{edit.type}.{edit.name.format(name=a.name)}"
        for edit in fix.edits
        if isinstance(edit, AddResource)
    ]
    if creates:
        # The blocks the fix adds (config addresses: count/for_each instances are theirs): a
        # plan that creates them keeps the fix's promise (fix/verification.py `_created`).
        expect["creates"] = tuple(creates)
    return Operation((f.id,), PatchAction.FIX, run, expect)


_NOT_CODIFIED = (
    "--prefer codify does not apply: drift that weakens security is reverted, never codified"
)


def _noted(op: Operation, extra: str) -> Operation:
    """`op` with `extra` appended to the note its patch carries."""

    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        edits, note = op.run(index)
        return edits, f"{note} ({extra})"

    return dataclasses.replace(op, run=run)


def _revert_remediation(f: Finding, advice: str, prefer: Prefer) -> str:
    """The finding's remediation with restore advice that is true for this code: the generic
    "terraform apply -target" sentence is replaced by `advice`."""
    rules = security.flagged_by(f)
    generic = security.restore_sentence(f.address or "")
    if generic in f.remediation:
        text = f.remediation.replace(generic, advice)
    elif rules:
        meta = [m for m in (meta_by_id(r) for r in rules) if m is not None]
        text = f"This change weakens security ({', '.join(rules)}): do not keep it. {advice}"
        text = " ".join([text, *(m.remediation for m in meta)])
    else:
        text = advice
    if rules and prefer is Prefer.CODIFY:
        text += f" ({_NOT_CODIFIED}.)"
    return text.strip()


IMPORT_FILE = "imported.tf"


def _import_file(index: SourceIndex, name: str = IMPORT_FILE) -> tuple[str, bool]:
    """Where import blocks go: `imported.tf` in the root module (appended to if it exists)."""
    rel = index.source_dir.resolve().relative_to(index.root.resolve()) / name
    file = rel.as_posix()
    return file, file not in index.texts


def apart_import_file(address: str) -> str:
    """The file of an import judged apart from the others (see narrowed_import): its own, so
    its patch creates a file rather than appending to the default patch's imported.tf, and
    `patch --only` applies it alone."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", address).strip("_")
    return f"imported_{slug}.tf"


def write_imports(
    current: SourceIndex,
    body: str,
    plans: Sequence[imports.ImportPlan],
    name: str = IMPORT_FILE,
) -> tuple[list[Edit], str]:
    """The edit writing `body` (the import + resource blocks of `plans`) to the root module's
    imported.tf (or `name`): a new file indented as its siblings, or appended to an existing
    one (an earlier import patch of this report) without repeating the header."""
    file, new = _import_file(current, name)
    text = current.texts.get(file, "")
    if text.strip():
        if text.startswith(imports.HEADER):
            body = body.removeprefix(imports.HEADER).lstrip("\n")
        edit = hcl_edit.append(text, body)
    else:
        siblings = (current.texts.get(f, "") for f in current.root_module_files)
        edit = TextEdit(0, len(text), hcl_edit.new_file(body, siblings))
    names = ", ".join(p.address for p in plans)
    return [Edit(file, (edit,), new_file=new)], f"import {len(plans)} resource(s): {names}"


def _root_addresses(index: SourceIndex) -> list[str]:
    return [a for a in index.resources if not a.startswith(("module.", "data."))]


def import_operation(
    unmanaged: Mapping[str, LiveResource],
    index: SourceIndex,
    managed_ids: Mapping[tuple[str, str], str],
) -> Operation | str:
    """One operation for every unmanaged resource: import + resource blocks in one new file, so
    a reviewer sees what is being adopted in one place."""
    try:
        plans = imports.generate_imports(
            list(unmanaged.values()), managed_ids, _root_addresses(index)
        )
    except FixError as exc:
        return str(exc)
    defaults = default_tag_keys(index)
    if defaults:
        plans = tuple(_with_default_tags_note(p, defaults, unmanaged) for p in plans)
    by_key = {(r.type, r.id): fid for fid, r in unmanaged.items()}
    live = {(r.type, r.id): r for r in unmanaged.values()}
    return _import_op(
        plans,
        {p.address: by_key[p.source] for p in plans},
        tuple(live[p.source] for p in plans),
        managed_ids,
    )


def _import_op(
    plans: Sequence[imports.ImportPlan],
    finding_of: Mapping[str, str],
    live: Sequence[LiveResource],
    managed_ids: Mapping[tuple[str, str], str],
    name: str = IMPORT_FILE,
) -> Operation:
    """The import operation writing `plans` (`live`: the resource each adopts, in order;
    `finding_of`: address -> its unmanaged finding's id) to the root module's imported.tf
    (or `name`)."""
    expected = [
        {"address": p.address, "id": p.import_id, "values": _scalars(r)}
        for p, r in zip(plans, live, strict=True)
    ]

    def run(current: SourceIndex) -> tuple[list[Edit], str]:
        return write_imports(current, imports.render_import_file(plans), plans, name)

    return Operation(
        tuple(fid for _, fid in sorted((p.source, finding_of[p.address]) for p in plans)),
        PatchAction.IMPORT,
        run,
        # plans/live/managed_ids: what fix/tfgen.py needs to let Terraform write the blocks.
        {
            "kind": "import",
            "imports": expected,
            "plans": tuple(plans),
            "live": tuple(live),
            "managed_ids": dict(managed_ids),
            "finding_of": dict(finding_of),
            "file": name,
        },
    )


def narrowed_import(op: Operation, addresses: Collection[str], *, apart: bool = False) -> Operation:
    """The import operation `op` (one of `import_operation`'s) restricted to the imports of
    `addresses`, in its order: one import that does not verify need not take the others out
    of the default patch (fix/verification.py judges them one by one when the whole fails).
    `apart`: the one import of `addresses` goes to its own file (apart_import_file)."""
    expect = op.expect
    pairs = [
        (p, r)
        for p, r in zip(expect["plans"], expect["live"], strict=True)
        if p.address in addresses
    ]
    finding_of = {p.address: expect["finding_of"][p.address] for p, _ in pairs}
    (only,) = addresses if apart else (None,)
    return _import_op(
        [p for p, _ in pairs],
        finding_of,
        [r for _, r in pairs],
        expect["managed_ids"],
        apart_import_file(only) if only is not None else expect.get("file", IMPORT_FILE),
    )


def default_tag_keys(index: SourceIndex) -> tuple[str, ...]:
    """Tag keys the root module's aws provider blocks add to every resource (`default_tags`)."""
    root = index.modules.get(())
    files = set(root.files) if root is not None else set()
    keys: list[str] = []
    for b in index.blocks:
        if b.type != "provider" or b.labels[:1] != ("aws",) or b.file not in files:
            continue
        for d in b.nested("default_tags"):
            tags = d.attributes.get("tags")
            if tags is not None:
                keys.extend(k for k in tags.elements if k not in keys)
    return tuple(keys)


def _with_default_tags_note(
    plan: imports.ImportPlan, defaults: Sequence[str], live: Mapping[str, LiveResource]
) -> imports.ImportPlan:
    """Importing under a provider with default_tags tags the object on the next apply: say so
    rather than let the reviewer find an update in an "import only" plan."""
    r = next((r for r in live.values() if (r.type, r.id) == plan.source), None)
    schema = aws_schema().resource(plan.source[0])
    if r is None or schema is None or "tags_all" not in schema.block.attributes:
        return plan
    tags = r.attributes.get("tags")
    have = set(tags) if isinstance(tags, Mapping) else set()
    added = [k for k in defaults if k not in have]
    if not added:
        return plan
    note = (
        "the provider's default_tags add "
        + ", ".join(added)
        + " to this resource on the first apply (tags_all), an in-place update after the import"
    )
    return dataclasses.replace(plan, notes=(*plan.notes, note))


def _scalars(r: LiveResource) -> dict[str, Any]:
    """Top-level scalars of the live resource: a generated literal must carry them unchanged."""
    return {k: v for k, v in r.attributes.items() if isinstance(v, str | int | float | bool)}


_INLINE_POLICY_PARENTS = {
    "aws_iam_role_policy": "aws_iam_role",
    "aws_iam_user_policy": "aws_iam_user",
    "aws_iam_group_policy": "aws_iam_group",
}


def _reverted_inline_policies(findings: Sequence[Finding]) -> dict[str, str]:
    """Unmanaged inline policies (`role:name`) that a security drift finding of their managed
    role (user, group) already says to undo in AWS: importing one would codify the security
    drift the other finding reverts. Finding id -> the reason no import is written."""
    flagged: dict[tuple[str, str], str] = {}
    for f in findings:
        if (
            f.kind is Kind.DRIFT
            and f.attribute == "inline_policy"
            and f.resource_id
            and f.address
            and security.is_security_drift(f)
        ):
            for item in f.actual if isinstance(f.actual, list) else []:
                if isinstance(item, dict) and item.get("name"):
                    flagged[(f"{f.resource_type}:{f.resource_id}", str(item["name"]))] = f.address
    out: dict[str, str] = {}
    for f in findings:
        parent = _INLINE_POLICY_PARENTS.get(f.resource_type or "")
        if f.kind is not Kind.UNMANAGED or parent is None or ":" not in str(f.resource_id):
            continue
        owner, name = str(f.resource_id).split(":", 1)
        address = flagged.get((f"{parent}:{owner}", name))
        if address is not None:
            out[f.id] = (
                f"it is the inline policy {name!r} added by hand to {address}, security drift "
                f"to undo in AWS (see that finding), not to import into the code"
            )
    return out


def plan_remedies(
    findings: Sequence[Finding],
    index: SourceIndex,
    fixes: Mapping[str, tuple[Subject, Fix]],
    prefer: Prefer = Prefer.AUTO,
    unmanaged: Mapping[str, LiveResource] | None = None,
    managed_ids: Mapping[tuple[str, str], str] | None = None,
    separate: ownership.Separate | None = None,
) -> Plan:
    """One operation per finding that code can fix; the others get a reason.

    `unmanaged`: finding id -> the live resource behind an unmanaged finding; `managed_ids`:
    (type, id or ARN) -> address of managed root-module resources, for references;
    `separate`: the separate resources in state (security group rules, split bucket
    resources, role attachments) by the parent they manage."""
    owners = separate or ownership.Separate()
    operations: list[Operation] = []
    remediation: dict[str, str] = {}
    skipped: dict[str, str] = {}
    live = unmanaged or {}
    adopt = {f.id: live[f.id] for f in findings if f.kind is Kind.UNMANAGED and f.id in live}
    for fid, why in _reverted_inline_policies(findings).items():
        if adopt.pop(fid, None) is not None:
            skipped[fid] = why
    if adopt:
        outcome_import = import_operation(adopt, index, managed_ids or {})
        if isinstance(outcome_import, Operation):
            operations.append(outcome_import)
        else:
            skipped.update(dict.fromkeys(adopt, outcome_import))
    for f in findings:
        outcome: Operation | str | None = None
        if f.kind is Kind.DRIFT and f.address and f.attribute:
            outcome, advice = _drift_operation(f, index, prefer, owners)
            if advice is not None:
                remediation[f.id] = _revert_remediation(f, advice, prefer)
                if isinstance(outcome, Operation) and prefer is Prefer.CODIFY:
                    outcome = _noted(outcome, _NOT_CODIFIED)
        elif f.kind is Kind.MISCONFIG and f.id in fixes:
            subject, fix = fixes[f.id]
            outcome = _fix_operation(f, subject, fix)
        elif f.kind is Kind.MISSING and f.address:
            control = security.deleted_control(f)
            if control is not None:
                outcome = (
                    f"{f.address} is {control}, a security control: removing it from the code "
                    f"would keep it off; re-create it with `{apply_command(f.address)}`"
                )
            elif prefer is Prefer.REVERT:
                outcome = f"re-create it with `{apply_command(f.address)}`"
            else:
                outcome = Operation(
                    (f.id,),
                    PatchAction.REMOVE,
                    removed_operation(f.address),
                    {"kind": "removed", "address": f.address},
                )
        if isinstance(outcome, Operation):
            operations.append(outcome)
        elif isinstance(outcome, str):
            skipped[f.id] = outcome
    return Plan(tuple(_one_per_resource(operations, index)), remediation, skipped)


def _one_per_resource(operations: Sequence[Operation], index: SourceIndex) -> list[Operation]:
    """Codify operations of one resource whose edits overlap joined into one (one patch); the
    others stay one per finding.

    Verification judges a codify against the unpatched code's plan (fix/verification.py): the
    codified paths stop changing and the rest of the address's change stays as it was, so a
    finding's patch need not wait for the other drift of its resource (a role's tag traced to a
    shared `var.tags` must not take its description and session length down with it). Only
    edits that write the same text (two leaves of one literal block or expression rewritten
    whole, one new argument added by both) cannot be reviewed or applied one without the
    other: those are joined. Only operations that run on the code as it is are joined; one that
    cannot keeps its own reason.
    """
    groups: dict[str, list[tuple[int, list[Edit]]]] = {}
    for i, op in enumerate(operations):
        if op.action is PatchAction.CODIFY and op.expect.get("kind") in ("value", "absent"):
            try:
                edits, _ = op.run(index)
            except (NoPatch, FixError):
                continue
            groups.setdefault(str(op.expect.get("address")), []).append((i, edits))
    joined: dict[int, Operation] = {}
    dropped: set[int] = set()
    for members in groups.values():
        for cluster in _overlapping(index, members):
            if len(cluster) > 1:
                joined[cluster[0]] = _together([operations[i] for i in cluster])
                dropped.update(cluster[1:])
    return [joined.get(i, op) for i, op in enumerate(operations) if i not in dropped]


def _overlapping(
    index: SourceIndex, members: Sequence[tuple[int, Sequence[Edit]]]
) -> list[list[int]]:
    """The operations in clusters (in order) linked by edits that overlap in one file (see
    `_clash`)."""
    spans = [
        (i, [_span(index.texts.get(e.file, ""), e.file, t) for e in edits for t in e.edits])
        for i, edits in members
    ]
    owner = {i: i for i, _ in spans}

    def root(i: int) -> int:
        while owner[i] != i:
            i = owner[i]
        return i

    for a, (i, mine) in enumerate(spans):
        for j, theirs in spans[a + 1 :]:
            if any(_clash(x, y) for x in mine for y in theirs):
                owner[root(j)] = root(i)
    clusters: dict[int, list[int]] = {}
    for i, _ in spans:
        clusters.setdefault(root(i), []).append(i)
    return list(clusters.values())


_NAMES = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*[={]", re.MULTILINE)


@dataclass(frozen=True)
class _Span:
    """The stretch of a file an edit really changes, and the argument and block names its new
    text writes."""

    file: str
    start: int
    end: int
    names: frozenset[str]


def _span(text: str, file: str, edit: TextEdit) -> _Span:
    """A block rewritten whole to insert one line (and realign its neighbours) leaves its head
    and tail as they were: only the rest counts."""
    old, new = text[edit.start : edit.end], edit.text
    limit = min(len(old), len(new))
    head = common_prefix(old, new, limit)
    tail = common_suffix(old, new, limit - head)
    added = frozenset(_NAMES.findall(new[head : len(new) - tail]))
    return _Span(file, edit.start + head, edit.end - tail, added)


def _clash(a: _Span, b: _Span) -> bool:
    """Whether two edits of one file overlap. An insertion (empty stretch) clashes strictly
    inside the other's stretch, or at the same point when both write an argument of one name
    (the same `tags = {...}` added to a module call by each: standalone, each writes it)."""
    if a.file != b.file:
        return False
    (s, e), (t, u) = (a.start, a.end), (b.start, b.end)
    if s == e or t == u:
        same_point = s == t and bool(a.names & b.names)
        return same_point or (s == e and t < s < u) or (t == u and s < t < e)
    return max(s, t) < min(e, u)


def _together(ops: Sequence[Operation]) -> Operation:
    """One operation running `ops` in order, each on the code as the ones before left it."""

    def run(index: SourceIndex) -> tuple[list[Edit], str]:
        from driftpatch.fix.verify import WorkingCopy  # verify imports this module

        copy = WorkingCopy(index)
        try:
            notes = []
            for op in ops:
                edits, note = op.run(copy.index)
                by_file: dict[str, list[TextEdit]] = {}
                for e in edits:
                    by_file.setdefault(e.file, []).extend(e.edits)
                copy.write(
                    {
                        f: hcl_edit.apply_edits(copy.texts.get(f, ""), fe)
                        for f, fe in by_file.items()
                    }
                )
                notes.append(note)
            out = [
                Edit(f, (TextEdit(0, len(index.texts.get(f, "")), text),), f not in index.texts)
                for f, text in sorted(copy.texts.items())
                if text != index.texts.get(f)
            ]
            return out, "; ".join(notes)
        finally:
            copy.close()

    return Operation(
        tuple(i for op in ops for i in op.finding_ids),
        PatchAction.CODIFY,
        run,
        {"kind": "all", "address": ops[0].expect.get("address"), "items": [o.expect for o in ops]},
    )
