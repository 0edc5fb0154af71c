"""Run remedy operations on a working copy of the source and verify each one.

Each operation sees the files as the previous ones left them (re-indexed), so edits compose.
After an operation, the copy is re-indexed and the finding re-evaluated against the patched
code: the patch is `verified` only if the finding would be gone — the codified value is what the
code now says, the rule no longer fires on the patched block, the removed block is gone. An
operation whose result does not parse is dropped (never shown as a patch).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from driftpatch import seqs
from driftpatch.drift.normalize import normalize_attribute, normalize_untyped
from driftpatch.drift.policy import policies_equal
from driftpatch.fix import hcl_edit, trace
from driftpatch.fix.diff import LineMap, sha256, split_lines, unified
from driftpatch.fix.hcl_edit import EditError
from driftpatch.fix.remedies import Edit, NoPatch, Operation, Plan, resolve_target
from driftpatch.model import Address, Check, Patch
from driftpatch.rules import rule_by_id
from driftpatch.rules.interface import UNKNOWN, Expr, World
from driftpatch.rules.subjects import EditedCode, attribute_value, from_code
from driftpatch.seqs import common_prefix, common_suffix
from driftpatch.terraform.evaluate import (
    evaluate_text,
    instance_scope,
    instances,
    is_unknown,
)
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import (
    BlockNode,
    ParsedFile,
    SourceIndex,
    index_source,
    parse_text,
    remember,
    within_hcl_cap,
)

Reindex = Callable[[Mapping[str, str]], SourceIndex]


@dataclass(frozen=True)
class OpRecord:
    """One operation that produced patches: which, and the files it gives on its own.

    `standalone` holds the full text of each file the operation changes when it is run alone
    on the original code (what Terraform judges it by); where it cannot run alone (it builds
    on an earlier edit), the text after it in the sequence."""

    operation: Operation
    patch_indices: tuple[int, ...]
    standalone: Mapping[str, str]


@dataclass(frozen=True)
class Applied:
    patches: tuple[Patch, ...]
    # One diff per file, original -> final: what `-o patch` writes and `git apply` takes.
    combined: str
    # finding id -> why it got no patch.
    skipped: Mapping[str, str] = field(default_factory=dict)
    # file -> final text (for `patch --apply` and the tests).
    final: Mapping[str, str] = field(default_factory=dict)
    records: tuple[OpRecord, ...] = ()


class WorkingCopy:
    """The indexed files copied to a temporary directory, re-indexed after every edit."""

    def __init__(self, index: SourceIndex) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="driftpatch-fix-"))
        try:
            self._fill(index)
        except BaseException:
            self.close()  # never leave the copy behind
            raise

    def _fill(self, index: SourceIndex) -> None:
        self.root = self._tmp / "repo"
        self.source_rel = index.source_dir.resolve().relative_to(index.root.resolve())
        # Even with no readable file to copy, the source directory exists in the copy.
        (self.root / self.source_rel).mkdir(parents=True, exist_ok=True)
        self.var_files = index.var_files  # re-read from the copy, after the automatic ones
        self.texts: dict[str, str] = dict(index.texts)
        self._stale: set[str] = set()  # files whose text on disk is older than `texts`
        for rel, text in self.texts.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
        modules_json = index.source_dir / ".terraform" / "modules" / "modules.json"
        if modules_json.is_file():
            dest = self.root / self.source_rel / ".terraform" / "modules" / "modules.json"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(modules_json, dest)
        self.index = self.reindex()
        self.code = EditedCode(self.index)
        # Per edited file, which original lines are still there untouched (the combined diff).
        self.lines: dict[str, LineMap] = {}
        # Per edited file, its last parse: the next edit reparses from it (source.remember).
        self._parsed: dict[str, ParsedFile] = {}
        self._original = dict(self.texts)
        # The files as indexed (just parsed: from the cache). Given back to the parse cache
        # on close: the edits' versions pushed them out of it (it is bounded by size, a few
        # versions of a large file), and what runs next (static verification, PR
        # suggestions) compares with the original; reparsed from the last edited version it
        # would be a parse of everything between the first edit and the last.
        self._first = {
            rel: parse_text(text, rel) for rel, text in self.texts.items() if rel.endswith(".tf")
        }

    def reindex(self) -> SourceIndex:
        return index_source(
            self.root / self.source_rel,
            root=self.root,
            var_files=tuple(self.root / rel for rel in self.var_files),
            known=self.texts,
        )

    def write(self, texts: Mapping[str, str]) -> None:
        for rel in texts:
            if rel in self._parsed:
                remember(self._parsed[rel])
        for rel, text in texts.items():
            path = self.root / rel
            if not _taken_as_read(rel, text) or not path.exists():
                # A file the reindex reads from disk (a variable file, one over the size cap)
                # or lists (a new file): written now. An existing .tf file is taken from
                # `texts` (index_source's `known`): rewriting it whole per patch made each
                # patch cost the file (a 6 MB file, ~5 ms); it is written when the copy on
                # disk is needed (`flush`).
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8", newline="")
                self._stale.discard(rel)
            else:
                self._stale.add(rel)
            self._track(rel, text)
            self.texts[rel] = text
        self.index = self.reindex()
        self.code = self.code.edited(self.index, texts)
        for rel, text in texts.items():
            if rel.endswith(".tf"):
                self._parsed[rel] = parse_text(text, rel)  # just parsed: from the cache

    def flush(self) -> None:
        """Write every file whose text on disk is older than `texts` (see `write`)."""
        for rel in sorted(self._stale):
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.texts[rel], encoding="utf-8", newline="")
        self._stale.clear()

    def _track(self, rel: str, text: str) -> None:
        original = self._original.get(rel)
        if original is None:
            return  # a new file: its diff is the whole text
        old = self.texts.get(rel, "")
        lines = self.lines.get(rel)
        if lines is None:
            lines = self.lines[rel] = LineMap(len(split_lines(original)))
        lines.apply_texts(old, text)

    def close(self) -> None:
        for parsed in getattr(self, "_first", {}).values():
            remember(parsed)
        shutil.rmtree(self._tmp, ignore_errors=True)


def _taken_as_read(rel: str, text: str) -> bool:
    """Whether index_source takes this text from `known` rather than from the disk."""
    return rel.endswith(".tf") and within_hcl_cap(text)


def _apply(texts: Mapping[str, str], edits: Sequence[Edit]) -> dict[str, str]:
    out: dict[str, str] = {}
    by_file: dict[str, list[hcl_edit.TextEdit]] = {}
    for e in edits:
        by_file.setdefault(e.file, []).extend(e.edits)
    for file, file_edits in by_file.items():
        base = out.get(file, texts.get(file, ""))
        out[file] = hcl_edit.apply_edits(base, file_edits)
    return out


# -- verification ------------------------------------------------------------------------------


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str) and policies_equal(a, b):
        return True
    return bool(normalize_untyped(a) == normalize_untyped(b))


def _equal_at(address: str, path: str, a: Any, b: Any) -> bool:
    """`_equal`, or equal as the provider schema normalises the attribute (drift/normalize.py):
    a nested block's argument that AWS reports as false or "" (`bucket_key_enabled = false`,
    `kms_master_key_id = ""` in an encryption rule) is the code's unset one, as the provider
    reads it, and the code need not write it."""
    if _equal(a, b):
        return True
    if "." in path or "[" in path:
        return False
    try:
        rs = aws_schema().resource(Address.parse(address).type)
    except ValueError:
        return False
    spec = rs.block.child(path) if rs is not None else None
    if spec is None:
        return False
    return bool(normalize_attribute(path, a, spec) == normalize_attribute(path, b, spec))


def _written_value(index: SourceIndex, address: str, path: str) -> tuple[bool, Any]:
    """The literal the code now gives `path` of `address`: where fix/trace.py finds it for
    that one instance (module arguments, merge(), for_each entries), else following variables
    from the block as a rule's fix does."""
    attr = trace.written(index, address, path)
    if attr is not None:
        return True, attribute_value(attr.literal, attr.expr_text)
    try:
        target = resolve_target(index, address, path, allow_shared=True)
    except NoPatch:
        return False, None
    return _value_in(target.node, target.path)


