"""Judge many patches with few plans: combine patches that touch disjoint addresses.

Why: a `terraform plan` costs seconds (a Terraform and a provider process, the whole
configuration evaluated) whatever the patch, and the judge (fix/verification.py) reads a plan
per address: what each address would do, compared with the plan of the unpatched code. So
patches whose edits reach disjoint addresses can share one plan of their combined edits, and
each address's change is credited to the one patch that touched it.

That is only sound where a patch's effect stays at its own addresses. Hence:

- **Footprint.** A patch is *local* when each of its edited regions lies inside one
  `resource` block (its addresses: every config address that declares that block, so a module
  called twice counts both), or adds top-level `resource`, `import` or `removed` blocks (their
  addresses). Anything else (variables, locals, tfvars, module calls, outputs, data sources,
  a new file) can reach any address: such a patch gets a plan of its own.
- **Layers.** Local patches are put in layers in which no two share an address, overlap or
  touch in a file, or mention the other's edited resource (`aws_instance.web` in the volume
  that takes its availability zone): one combined plan per layer.
- **Checked attribution.** A layer's plan is credited per address only when every address
  whose planned change differs from the baseline's is claimed by exactly one patch of the layer,
  and for a codify or fix only in the arguments that patch writes, never turning into a replace
  or destroy the baseline does not have. Otherwise the patches owning such an address are
  planned alone and the others together again; where no patch can be singled out (a change
  nobody claims, a combination that does not validate or plan) the layer is split in halves,
  down to single patches, which are planned exactly as alone. What is credited is the
  baseline with the patch's addresses taken from the layer's plan: the plan the patch would
  have had alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from driftpatch.fix.judge import Change, Outcome
from driftpatch.model import Address, Effect, PatchAction
from driftpatch.seqs import common_prefix, common_suffix
from driftpatch.terraform.source import BlockNode, SourceIndex

_HEADER = re.compile(r"^([A-Za-z_][\w-]*)\b([^\n]*)$", re.MULTILINE)
_LABELS = re.compile(r'"([^"]*)"')
_TARGET = re.compile(r"\b(?:to|from)\s*=\s*([^\s#]+)")
_NEUTRAL = re.compile(r"^(?:\}|#|//|/\*|\*)")


@dataclass(frozen=True)
class Edit:
    """One file's changed region: `original[start:end]` becomes `text`."""

    file: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Footprint:
    """Where one patch's edits are and which (config) addresses they can reach."""

    edits: tuple[Edit, ...]
    claims: frozenset[str]  # config addresses (no instance keys)
    names: frozenset[str]  # `type.name` of the resources it edits or adds
    texts: tuple[str, ...]  # the edited blocks and the added text, to find references in
    local: bool


def config_of(address: str) -> str:
    """`module.a["x"].aws_s3_bucket.b[0]` -> `module.a.aws_s3_bucket.b`."""
    try:
        return Address.parse(address).config_address
    except ValueError:
        return re.sub(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]', "", address)


def _code(text: str) -> bool:
    """Anything but blank lines and comments."""
    for line in text.splitlines():
        stripped = line.strip()
        if (stripped and not _NEUTRAL.match(stripped)) or stripped == "}":
            return True
    return False


def _lines(old: str, start: int, end: int, text: str) -> tuple[int, int, str]:
    """The region widened to whole lines (the widening is common to both texts: it comes
    from the shared prefix and suffix), so a replaced block's header is not cut mid-word."""
    back = start - (old.rfind("\n", 0, start) + 1)
    if end == 0 or old[end - 1] == "\n":
        stop = end  # already at a line start
    else:
        stop = old.find("\n", end)
        stop = len(old) if stop < 0 else stop
    return start - back, stop, old[start - back : start] + text + old[end:stop]


def _region(old: str, new: str) -> tuple[int, int, str]:
    limit = min(len(old), len(new))
    p = common_prefix(old, new, limit)
    s = common_suffix(old, new, limit - p)
    return p, len(old) - s, new[p : len(new) - s]