def _evaluated(index: SourceIndex, address: str, path: str) -> Any:
    """What Terraform would give `path` of the instance `address` from the code before apply
    (terraform/evaluate.py: variables, locals, module arguments, templates); None where that
    is not known before apply, or `path` is inside a nested block."""
    node = index.block_for(address)
    if node is None:
        return None
    steps = hcl_edit.parse_path(path)
    attr = node.attributes.get(steps[0].name)
    if attr is None:
        return None
    value: Any = evaluate_text(attr, instance_scope(index, address))
    keys: list[str | int] = [] if steps[0].index is None else [steps[0].index]
    for step in steps[1:]:
        keys.append(step.name)
        if step.index is not None:
            keys.append(step.index)
    for key in keys:
        if isinstance(value, Mapping) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return None
    if value is None or is_unknown(value) or not isinstance(value, str | int | float | bool):
        return None
    return value


def _value_in(node: BlockNode, path: str) -> tuple[bool, Any]:
    steps = hcl_edit.parse_path(path)
    for step in steps[:-1]:
        nested = node.nested(step.name)
        if nested and (step.index or 0) < len(nested):
            node = nested[step.index or 0]
            continue
        attr = node.attributes.get(step.name)
        if attr is None:
            return False, None
        elem = attr.elements.get(steps[-1].name)
        if elem is None:
            return False, None
        return True, attribute_value(elem.literal, elem.expr_text)
    last = steps[-1]
    if last.name in node.attributes:
        attr = node.attributes[last.name]
        value = attribute_value(attr.literal, attr.expr_text)
        if last.index is not None and isinstance(value, list):
            value = value[last.index] if last.index < len(value) else None
        return True, value
    blocks = node.nested(last.name)
    if blocks:
        return True, [_block_values(b) for b in blocks]
    return False, None


def _block_values(node: BlockNode) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: attribute_value(a.literal, a.expr_text) for k, a in node.attributes.items()
    }
    for b in node.blocks:
        out.setdefault(b.type, []).append(_block_values(b))
    return out


def _leaves_written(
    index: SourceIndex, address: str, leaves: Sequence[tuple[str, Any]]
) -> tuple[bool, str]:
    """Blocks a dynamic block generates: each changed value is now written where it traces
    to (a value AWS reports as "" or null is unset in the code)."""
    for path, want in leaves:
        attr = trace.written(index, address, path)
        value = attribute_value(attr.literal, attr.expr_text) if attr is not None else None
        if want in ("", None) and value in ("", None):
            continue
        if attr is None or not _equal(value, want):
            return False, f"the patched code gives {path} = {value!r}, not {want!r}"
    return True, ""


def _json_parts_written(
    index: SourceIndex, address: str, path: str, parts: Sequence[tuple[list[Any], Any]]
) -> tuple[bool, str]:
    """A `jsonencode({...})` document: each changed part is now the literal at its keys."""
    for keys, want in parts:
        attr = trace.written(index, address, path, keys)
        value = attribute_value(attr.literal, attr.expr_text) if attr is not None else None
        if attr is None or not _equal(value, want):
            where = "".join(f"[{k!r}]" for k in keys)
            return False, f"the patched code gives {path}{where} = {value!r}, not {want!r}"
    return True, ""