class Footprints:
    """Footprints over one source index (the block lookups are built once)."""

    def __init__(self, index: SourceIndex) -> None:
        self.index = index
        self._by_file: dict[str, list[BlockNode]] = {}
        for b in index.blocks:
            self._by_file.setdefault(b.file, []).append(b)
        self._addresses: dict[tuple[str, int], list[str]] = {}
        for key, block in index.resources.items():
            self._addresses.setdefault((block.file, block.span.start), []).append(key)
        self._prefixes: dict[str, list[str]] = {}
        for path, info in index.modules.items():
            prefix = "".join(f"module.{name}." for name in path)
            for f in info.files:
                self._prefixes.setdefault(f, []).append(prefix)

    def of(self, files: Mapping[str, str], exact: Iterable[str]) -> Footprint:
        """The footprint of a patch (its standalone files) whose findings and imports are at
        the `exact` addresses."""
        edits: list[Edit] = []
        claims = {config_of(a) for a in exact}
        names: set[str] = set()
        texts: list[str] = []
        local = True
        for file, new in sorted(files.items()):
            old = self.index.texts.get(file)
            if old is None:  # a new file: local if it only adds resources, imports, removals
                edits.append(Edit(file, 0, 0, new))
                texts.append(new)
                added = self._added(file, new)
                if added is None:
                    local = False
                else:
                    claims.update(added[0])
                    names.update(added[1])
                continue
            if old == new:
                continue
            start, end, text = _lines(old, *_region(old, new))
            edits.append(Edit(file, start, end, text))
            texts.append(text)
            blocks = self._by_file.get(file, ())
            inside = [b for b in blocks if b.span.start < start < b.span.end and end <= b.span.end]
            if len(inside) == 1 and inside[0].type == "resource":
                block = inside[0]
                keys = self._addresses.get((file, block.span.start), [])
                if not keys or not block.body.start <= start or not end <= block.body.end:
                    local = False
                    continue
                claims.update(keys)
                names.add(".".join(block.labels[:2]))
                texts.append(block.span.of(old))
                continue
            if inside:
                local = False
                continue
            # Between top-level blocks: whole resource blocks removed, new ones added. The
            # shared prefix and suffix may end inside a removed block ("re" of resource and
            # removed, its closing brace): widened to the whole blocks it cuts.
            cut = [b for b in blocks if b.span.start < end and start < b.span.end]
            if cut:
                wide_start = min(start, *(b.span.start for b in cut))
                wide_end = max(end, *(b.span.end for b in cut))
                text = old[wide_start:start] + text + old[end:wide_end]
                start, end, text = _lines(old, wide_start, wide_end, text)
                edits[-1] = Edit(file, start, end, text)
            gone = [b for b in blocks if start <= b.span.start and b.span.end <= end]
            rest = old[start:end]
            for b in sorted(gone, key=lambda b: b.span.start, reverse=True):
                rest = rest[: b.span.start - start] + rest[b.span.end - start :]
            added = self._added(file, text)
            if added is None or any(b.type != "resource" for b in gone) or _code(rest):
                local = False
                continue
            for b in gone:
                keys = self._addresses.get((file, b.span.start), [])
                if not keys:
                    local = False
                claims.update(keys)
                names.add(".".join(b.labels[:2]))
                texts.append(b.span.of(old))
            claims.update(added[0])
            names.update(added[1])
        return Footprint(tuple(edits), frozenset(claims), frozenset(names), tuple(texts), local)

    def _added(self, file: str, text: str) -> tuple[set[str], set[str]] | None:
        """Claims and names of top-level blocks added as `text`; None where it adds anything
        but `resource`, `import` and `removed` blocks."""
        claims: set[str] = set()
        names: set[str] = set()
        prefixes = self._prefixes.get(file) or [""]
        for line in text.splitlines():
            if not line or line[0].isspace() or _NEUTRAL.match(line):
                continue
            m = _HEADER.match(line)
            if m is None or m.group(1) not in ("resource", "import", "removed"):
                return None
            if m.group(1) == "resource":
                labels = _LABELS.findall(m.group(2))
                if len(labels) < 2:
                    return None
                names.add(f"{labels[0]}.{labels[1]}")
                claims.update(f"{p}{labels[0]}.{labels[1]}" for p in prefixes)
        for target in _TARGET.findall(text):
            claims.add(config_of(target))
        return claims, names


def _touch(a: Footprint, b: Footprint) -> bool:
    for x in a.edits:
        for y in b.edits:
            if x.file == y.file and x.start <= y.end and y.start <= x.end:
                return True
    return False


def _mentions(a: Footprint, b: Footprint) -> bool:
    """`b` names one of the resources `a` edits (or the other way round)."""
    for x, y in ((a, b), (b, a)):
        for name in x.names:
            pattern = re.compile(rf"(?<![\w.-]){re.escape(name)}\b")
            if any(pattern.search(t) for t in y.texts):
                return True
    return False