def verify(op: Operation, index: SourceIndex, code: EditedCode | None = None) -> tuple[bool, str]:
    """Would the finding be gone with the patched code? (verified, why not). `code`: the
    working copy's code subjects of `index`, kept across its edits (else from scratch)."""
    expect = op.expect
    kind = expect.get("kind")
    address = str(expect.get("address", ""))
    if kind == "value":
        written, value = _written_value(index, address, str(expect["path"]))
        want = expect["value"]
        if written and value is UNKNOWN:
            # An expression (a string template whose literal text was patched): what
            # Terraform gives the instance from it, with the values the code gives its
            # references, before apply.
            got = _evaluated(index, address, str(expect["path"]))
            if got is not None and _equal(got, want):
                return True, ""
        if isinstance(value, Expr):
            return False, "the code now holds an expression; compare it by hand"
        if written and _equal_at(address, str(expect["path"]), value, want):
            return True, ""
        if not written and "was" in expect and isinstance(want, str):
            parts = trace.json_parts(expect["was"], want)
            if parts:
                return _json_parts_written(index, address, str(expect["path"]), parts)
        if not written and "was" in expect:
            path = str(expect["path"])
            leaves = (
                trace.set_leaves(index, address, path, expect["was"], want)
                if trace.unordered(address, path)
                else trace.leaf_changes(path, expect["was"], want)
            )
            if leaves:
                return _leaves_written(index, address, leaves)
        return False, f"the patched code gives {expect['path']} = {value!r}, not {want!r}"
    if kind == "absent":
        written, _ = _written_value(index, address, str(expect["path"]))
        return (not written), "" if not written else f"{expect['path']} is still written"
    if kind == "rule":
        rule = rule_by_id(str(expect["rule_id"]))
        if rule is None:
            return False, f"rule {expect['rule_id']} is not in the registry"
        if code is not None and code.index is index:
            world = code.world()
            mine = code.of(address)
        else:
            subjects = from_code(index)
            # `address` is the block's; code subjects are its instances (count, for_each).
            mine = [s for s in subjects if address in (s.address, s.config_address)]
            world = World(subjects)
        if not mine:
            return False, f"{address} is no longer in the patched code"
        left = [v for s in mine for v in rule.evaluate(s, world)]
        if left:
            return False, f"{rule.meta.id} still fires on the patched code ({left[0].attribute})"
        return True, ""
    if kind == "removed":
        a = Address.parse(address)
        if a.key is not None:
            # One instance: the code no longer makes it (a count, one smaller: only the ones
            # before it; a for_each: the others keep their keys).
            base = address.rsplit("[", 1)[0]
            made = {i.address for i in instances(index) if i.address.startswith(base + "[")}
            gone = address not in made and (not isinstance(a.key, int) or len(made) == a.key)
            return gone, "" if gone else "the code still makes it"
        if index.block_for(address) is not None:
            return False, "the block is still in the code"
        has_removed = any(
            b.type == "removed"
            and "from" in b.attributes
            and " ".join(b.attributes["from"].expr_text.split()) == a.config_address
            for b in index.blocks
        )
        return has_removed, "" if has_removed else "no removed block for it"
    if kind == "import":
        for entry in expect["imports"]:
            why = _imported(index, entry)
            if why:
                return False, why
        return True, ""
    if kind == "all":
        for item in expect["items"]:
            ok, why = verify(Operation(op.finding_ids, op.action, op.run, item), index, code)
            if not ok:
                return False, why
        return True, ""
    if kind == "parsed":
        return True, ""
    return False, f"no verification for {kind!r}"


def _imported(index: SourceIndex, entry: Mapping[str, Any]) -> str:
    """Why the patched code would not adopt the live resource: an import block to the address
    with the import id, and a resource block whose literal arguments are the live values."""
    address, import_id = str(entry["address"]), str(entry["id"])
    has_import = any(
        b.type == "import"
        and "to" in b.attributes
        and b.attributes["to"].expr_text.strip() == address
        and "id" in b.attributes
        and b.attributes["id"].literal == import_id
        for b in index.blocks
    )
    if not has_import:
        return f"no import block to {address} with id {import_id!r}"
    block = index.block_for(address)
    if block is None:
        return f"no resource block for {address}"
    live: Mapping[str, Any] = entry["values"]
    for name, attr in block.attributes.items():
        literal = attr.literal
        scalar = isinstance(literal, str | int | float | bool)
        if scalar and name in live and not _equal(literal, live[name]):
            return f"{address}.{name} is written as {attr.literal!r}, live has {live[name]!r}"
    return ""


def _standalone(op: Operation, index: SourceIndex, changed: Mapping[str, str]) -> SplicedTexts:
    """The files `op` gives when run alone on the original code (else its sequential result)."""
    try:
        edits, _ = op.run(index)
        alone = SplicedTexts.edited(index.texts, edits)
    except (NoPatch, EditError):
        return SplicedTexts(index.texts, changed)
    return alone if alone else SplicedTexts(index.texts, changed)


def _parts_of(original: str, first: int, last: int, stretch: str) -> tuple[str, int, str, int]:
    """SplicedTexts' parts of the text `original` with original[first:last] replaced by
    `stretch`: the same longest common ends `__init__` finds, searched from the edit."""
    text = seqs.Spliced(original, first, last, stretch)
    shortest = min(len(original), len(text))
    head = first + seqs.grown_prefix(original, text, first, shortest)
    limit = shortest - head
    kept = len(original) - last
    tail = limit if kept >= limit else kept + seqs.grown_suffix(original, text, kept, limit)
    return original, head, text[head : len(text) - tail], tail


class SplicedTexts(Mapping[str, str]):
    """Full texts of the files one operation changes, each kept as the original text's
    unchanged head and tail (shared, not copied) around what the edit wrote: a report of P
    patches to a file of S characters held P x S characters of standalone texts (2,000
    patches to an 8 MB file: 16 GB); now P x the edits. A text is built when asked for."""

    __slots__ = ("_parts",)

    def __init__(self, originals: Mapping[str, str], texts: Mapping[str, str]) -> None:
        self._parts: dict[str, tuple[str, int, str, int]] = {}
        for file, text in texts.items():
            original = originals.get(file)
            if original is None:
                self._parts[file] = ("", 0, text, 0)
                continue
            shortest = min(len(original), len(text))
            head = common_prefix(original, text, shortest)
            tail = common_suffix(original, text, shortest - head)
            self._parts[file] = (original, head, text[head : len(text) - tail], tail)

    @classmethod
    def edited(cls, originals: Mapping[str, str], edits: Sequence[Edit]) -> SplicedTexts:
        """`SplicedTexts(originals, _apply(originals, edits))`, without making the full texts:
        each file's edits are made to the stretch they span, and the parts are found from
        there (the full text of a large file, twice copied, per patch)."""
        out = cls(originals, {})
        by_file: dict[str, list[hcl_edit.TextEdit]] = {}
        for e in edits:
            by_file.setdefault(e.file, []).extend(e.edits)
        for file, file_edits in by_file.items():
            original = originals.get(file)
            if original is None:
                out._parts[file] = ("", 0, hcl_edit.apply_edits("", file_edits), 0)
                continue
            first = min((e.start for e in file_edits), default=0)
            last = max((e.end for e in file_edits), default=0)
            stretch = hcl_edit.apply_edits(
                original[first:last],
                [hcl_edit.TextEdit(e.start - first, e.end - first, e.text) for e in file_edits],
            )
            out._parts[file] = _parts_of(original, first, last, stretch)
        return out

    def view(self, file: str) -> str | seqs.Spliced:
        """`self[file]` as a view of its parts, read by slices (static verification reads
        the edited stretch of it): the full text of a large file is not made."""
        original, head, middle, tail = self._parts[file]
        if not original:
            return middle
        return seqs.Spliced(original, head, len(original) - tail, middle, (head, tail))

    def __getitem__(self, file: str) -> str:
        original, head, middle, tail = self._parts[file]
        text = "".join((original[:head], middle, original[len(original) - tail :]))
        # What the static check compares next (the original and this text): from the parts.
        seqs.note_edit(original, text, head, len(original) - tail, len(text) - tail)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def same(self, file: str, other: Mapping[str, str]) -> bool:
        """`other[file] == self[file]`, without building either text when both are spliced
        from the same original (head and tail are the longest shared: one text, one split)."""
        if file not in self._parts or file not in other:
            return False
        if isinstance(other, SplicedTexts):
            mine, theirs = self._parts[file], other._parts[file]
            if mine[0] is theirs[0]:
                return mine[1:] == theirs[1:]
        return self[file] == other[file]


# -- running -----------------------------------------------------------------------------------


def _share(
    op: Operation,
    index: SourceIndex,
    records: Sequence[OpRecord],
    patches: list[Patch],
    skipped: dict[str, str],
    ok: bool,
    why: str,
) -> None:
    """`op` changed nothing on top of the earlier operations. Its findings join the earlier
    patch that makes the very same edit alone (same resulting files); otherwise they get a
    reason: the code already says it (after an earlier patch), or what verification found."""
    alone = _standalone(op, index, {})
    if ok and alone:
        for r in reversed(records):
            if any(alone.same(f, r.standalone) for f in alone):
                for k in r.patch_indices:
                    ids = tuple(dict.fromkeys((*patches[k].finding_ids, *op.finding_ids)))
                    patches[k] = replace(patches[k], finding_ids=ids)
                return
    if ok:
        reason = "the code already says it once the other patches are applied"
        if not alone:
            reason = "the code already says it"
    else:
        reason = why or "the edit changes nothing"
    for fid in op.finding_ids:
        skipped.setdefault(fid, reason)