def compatible(a: Footprint, b: Footprint) -> bool:
    return not (a.claims & b.claims) and not _touch(a, b) and not _mentions(a, b)


def layers(footprints: Mapping[int, Footprint]) -> list[list[int]]:
    """Local patches in layers of pairwise compatible ones (first fit, in order); each
    non-local patch alone."""
    out: list[list[int]] = []
    for i, fp in footprints.items():
        if not fp.local:
            out.append([i])
            continue
        for layer in out:
            if len(layer) == 1 and not footprints[layer[0]].local:
                continue
            if all(compatible(fp, footprints[j]) for j in layer):
                layer.append(i)
                break
        else:
            out.append([i])
    return out


def combine(index: SourceIndex, footprints: Sequence[Footprint]) -> dict[str, str]:
    """The files of all the (compatible) patches together."""
    by_file: dict[str, list[Edit]] = {}
    for fp in footprints:
        for e in fp.edits:
            by_file.setdefault(e.file, []).append(e)
    out: dict[str, str] = {}
    for file, edits in by_file.items():
        text = index.texts.get(file, "")
        for e in sorted(edits, key=lambda e: e.start, reverse=True):
            text = text[: e.start] + e.text + text[e.end :]
        out[file] = text
    return out


def differs(b: Change | None, c: Change | None) -> bool:
    """Whether two plans' changes at one address differ: in actions, import, the object as it
    is, what it is planned to become, or what is unknown until apply. The one comparison the
    judge (fix/verification.py: which addresses a patch changed) and the attribution here
    (which addresses a layer changed) share, so a layer credits exactly what a plan alone
    would show as changed."""
    if b is None or c is None:
        return b is not c
    return (b.actions, b.importing, b.before, b.after, b.after_unknown) != (
        c.actions,
        c.importing,
        c.before,
        c.after,
        c.after_unknown,
    )


def _moved_keys(b: Change, c: Change) -> set[str]:
    keys: set[str] = set()
    for x, y in ((b.before, c.before), (b.after, c.after), (b.after_unknown, c.after_unknown)):
        keys.update(k for k in set(x) | set(y) if x.get(k) != y.get(k))
    return keys


def attribute(
    base: Outcome,
    combined: Outcome,
    members: Mapping[int, tuple[Footprint, PatchAction, frozenset[str]]],
    has_state: bool,
) -> dict[int, Outcome] | frozenset[int]:
    """Each member's outcome as if planned alone, from the layer's `combined` outcome; or,
    where the layer must be split (see the module docstring), the suspects: the members that
    own an address whose change their patch does not explain (planned alone next, the others
    together again), none where no member can be singled out (the layer is halved).
    `members`: index -> (footprint, action, argument names the patch writes)."""
    if not combined.validated:
        return frozenset()
    if not has_state or not base.planned:
        # Validation only (no state), or the unpatched code does not plan: all the judge
        # reads then is that the configuration validates.
        if has_state and combined.planned:
            return frozenset()
        return {i: Outcome(True, False, combined.error) for i in members}
    if not combined.planned:
        return frozenset()
    owned: dict[int, list[str]] = {i: [] for i in members}
    suspects: set[int] = set()
    for a in set(base.changes) | set(combined.changes):
        b, c = base.changes.get(a), combined.changes.get(a)
        if not differs(b, c):
            continue
        cfg = config_of(a)
        owners = [i for i, (fp, _, _) in members.items() if cfg in fp.claims]
        if len(owners) != 1:
            return frozenset()
        i = owners[0]
        _, action, allowed = members[i]
        if action in (PatchAction.CODIFY, PatchAction.FIX, PatchAction.REVERT):
            harmful = (Effect.DESTROY, Effect.REPLACE)
            if (
                b is None
                or c is None
                or (c.effect in harmful and c.effect is not b.effect)
                or _moved_keys(b, c) - allowed
            ):
                suspects.add(i)
                continue
        owned[i].append(a)
    if suspects:
        return frozenset(suspects)
    out: dict[int, Outcome] = {}
    for i, addresses in owned.items():
        changes = dict(base.changes)
        for a in addresses:
            if a in combined.changes:
                changes[a] = combined.changes[a]
            else:
                changes.pop(a, None)
        out[i] = Outcome(True, True, "", changes)
    return out