def _base(original: str | None, old: str | None) -> str | None:
    """The hash `patch --apply` checks the file on disk against: the file as scanned, for
    every patch to it (so any subset of a report's patches can be applied, not only a prefix);
    for a file an earlier patch creates, the text that patch made."""
    if original is not None:
        return _original_sha256(original)
    return sha256(old) if old is not None else None


@functools.lru_cache(maxsize=4)
def _original_sha256(original: str) -> str:
    """Every patch to a file carries the hash of the same original: hashed once (encoding
    and hashing a 5 MB file per patch was a patch's largest cost after the re-index). The
    key's str hash is computed once per text too; the texts are the indexed originals."""
    return sha256(original)


_FROZEN = 0
_FROZEN_LOCK = threading.Lock()


@contextlib.contextmanager
def _heap_frozen() -> Iterator[None]:
    """The objects alive now (the index, its texts, the rules) left out of the garbage
    collector's passes while patches are made: each edit builds a few objects per block after
    it, the collector's full passes then walked the whole index again and again (a quarter of
    the time of 500 patches to one file). They are handed back to it afterwards; nothing is
    freed later than it would have been (a cycle among them was garbage before, and is found
    at the next full pass after). Nested calls freeze once."""
    global _FROZEN
    with _FROZEN_LOCK:
        if _FROZEN == 0:
            gc.freeze()
        _FROZEN += 1
    try:
        yield
    finally:
        with _FROZEN_LOCK:
            _FROZEN -= 1
            if _FROZEN == 0:
                gc.unfreeze()


def apply_plan(plan: Plan, index: SourceIndex, extra: Sequence[Operation] = ()) -> Applied:
    """Run every operation on a working copy; one Patch per operation and file."""
    with _heap_frozen():
        return _apply_plan(plan, index, extra)


def _apply_plan(plan: Plan, index: SourceIndex, extra: Sequence[Operation]) -> Applied:
    copy = WorkingCopy(index)
    try:
        original = dict(copy.texts)
        patches: list[Patch] = []
        records: list[OpRecord] = []
        skipped = dict(plan.skipped)
        for op in (*plan.operations, *extra):
            try:
                edits, note = op.run(copy.index)
                changed = _apply(copy.texts, edits)
            except (NoPatch, EditError) as exc:
                for fid in op.finding_ids:
                    skipped[fid] = str(exc)
                continue
            before = {f: copy.texts.get(f) for f in changed}
            copy.write(changed)
            broken = [p for p in copy.index.problems if p.file in changed]
            if broken:
                copy.write({f: t for f, t in before.items() if t is not None})
                for fid in op.finding_ids:
                    skipped[fid] = f"the edit would not parse ({broken[0].message}); not offered"
                continue
            ok, why = verify(op, copy.index, copy.code)
            first = len(patches)
            for file, new in changed.items():
                old = before[file]
                diff = unified(file, old, new)
                if not diff:
                    continue
                patches.append(
                    Patch(
                        file=file,
                        diff=diff,
                        finding_ids=op.finding_ids,
                        action=op.action,
                        verified=ok,
                        note=note if ok else f"{note}; not verified: {why}",
                        base_sha256=_base(original.get(file), old),
                        verified_by=(Check.RULE,) if ok else (),
                        reason="" if ok else why,
                    )
                )
            if len(patches) > first:
                alone = _standalone(op, index, changed)
                records.append(OpRecord(op, tuple(range(first, len(patches))), alone))
            else:
                # An earlier patch already wrote it (a rule's fix and the drift it resolves,
                # e.g. enable_key_rotation = true): the finding joins that patch, or says why
                # it has none of its own. Never silent.
                _share(op, index, records, patches, skipped, ok, why)
        combined = "".join(
            unified(f, original.get(f), copy.texts[f], lines_of=copy.lines.get(f))
            for f in sorted(copy.texts)
            if copy.texts[f] != original.get(f)
        )
        final = {f: t for f, t in copy.texts.items() if t != original.get(f)}
        return Applied(tuple(patches), combined, skipped, final, tuple(records))
    finally:
        copy.close()
