"""The HCL source index: every block and attribute of a configuration, with exact text spans.

Findings are linked to file:line, and fixes edit the original text in place (python-hcl2's
writers lose comments and spacing), so the index keeps character offsets into each file's text
exactly as read from disk (CRLF included) rather than any re-serialised form. It is built from
python-hcl2's raw lark tree; each file is parsed once, however many times its module is called.

Offsets are Python `str` indices (code points, not bytes), `end` exclusive. A node's span ends
at its last significant token: trailing comments, newlines, and the newline that python-hcl2's
heredoc token swallows are not part of it.
"""

from __future__ import annotations

import array
import bisect
import collections
import contextlib
import dataclasses
import functools
import itertools
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Final, TypeAlias, overload

import hcl2
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from driftpatch import limits
from driftpatch.errors import InputError, TerraformInputError
from driftpatch.limits import InputLimitError
from driftpatch.model import JSON, Address, Location
from driftpatch.seqs import Spliced, common_prefix, common_suffix

ModulePath: TypeAlias = tuple[str, ...]
_Node: TypeAlias = "Tree[Token] | Token"


class _NotLiteral:
    """Marks an expression whose value is only known to Terraform (reference, call, template).

    Fixes need to tell "replace this literal" from "this value comes from elsewhere"; None
    cannot mark that, as `null` is a literal.
    """

    _instance: _NotLiteral | None = None

    def __new__(cls) -> _NotLiteral:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_LITERAL"


NOT_LITERAL: Final = _NotLiteral()


# -- the index's values ------------------------------------------------------------------------


_FIELD_BITS: Final = 40
_FIELD_MASK: Final = (1 << _FIELD_BITS) - 1


class Span:
    """An exact region of one file's text: `text[start:end]`, on lines start_line..end_line.

    Immutable, compared and hashed by value like a frozen dataclass. The four numbers are kept
    packed in one int: an index holds two spans per attribute and block, and four separate
    int objects per span were a third of the index's memory (issue 10: a large .tf file).
    """

    __slots__ = ("_packed",)
    _packed: int

    def __init__(self, start_line: int, end_line: int, start: int, end: int) -> None:
        # Unrolled: verifying patches shifts every block after an edit, ~300,000 spans on a
        # 600-resource file.
        mask = _FIELD_MASK
        if not (
            0 <= start_line <= mask
            and 0 <= end_line <= mask
            and 0 <= start <= mask
            and 0 <= end <= mask
        ):
            bad = next(v for v in (start_line, end_line, start, end) if not 0 <= v <= mask)
            raise ValueError(f"span field out of range: {bad}")
        bits = _FIELD_BITS
        packed = start_line | end_line << bits | start << (2 * bits) | end << (3 * bits)
        object.__setattr__(self, "_packed", packed)

    @property
    def start_line(self) -> int:
        """1-based."""
        return self._packed & _FIELD_MASK

    @property
    def end_line(self) -> int:
        """1-based, inclusive."""
        return (self._packed >> _FIELD_BITS) & _FIELD_MASK

    @property
    def start(self) -> int:
        """Character offset, inclusive."""
        return (self._packed >> (2 * _FIELD_BITS)) & _FIELD_MASK

    @property
    def end(self) -> int:
        """Character offset, exclusive."""
        return self._packed >> (3 * _FIELD_BITS)

    def of(self, text: str) -> str:
        return text[self.start : self.end]

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return self._packed == other._packed

    def __hash__(self) -> int:
        return hash(self._packed)

    def __repr__(self) -> str:
        return (
            f"Span(start_line={self.start_line}, end_line={self.end_line}, "
            f"start={self.start}, end={self.end})"
        )

    def __reduce__(self) -> tuple[type[Span], tuple[int, int, int, int]]:
        return Span, (self.start_line, self.end_line, self.start, self.end)


@dataclass(frozen=True, slots=True)
class AttributeNode:
    """`name = expr` in a body, or `key = value` in an object literal (then `name` is the key).

    Equality is structural; the hash leaves out the (unhashable) values, so nodes can key dicts.
    """

    name: str
    span: Span  # `name = expr`, without the trailing newline or comment
    expr: Span
    expr_text: str
    literal: JSON | _NotLiteral = field(hash=False)
    # Object-literal values: key -> element, so `tags.Env` can be found and edited.
    elements: Mapping[str, AttributeNode] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    @property
    def is_literal(self) -> bool:
        return self.literal is not NOT_LITERAL


@dataclass(frozen=True, slots=True)
class BlockNode:
    """A block (`resource "t" "n" { ... }`, `ingress { ... }`, `dynamic "x" { ... }`).

    Equality is structural (a same-length edit inside still makes a different block); the hash
    uses the file, header and spans, so blocks can key dicts and sets.
    """

    file: str  # repo-relative, forward slashes
    type: str
    labels: tuple[str, ...]
    span: Span  # block type identifier .. closing brace, inclusive
    body: Span  # between the braces: body.start is after `{`, body.end is at `}`
    attributes: Mapping[str, AttributeNode] = field(hash=False)  # source order
    blocks: tuple[BlockNode, ...] = field(hash=False)  # nested blocks, source order

    def __eq__(self, other: object) -> bool:
        # Written out (not the dataclass's): a block moved by an edit (_MovedBlock, a
        # subclass) equals the same block parsed where it now is.
        if not isinstance(other, BlockNode):
            return NotImplemented
        return (
            self.file == other.file
            and self.type == other.type
            and self.labels == other.labels
            and self.span == other.span
            and self.body == other.body
            and self.attributes == other.attributes
            and self.blocks == other.blocks
        )

    def nested(self, type_: str) -> tuple[BlockNode, ...]:
        return tuple(b for b in self.blocks if b.type == type_)

    def dynamic(self, name: str) -> tuple[BlockNode, ...]:
        """The `dynamic "name"` blocks that generate `name` blocks."""
        return tuple(b for b in self.blocks if b.type == "dynamic" and b.labels[:1] == (name,))

    @property
    def location(self) -> Location:
        return Location(self.file, self.span.start_line, self.span.end_line)


@dataclass(frozen=True)
class ModuleCall:
    """A `module "name"` block; `directory` is None where the module's code is not at hand
    (a registry or git source before `terraform init`, or a local path that does not exist)."""

    name: str
    source: str  # as written (the literal string, or the expression text if not a literal)
    directory: Path | None
    block: BlockNode
    has_count: bool
    has_for_each: bool


@dataclass(frozen=True)
class ModuleInfo:
    """One module instance path; a directory called twice gets two of these."""

    path: ModulePath  # call names from the root; () is the root module
    directory: Path
    files: tuple[str, ...]  # its .tf files (repo-relative), including any with problems
    calls: Mapping[str, ModuleCall] = field(hash=False)


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Input that could not be (fully) used; never stops the run."""

    file: str
    line: int
    message: str  # one line


@dataclass(frozen=True)
class ParsedFile:
    """One file's top-level blocks (empty if it did not parse) and its problems."""

    file: str
    text: str
    blocks: Sequence[BlockNode]  # a tuple, or after a reparse the moved blocks (`_Blocks`)
    problems: tuple[ParseProblem, ...]
    parsed: bool = True  # False: a syntax error or undecodable bytes, so no blocks at all

    @functools.cached_property
    def names(self) -> tuple[str | None, ...]:
        """Per top-level block, its address in its module ("t.n", "data.t.n") where it is a
        resource or data block, else None. Kept with the parse (a reparse slices the old
        one's), so indexing a file again after an edit registers its blocks in one C-level
        dict update instead of a Python step per block."""
        return tuple(_name_of(b) for b in self.blocks)

    @functools.cached_property
    def module_calls(self) -> tuple[int, ...]:
        """The positions of its `module "name"` blocks."""
        return tuple(i for i, b in enumerate(self.blocks) if _is_call(b))

    @functools.cached_property
    def positions(self) -> Mapping[str, int] | None:
        """Address in its module ("t.n") -> position in `blocks`, of its resource and data
        blocks; None where an address is declared twice. A reparse that keeps every block's
        name and position shares the old version's, so indexing a file again after an edit
        does not register each block again (see `_Resources`)."""
        names = self.names
        keys = list(itertools.compress(names, names))
        mine = dict(zip(keys, itertools.compress(range(len(names)), names), strict=True))
        return MappingProxyType(mine) if len(mine) == len(keys) else None  # type: ignore[arg-type]


def _name_of(block: BlockNode) -> str | None:
    if len(block.labels) != 2 or block.type not in ("resource", "data"):
        return None
    mode = "data." if block.type == "data" else ""
    return f"{mode}{block.labels[0]}.{block.labels[1]}"


def _is_call(block: BlockNode) -> bool:
    return block.type == "module" and len(block.labels) == 1


@dataclass(frozen=True, eq=False)
class SourceIndex:
    """Every indexed block of a configuration, by config address and by file."""

    root: Path  # repo root: every `file` is relative to it
    source_dir: Path
    texts: Mapping[str, str]
    modules: Mapping[ModulePath, ModuleInfo]
    # Config address ("module.net.aws_subnet.private", "data.aws_ami.x") -> block.
    resources: Mapping[str, BlockNode]
    # Top-level blocks of every indexed file, each file once (a sequence: blocks an edit moved
    # are made when read, see `_Blocks`).
    blocks: Sequence[BlockNode]
    problems: tuple[ParseProblem, ...]
    # The root module's variable files in Terraform's load order (terraform.tfvars, then
    # *.auto.tfvars by name, then the -var-file files in the order given; a later file wins),
    # each as a pseudo-block of type "tfvars" whose attributes are the assignments and whose
    # span is the whole file.
    tfvars: tuple[BlockNode, ...] = ()
    # The -var-file files (repo-relative, in order): a copy of the code re-indexes with them,
    # and Terraform verification plans with them.
    var_files: tuple[str, ...] = ()

    def block_for(self, address: str | Address) -> BlockNode | None:
        """The block declaring `address`: a resource address, with or without instance keys
        (`module.net["a"].aws_subnet.private[0]`), or a module call (`module.net["a"]`)."""
        if isinstance(address, Address):
            return self.resources.get(address.config_address)
        found = self.resources.get(address)
        if found is not None:
            return found
        try:
            return self.resources.get(Address.parse(address).config_address)
        except ValueError:
            pass
        path = _module_path(address)
        if not path:
            return None
        parent = self.modules.get(path[:-1])
        call = parent.calls.get(path[-1]) if parent is not None else None
        return call.block if call is not None else None

    def locate(self, address: str | Address) -> Location | None:
        block = self.block_for(address)
        return block.location if block is not None else None

    def locate_attribute(self, address: str | Address, attribute: str) -> Location | None:
        """Where `attribute` (`tags.Env`, `ingress[1]`, `versioning_configuration[0].status`)
        is written, as deep as the code goes; the block itself if it is not written at all."""
        block = self.block_for(address)
        if block is None:
            return None
        return _resolve(block, _path_steps(attribute))

    def variables(self, module_path: ModulePath | str = ()) -> Mapping[str, BlockNode]:
        """`variable` blocks of a module (`("net",)` or `"module.net"`), by name."""
        path = _as_module_path(module_path)
        info = self.modules.get(path) if path is not None else None
        if info is None:
            return {}
        files = set(info.files)
        return {
            b.labels[0]: b
            for b in self.blocks
            if b.type == "variable" and len(b.labels) == 1 and b.file in files
        }

    @property
    def root_module_files(self) -> tuple[str, ...]:
        """The root module's .tf files (repo-relative: they sit under `source_dir`, which need
        not be the repository root)."""
        info = self.modules.get(())
        return tuple(f for f in info.files if f.endswith(".tf")) if info is not None else ()

    def account_anchor(self) -> Location | None:
        """Where the code configures the AWS account: the root module's default `provider
        "aws"` block, else any aws provider block, else the `terraform` block with a backend,
        else line 1 of the root module's first file. Account-level findings (root MFA, password
        policy, CloudTrail) have no resource of their own; code scanning needs a place."""
        files = self.root_module_files
        roots = [b for b in self.blocks if b.file in files]
        providers = [b for b in roots if b.type == "provider" and b.labels[:1] == ("aws",)]
        default = [b for b in providers if "alias" not in b.attributes]
        backends = [b for b in roots if b.type == "terraform" and b.nested("backend")]
        for candidates in (default, providers, backends):
            if candidates:
                return candidates[0].location
        return Location(files[0], 1, 1) if files else None

    def module_dir(self, module_path: ModulePath | str = ()) -> Path | None:
        path = _as_module_path(module_path)
        info = self.modules.get(path) if path is not None else None
        return info.directory if info is not None else None


# -- public functions --------------------------------------------------------------------------


def find_repo_root(path: Path) -> Path:
    """The nearest ancestor holding `.git` (a directory, or a file in a worktree); else `path`.

    SARIF and `git apply` want paths relative to the repository, not to the source dir."""
    start = path.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def index_source(
    source_dir: Path,
    root: Path | None = None,
    var_files: Sequence[Path] = (),
    known: Mapping[str, str] | None = None,
) -> SourceIndex:
    """Index the root module in `source_dir` and every module it calls that is on disk, with
    its variable files: terraform.tfvars, *.auto.tfvars, then `var_files` (`-var-file`).

    `known`: repo-relative .tf file -> its text, where the caller wrote that text to the file
    itself (a working copy): taken as read, not read and decoded again (per patch, for every
    file of the configuration). Which files there are still comes from the directories.

    Raises TerraformInputError only when `source_dir` or a var file is unusable; problems in
    files (syntax errors, bad bytes, duplicate addresses, module cycles) are recorded in
    `problems`."""
    source_dir = Path(source_dir)
    if not source_dir.exists():
        raise TerraformInputError(f"source directory not found: {source_dir}")
    if not source_dir.is_dir():
        raise TerraformInputError(f"source path is not a directory: {source_dir}")
    source_dir = source_dir.resolve()
    if root is not None:
        return _build(Path(root).resolve(), source_dir, var_files, known)
    root = find_repo_root(source_dir)
    index = _build(root, source_dir, var_files)
    if root == source_dir and not (root / ".git").exists():
        # Not in a git repository: paths are relative to --source, unless local modules live
        # outside it; then to the closest directory holding them all (never `../`, which
        # `git apply` and `patch` refuse).
        outside = [f for f in index.texts if f.startswith("../")]
        if outside:
            common = Path(
                os.path.commonpath([str(source_dir), *(str((root / f).resolve()) for f in outside)])
            )
            index = _build(common, source_dir, var_files)
    return index


def patch_root(source_dir: Path) -> Path:
    """The directory patch paths are relative to for `source_dir`: the git repository root,
    else what `index_source` chose (--source, or the closest directory holding the local
    modules it calls). `driftpatch patch --source` applies there."""
    root = find_repo_root(source_dir)
    if (root / ".git").exists():
        return root
    return index_source(source_dir).root


def _build(
    root: Path,
    source_dir: Path,
    var_files: Sequence[Path] = (),
    known: Mapping[str, str] | None = None,
) -> SourceIndex:
    builder = _Builder(root, source_dir, known or {})
    builder.visit((), source_dir, ())
    builder.read_tfvars(source_dir)
    builder.read_var_files(var_files)
    return builder.result()


def parse_text(text: str, file: str = "<text>") -> ParsedFile:
    """Parse one file's text into blocks, e.g. to re-read a patched file before offering it.

    Verifying patches re-indexes the working copy after every edit: a file parsed before is
    not parsed again, and an edited one only from the block before the edit to the block after
    it (a full parse of a 500-resource file costs ~1.5 s; see `reparse`)."""
    with _CACHE_LOCK:
        cached = _cached(file, text)
        previous = _LAST_BY_FILE.get(file)
        if cached is not None:
            # The next edit of this file is most likely an edit of this text (verification
            # goes back to the original between runs): reparse against it, not an older one
            # that differs everywhere in between.
            _LAST_BY_FILE[file] = cached
            _LAST_BY_FILE.move_to_end(file)
    if cached is not None:
        return cached
    parsed = reparse(previous, text) if previous is not None else _Reader(file, text).parse()
    with _CACHE_LOCK:
        _store(parsed)
        _LAST_BY_FILE[file] = parsed
        _LAST_BY_FILE.move_to_end(file)
        while len(_LAST_BY_FILE) > _CACHE_SIZE:
            _LAST_BY_FILE.popitem(last=False)
    return parsed


_CACHE_SIZE: Final = 512
_CACHE_CHARS: Final = 16 * 1024 * 1024  # of cached texts (their parses: several times that)
_PARSED_CHARS = 0
_CACHE_LOCK = threading.Lock()
# The parses kept, oldest first, and the same by file and text length. Not by the text as a
# dict key: hashing a text reads all of it, and every version of a file verification makes
# is a new text (a 5 MB file: ~2 ms per patch). A lookup compares the few texts of the same
# file and length, which differ near the edit or are the same object.
_PARSED: collections.OrderedDict[int, ParsedFile] = collections.OrderedDict()
_BY_SIZE: dict[tuple[str, int], list[ParsedFile]] = {}
_LAST_BY_FILE: collections.OrderedDict[str, ParsedFile] = collections.OrderedDict()


def _cached(file: str, text: str) -> ParsedFile | None:
    """The kept parse of `text` as `file` (under _CACHE_LOCK)."""
    for parsed in _BY_SIZE.get((file, len(text)), ()):
        if parsed.text is text or parsed.text == text:
            return parsed
    return None


def _store(parsed: ParsedFile) -> None:
    """Keep `parsed` (in place of a kept parse of the same text), then drop the oldest while
    there are too many, by count and by size: verifying patches to a large file parses one
    version per patch, each with its own blocks (several times the text); 512 versions of a
    4 MB file would hold gigabytes. Under _CACHE_LOCK."""
    global _PARSED_CHARS
    if id(parsed) in _PARSED:
        return
    bucket = _BY_SIZE.setdefault((parsed.file, len(parsed.text)), [])
    same = [p for p in bucket if p.text is parsed.text or p.text == parsed.text]
    for p in same:
        del _PARSED[id(p)]
        _PARSED_CHARS -= len(p.text)
    bucket[:] = [p for p in bucket if not any(p is q for q in same)]
    bucket.append(parsed)
    _PARSED[id(parsed)] = parsed
    _PARSED_CHARS += len(parsed.text)
    while len(_PARSED) > _CACHE_SIZE or (_PARSED_CHARS > _CACHE_CHARS and len(_PARSED) > 2):
        _, dropped = _PARSED.popitem(last=False)
        _PARSED_CHARS -= len(dropped.text)
        key = (dropped.file, len(dropped.text))
        left = [p for p in _BY_SIZE[key] if p is not dropped]
        if left:
            _BY_SIZE[key] = left
        else:
            del _BY_SIZE[key]


def remember(parsed: ParsedFile) -> None:
    """Make `parsed` the version of its file the next parse of that file starts from (a
    working copy edits its own last version: reparsing a new version against the original,
    which another caller parsed in between, would parse again every edit made so far)."""
    with _CACHE_LOCK:
        _store(parsed)
        _LAST_BY_FILE[parsed.file] = parsed
        _LAST_BY_FILE.move_to_end(parsed.file)


def clear_parse_cache() -> None:
    global _PARSED_CHARS
    with _CACHE_LOCK:
        _PARSED.clear()
        _BY_SIZE.clear()
        _LAST_BY_FILE.clear()
        _PARSED_CHARS = 0


def reparse(old: ParsedFile, text: str) -> ParsedFile:
    """`parse_text(text, old.file)`, re-parsing only what an edit of `old.text` touched.

    Blocks wholly inside the common prefix are kept; blocks wholly inside the common suffix are
    kept with their spans shifted; the text between the last kept block before the edit and the
    first kept block after it is parsed on its own. Anything unusual (problems, a BOM, a parse
    error in that stretch) falls back to a full parse, so the result is always the full parse's.
    """
    spliced = _splice(old, text)
    if spliced is None:
        return _Reader(old.file, text).parse()
    kept, middle, rest, delta, lines = spliced
    blocks = old.blocks
    by = _delta(delta, lines) if delta or lines else 0  # one addition moves each block
    runs = [
        *_runs_between(blocks, 0, kept, 0),
        _Run(tuple(middle), 0),
        *_runs_between(blocks, rest, len(blocks), by),
    ]
    new = ParsedFile(old.file, text, _Blocks.of(runs), ())
    # What the index reads of each block, carried over for the kept ones (see `names`).
    names = old.names
    added = tuple(_name_of(b) for b in middle)
    if added == names[kept:rest]:  # the same names at the same places: shared
        new.__dict__["names"] = names
        if "positions" in old.__dict__:
            new.__dict__["positions"] = old.positions
    else:
        new.__dict__["names"] = (*names[:kept], *added, *names[rest:])
    calls, shift = old.module_calls, len(middle) - (rest - kept)
    new.__dict__["module_calls"] = (
        *(i for i in calls if i < kept),
        *(kept + i for i, b in enumerate(middle) if _is_call(b)),
        *(i + shift for i in calls if i >= rest),
    )
    return new


class _Run:
    """Consecutive top-level blocks of one file: `base[lo:hi]` (a view, not a slice: cutting
    a run at an edit copies nothing), each moved by `by` (a packed delta, see `_delta`; 0:
    as it is) plus, where runs were joined, its own move in `bys` (indexed like `base`). A
    moved block is made when first read, then kept, so every reader of this version gets
    the same object."""

    __slots__ = ("_made", "base", "by", "bys", "hi", "lo")

    def __init__(
        self,
        base: tuple[BlockNode, ...],
        by: int,
        bys: Sequence[int] | None = None,
        lo: int = 0,
        hi: int | None = None,
    ) -> None:
        self.base = base
        self.by = by
        self.bys = bys
        self.lo = lo
        self.hi = len(base) if hi is None else hi
        self._made: dict[int, BlockNode] = {}

    def __len__(self) -> int:
        return self.hi - self.lo

    def at(self, i: int) -> BlockNode:
        k = self.lo + i
        by = self.by if self.bys is None else self.by + self.bys[k]
        if not by:
            return self.base[k]
        made = self._made.get(i)
        if made is None:
            made = self._made.setdefault(i, _moved(self.base[k], by))
        return made

    def blocks(self) -> tuple[BlockNode, ...]:
        """Its base blocks (not moved)."""
        if self.lo == 0 and self.hi == len(self.base):
            return self.base
        return self.base[self.lo : self.hi]

    def part(self, lo: int, hi: int, by: int) -> _Run:
        """Its blocks lo..hi-1, moved by `by` more."""
        return _Run(self.base, self.by + by, self.bys, self.lo + lo, self.lo + hi)

    def moves(self) -> Iterable[int]:
        """Each block's move."""
        if self.bys is None:
            return itertools.repeat(self.by, len(self))
        bys = self.bys[self.lo : self.hi]
        return map(self.by.__add__, bys) if self.by else bys


def _joined(runs: Sequence[_Run]) -> _Run:
    """One run of the blocks of `runs`: no block is made or moved (C-speed concatenations,
    ~50 ns a block), each keeps its move in `bys`."""
    base = tuple(itertools.chain.from_iterable(r.blocks() for r in runs))
    if not any(r.by or r.bys is not None for r in runs):
        return _Run(base, 0)
    # A tuple, not an array: a packed move is wider than 64 bits.
    return _Run(base, 0, tuple(itertools.chain.from_iterable(r.moves() for r in runs)))


class _Blocks(Sequence[BlockNode]):
    """A file's (or an index's) top-level blocks, as runs of blocks moved alike.

    An edit moves every block after it. Making each moved block per edit (one small object
    per block, see `_MovedBlock`) made a patch cost the file: 20,000 resources, ~10 ms a
    patch. Here an edit makes the runs before it (shared), the parsed stretch, and the runs
    after it with the move added to each run: work in the number of runs, which is kept
    small by joining them all into one now and then, without making any block (`_joined`:
    a few C-level passes, tens of nanoseconds a block, every `_MIN_RUNS` / 2 edits). Reads
    make the moved blocks they touch. Equal to (and hashed and copied as) the tuple of its
    blocks."""

    __slots__ = ("_ends", "_runs")

    def __init__(self, runs: Sequence[_Run]) -> None:
        self._runs = tuple(r for r in runs if len(r))
        self._ends = tuple(itertools.accumulate(len(r) for r in self._runs))

    @classmethod
    def of(cls, runs: Sequence[_Run]) -> _Blocks:
        """The blocks of `runs`, joined into one run where they have grown too many."""
        blocks = cls(runs)
        count = len(blocks._runs)
        if count > _MIN_RUNS:
            return cls((_joined(blocks._runs),))
        return blocks

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, i: int) -> BlockNode: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[BlockNode, ...]: ...

    def __getitem__(self, i: int | slice) -> BlockNode | tuple[BlockNode, ...]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        size = len(self)
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError("block index out of range")
        k = bisect.bisect_right(self._ends, i)
        return self._runs[k].at(i - (self._ends[k - 1] if k else 0))

    def __iter__(self) -> Iterator[BlockNode]:
        for run in self._runs:
            if run.by or run.bys is not None:
                yield from map(run.at, range(len(run)))
            else:
                yield from run.blocks()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, tuple | _Blocks):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[type[tuple[BlockNode, ...]], tuple[tuple[BlockNode, ...]]]:
        return tuple, (tuple(self),)


_MIN_RUNS: Final = 32  # runs joined past this many (every ~16 edits; see `_joined`)


def _runs_of(blocks: Sequence[BlockNode]) -> tuple[_Run, ...]:
    if isinstance(blocks, _Blocks):
        return blocks._runs
    return (_Run(tuple(blocks), 0),) if blocks else ()


def _runs_between(blocks: Sequence[BlockNode], start: int, stop: int, by: int) -> list[_Run]:
    """The runs of `blocks[start:stop]`, moved by `by` more: a run wholly inside is kept
    as it is where it does not move, else its blocks are shared (the tuple's slice)."""
    if isinstance(blocks, _Blocks):
        runs, ends = blocks._runs, blocks._ends
    else:
        runs, ends = _runs_of(blocks), (len(blocks),) if blocks else ()
    out: list[_Run] = []
    if start >= stop:
        return out
    k = bisect.bisect_right(ends, start)
    while k < len(runs):
        first = ends[k - 1] if k else 0
        if first >= stop:
            break
        run = runs[k]
        lo, hi = max(start - first, 0), min(stop - first, len(run))
        if lo == 0 and hi == len(run) and not by:
            out.append(run)
        else:
            out.append(run.part(lo, hi, by))
        k += 1
    return out


@dataclass(frozen=True)
class Splice:
    """What an edit of a parsed file changed at the top level: the old blocks it replaced
    (`removed`) and the blocks parsed in their place (`added`, positioned in the new text);
    every other block is the same text, moved by the edit's length when after it."""

    removed: tuple[BlockNode, ...]
    added: tuple[BlockNode, ...]


def edited_blocks(old: ParsedFile, text: str | Spliced) -> Splice | None:
    """The top-level blocks an edit of `old.text` into `text` replaced and added, parsing only
    the stretch between the unchanged blocks around the edit (as `reparse` does), without
    moving the blocks after it: what a check of the edit alone needs, in the time of the
    edit, not of the file. None where `reparse` would parse the whole file."""
    spliced = _splice(old, text)
    if spliced is None:
        return None
    kept, middle, rest, _, _ = spliced
    return Splice(tuple(old.blocks[kept:rest]), tuple(middle))


def _splice(
    old: ParsedFile, text: str | Spliced
) -> tuple[int, list[BlockNode], int, int, int] | None:
    """(how many head blocks are kept, re-parsed middle blocks in the new text's positions,
    where the old tail blocks to move start, the move in characters, in lines), or None:
    parse the whole file."""
    if not old.parsed or old.problems or old.text.startswith("\ufeff") or text[:1] == "\ufeff":
        return None
    before, after = old.text, text
    limit = min(len(before), len(after))
    if isinstance(after, Spliced) and after.original is before and after.ends is not None:
        prefix, suffix = after.ends  # an edit of `before` that knows them
    else:
        prefix = common_prefix(before, after, limit)
        suffix = common_suffix(before, after, limit - prefix)
    old_end = len(before) - suffix  # the edit replaced before[prefix:old_end]
    # Kept blocks are separated from the edit by a newline that did not change (else the edit
    # could join a kept block to its neighbour: `}resource` does not parse whole).
    blocks = old.blocks
    # Top-level blocks are in file order and do not overlap: starts and ends both ascend.
    first_after = bisect.bisect_left(blocks, old_end, key=_start_of)
    last_before = bisect.bisect_right(blocks, prefix, key=_end_of)
    kept = last_before
    start = 0
    while kept:
        newline = before.find("\n", blocks[kept - 1].span.end)
        if 0 <= newline < prefix:
            start = newline + 1
            break
        kept -= 1
    rest = first_after
    stop_old = len(before)
    while rest < len(blocks):
        begins = blocks[rest].span.start
        newline = before.rfind("\n", 0, begins)
        if newline >= old_end and not before[newline + 1 : begins].strip():
            stop_old = newline + 1
            break
        rest += 1
    delta = len(after) - len(before)
    segment = after[start : stop_old + delta]
    inner = _Reader(old.file, segment).parse()
    if not inner.parsed or inner.problems:
        return None
    # Counted over the edited stretch only (the texts agree up to `start`): the line the
    # stretch starts on is the one after the last kept block's (its `}` line ends at the
    # newline found above).
    first_line = blocks[kept - 1].span.end_line + 1 if kept else 1
    lines = segment.count("\n") - before.count("\n", start, stop_old)
    middle = [_shift_block(b, start, first_line - 1) for b in inner.blocks]
    return kept, middle, rest, delta, lines


def _start_of(block: BlockNode) -> int:
    return block.span.start


def _end_of(block: BlockNode) -> int:
    return block.span.end


def _delta(chars: int, lines: int) -> int:
    """What moving a span by `lines` lines and `chars` characters adds to its packed int: the
    four fields are a sum of shifted numbers, so one addition moves them all. Exact as long as
    every moved field stays in range, which holds for blocks after an edit (their new
    positions are positions in the new text)."""
    bits = _FIELD_BITS
    return lines + (lines << bits) + (chars << (2 * bits)) + (chars << (3 * bits))


def _shifted(span: Span, delta: int) -> Span:
    moved = object.__new__(Span)
    object.__setattr__(moved, "_packed", span._packed + delta)
    return moved


def _move_attribute(attr: AttributeNode, delta: int) -> AttributeNode:
    elements = attr.elements
    if elements:
        elements = MappingProxyType({k: _move_attribute(v, delta) for k, v in elements.items()})
    return AttributeNode(
        attr.name,
        _shifted(attr.span, delta),
        _shifted(attr.expr, delta),
        attr.expr_text,
        attr.literal,
        elements,
    )


def _shift_block(block: BlockNode, chars: int, lines: int) -> BlockNode:
    """`block` moved by `lines` lines and `chars` characters. Verifying patches moves every
    block after each edit of a file: the move is lazy (a _MovedBlock, one small object per
    block, its nodes built when read), and moving a moved block adds to its move."""
    if not chars and not lines:
        return block
    return _moved(block, _delta(chars, lines))


def _moved(block: BlockNode, delta: int) -> BlockNode:
    if type(block) is _MovedBlock:
        base, delta = block._base, block._by + delta
        if not delta:
            return base
        block = base
    moved = object.__new__(_MovedBlock)
    # file, type and labels do not move: the base's values in the inherited slots.
    object.__setattr__(moved, "file", block.file)
    object.__setattr__(moved, "type", block.type)
    object.__setattr__(moved, "labels", block.labels)
    object.__setattr__(moved, "_base", block)
    object.__setattr__(moved, "_by", delta)
    return moved


class _MovedBlock(BlockNode):
    """A parsed block moved by an edit before it: `_base` with every span plus `_by` (a packed
    delta, see `_delta`). Its spans are computed and its attributes and nested blocks built
    when first read, so an edit costs one of these per block after it instead of a copy of
    every node (the copies made the verification of P patches to one file O(P x file)).
    Equal to, and hashed as, the block parsed at the new place."""

    __slots__ = ("_attrs", "_base", "_by", "_nested")
    _base: BlockNode
    _by: int
    _attrs: Mapping[str, AttributeNode]  # once built
    _nested: tuple[BlockNode, ...]  # once built

    @property
    def span(self) -> Span:
        return _shifted(self._base.span, self._by)

    @property
    def body(self) -> Span:
        return _shifted(self._base.body, self._by)

    @property
    def attributes(self) -> Mapping[str, AttributeNode]:
        try:
            return self._attrs
        except AttributeError:
            delta = self._by
            attrs = MappingProxyType(
                {k: _move_attribute(v, delta) for k, v in self._base.attributes.items()}
            )
            object.__setattr__(self, "_attrs", attrs)
            return attrs

    @property
    def blocks(self) -> tuple[BlockNode, ...]:
        try:
            return self._nested
        except AttributeError:
            nested = tuple(_moved(b, self._by) for b in self._base.blocks)
            object.__setattr__(self, "_nested", nested)
            return nested

    def __reduce__(self) -> tuple[type[BlockNode], tuple[object, ...]]:
        # Copied as the plain block it stands for (the dataclass's own state would be set
        # through the read-only properties above).
        fields = (self.span, self.body, self.attributes, self.blocks)
        return BlockNode, (self.file, self.type, self.labels, *fields)


def parse_tfvars(text: str, file: str) -> tuple[BlockNode | None, tuple[ParseProblem, ...]]:
    """A .tfvars file as a pseudo-block (type "tfvars") of its assignments."""
    return _Reader(file, text).parse_assignments()


# -- parsing one file --------------------------------------------------------------------------

_NAME_NODES = frozenset({"identifier", "keyword", "literal_value"})
_LAYOUT = "new_line_or_comment"
_HEREDOCS = frozenset({"HEREDOC_TEMPLATE", "HEREDOC_TEMPLATE_TRIM"})
_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([ntr"\\]))')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_TEMPLATE_MARK = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
_PUNCTUATION = {
    "RBRACE": "'}'",
    "LBRACE": "'{'",
    "RSQB": "']'",
    "RPAR": "')'",
    "EQ": "'='",
    "COMMA": "','",
    "DBLQUOTE": "'\"'",
}
# Terminals that can only continue an expression already under way.
_CONTINUATIONS = frozenset({"EQ", "DOT", "PLUS", "ASTERISK", "QMARK", "COMMA"})
_WORD = re.compile(r"[A-Za-z0-9_-]+|\S")


# -- cutting a file at top-level boundaries -----------------------------------------------------

# About how much text goes through python-hcl2 at once: its tree of a unit takes ~200x the
# unit, so a few MiB at most, however large the file.
_UNIT: Final = 16_384
_IN_CODE = re.compile(r'[\n"#/<\[\](){}]')
_IN_STRING = re.compile(r'"|\\.|\$\$\{|%%\{|\$\{|%\{', re.DOTALL)
_HEREDOC_OPEN = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n")
# What may follow a newline and still continue the expression or block header before it:
# python-hcl2's postlexer joins a newline to a following binary operator or `?`, and its
# grammar takes a newline before a block's `{` and a conditional's `:`.
_LAYOUT_RUN = re.compile(r"(?:[ \t\r\n\f\v]|\#[^\n]*|//[^\n]*|/\*.*?\*/)*+", re.DOTALL)
_CONTINUES = re.compile(r"[{?:=!<>*/%+]|&&|\|\|")
_OPENERS: Final = frozenset("[{(")
_CLOSERS: Final = frozenset("]})")


def _cuts(text: str) -> tuple[list[int], int | None]:
    """Offsets where a top-level item ends (just after its newline), and where nesting first
    goes past `limits.MAX_DEPTH` (None if it does not).

    A small lexer, enough to tell structure from text: quoted strings with their `${ }` and
    `%{ }` templates (which nest), heredocs, `#`, `//` and `/* */` comments. Anything it does
    not understand (an unterminated string, heredoc or comment) ends the cutting: the rest of
    the file is then one unit, which python-hcl2 parses or reports on.
    """
    n = len(text)
    pos = 0
    stack: list[str] = []  # "[", "{", "(", '"' (in a string), "$" (in a template)
    cuts: list[int] = []
    while pos < n:
        if stack and stack[-1] == '"':
            found = _IN_STRING.search(text, pos)
            if found is None:
                break
            token, pos = found.group(), found.end()
            if token == '"':
                stack.pop()
            elif token in ("${", "%{"):
                stack.append("$")
                if len(stack) > limits.MAX_DEPTH:
                    return cuts, found.start()
            elif token in ("$${", "%%{"):  # an escape that runs to the next `}`
                close = text.find("}", pos)
                pos = close + 1 if close >= 0 else pos
            continue
        found = _IN_CODE.search(text, pos)
        if found is None:
            break
        char, at, pos = found.group(), found.start(), found.end()
        if char == "\n":
            if not stack:
                pos = _cut_at_newline(text, pos, cuts)
        elif char in _OPENERS or char == '"':
            stack.append(char)
            if len(stack) > limits.MAX_DEPTH:
                return cuts, at
        elif char in _CLOSERS:
            if stack:
                stack.pop()  # a "$" too: back in its string
        elif char == "#" or text.startswith("//", at):
            newline = text.find("\n", pos)
            pos = newline if newline >= 0 else n
        elif text.startswith("/*", at):
            close = text.find("*/", at + 2)
            if close < 0:
                break
            pos = close + 2
        elif char == "<":
            heredoc = _HEREDOC_OPEN.match(text, at)
            if heredoc is None:
                continue
            marker = re.escape(heredoc.group(1))
            close_at = re.compile(r"\n[ \t\r\f\v]*" + marker + r"\r?\n").search(
                text, heredoc.end() - 1
            )
            if close_at is None:
                break
            pos = close_at.end()
            if not stack:
                pos = _cut_at_newline(text, pos, cuts)
    return cuts, None


def _cut_at_newline(text: str, pos: int, cuts: list[int]) -> int:
    """At `pos`, just after a top-level newline: cut there unless what follows the blank
    lines and comments continues the item; return where scanning goes on (past that layout,
    which holds no structure: skipping it keeps a run of blank lines linear, not quadratic)."""
    after = _LAYOUT_RUN.match(text, pos)
    end = after.end() if after is not None else pos
    if not _CONTINUES.match(text, end):
        cuts.append(pos)
    return end


def _units(cuts: list[int], size: int) -> list[tuple[int, int]]:
    """Consecutive (start, end) stretches of about `_UNIT` characters, ending at cuts."""
    units: list[tuple[int, int]] = []
    start = 0
    for cut in cuts:
        if cut - start >= _UNIT:
            units.append((start, cut))
            start = cut
    if start < size or not units:
        units.append((start, size))
    return units


def _oversize_item(text: str, cuts: list[int]) -> tuple[int, str] | None:
    """The first top-level item (between cuts) too large to parse, where its text starts, and
    why: python-hcl2's tree of one item takes ~200x its size, cut or not, so one item may be
    an eighth of the file cap (2 MiB of a 16 MiB default: a few hundred MB while parsing)."""
    limit = max(limits.max_hcl_bytes() // 8, 1)
    start = 0
    for end in (*cuts, len(text)):
        if end - start > limit:
            after = _LAYOUT_RUN.match(text, start)
            at = after.end() if after is not None else start
            return at, (
                f"a top-level block of {limits.describe_size(end - at)} starts here, over the "
                f"limit of {limits.describe_size(limit)} for one block (an eighth of "
                f"{limits.HCL_ENV})"
            )
        start = end
    return None


def _ends_early(exc: UnexpectedInput) -> bool:
    """The parser wanted more text: the unit was cut too soon."""
    if isinstance(exc, UnexpectedEOF):
        return True
    return isinstance(exc, UnexpectedToken) and exc.token.type == "$END"


_NO_ELEMENTS: Final[Mapping[str, AttributeNode]] = MappingProxyType({})


class _Reader:
    """Builds the nodes of one file; holds its text and the line table for its spans."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.problems: list[ParseProblem] = []
        self._base = 0  # where the unit being read starts in `text` (see `_top_level`)
        self._strings: dict[str, str] = {}
        # An array, not a list: 8 bytes a line rather than an int object each.
        starts = array.array("q", [0])
        find = text.find
        pos = find("\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._line_starts = starts

    def parse(self) -> ParsedFile:
        blocks: list[BlockNode] = []
        for child in self._top_level():
            if child is None:
                return ParsedFile(self.file, self.text, (), tuple(self.problems), parsed=False)
            if child.data == "block":
                blocks.append(self.block(child))
            elif child.data == "attribute":
                name = _name(child.children[0])
                self.problem(child, f"argument {name!r} is not expected at the top level")
        return ParsedFile(self.file, self.text, tuple(blocks), tuple(self.problems))

    def parse_assignments(self) -> tuple[BlockNode | None, tuple[ParseProblem, ...]]:
        attributes: dict[str, AttributeNode] = {}
        for child in self._top_level():
            if child is None:
                return None, tuple(self.problems)
            if child.data == "attribute":
                attr = self.attribute(child)
                attributes.setdefault(attr.name, attr)
            elif child.data == "block":
                self.problem(child, "blocks are not allowed in a variables file")
        whole = self.span(0, len(self.text))
        node = BlockNode(
            file=self.file,
            type="tfvars",
            labels=(),
            span=whole,
            body=whole,
            attributes=MappingProxyType(attributes),
            blocks=(),
        )
        return node, tuple(self.problems)

    def _top_level(self) -> Iterator[Tree[Token] | None]:
        """The top-level blocks and attributes, parsed a few at a time; None after a problem
        that leaves the file unusable (a syntax error, nesting too deep).

        python-hcl2's tree of a whole file takes ~200x the text in memory (an 8 MB file took
        1.9 GB), so the text is cut at top-level boundaries (see `_cuts`) into units of about
        `_UNIT` characters, and each unit's tree is dropped once its nodes are built. Positions
        in a unit's tree are relative to it: `self._base` makes them absolute. A cut in the
        wrong place cannot change the result: a unit that ends too early (an unexpected end
        of input) is joined to the next one, and one that fails to parse is retried joined to
        the one before it, so the outcome is the whole file's parse.
        """
        # A UTF-8 BOM is not HCL; a space of the same length keeps every offset exact.
        source = " " + self.text[1:] if self.text.startswith("\ufeff") else self.text
        cuts, deep_at = _cuts(source)
        if deep_at is not None:
            message = f"nested more than {limits.MAX_DEPTH} levels deep (driftpatch's limit)"
            self.problems.append(ParseProblem(self.file, self.line(deep_at), message))
            yield None
            return
        too_big = _oversize_item(source, cuts)
        if too_big is not None:
            start, message = too_big
            self.problems.append(ParseProblem(self.file, self.line(start), message))
            yield None
            return
        units = _units(cuts, len(source))
        # A unit's nodes are handed out only once the next unit parsed too, so a unit that
        # fails can still be joined to the one before it.
        pending: tuple[int, Tree[Token]] | None = None
        k = 0
        while k < len(units):
            start, end = units[k]
            try:
                tree = hcl2.parses_to_tree(source[start:end])
            except UnexpectedInput as exc:
                if k + 1 < len(units) and _ends_early(exc):
                    units[k + 1] = (start, units[k + 1][1])
                    k += 1
                    continue
                if pending is None:
                    self._syntax_error(exc, start)
                    yield None
                    return
                start = pending[0]
                try:
                    tree = hcl2.parses_to_tree(source[start:end])
                except UnexpectedInput as joined:
                    self._syntax_error(joined, start)
                    yield None
                    return
                pending = None
            if pending is not None:
                yield from self._children(*pending)
            pending = (start, tree)
            k += 1
        if pending is not None:
            yield from self._children(*pending)
        self._base = 0

    def _children(self, start: int, tree: Tree[Token]) -> Iterator[Tree[Token]]:
        self._base = start
        body = tree.children[0]
        for child in body.children if isinstance(body, Tree) else ():
            if isinstance(child, Tree):
                yield child

    def _syntax_error(self, exc: UnexpectedInput, start: int) -> None:
        """The file's one problem: what the units before reported does not count, as a
        file with a syntax error yields no blocks at all."""
        self.problems.clear()
        last = self._last_line()
        first = self.line(start)
        line = min(first + exc.line - 1, last) if exc.line >= 1 else last
        self.problems.append(ParseProblem(self.file, line, "syntax error: " + _describe(exc)))

    def shared(self, text: str) -> str:
        """One string object for each short text this file repeats (`tags`, `"tcp"`,
        `false`): the index of a large file holds hundreds of thousands of them."""
        if len(text) > 64:
            return text
        return self._strings.setdefault(text, text)

    # positions

    def _at(self, value: int | None) -> int:
        """A position in the unit's tree as an offset into the file's text."""
        # Every token from python-hcl2's parser carries positions (propagate_positions=True).
        assert value is not None
        return self._base + value

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self._line_starts, pos)

    def _last_line(self) -> int:
        lines = len(self._line_starts)
        return lines - 1 if lines > 1 and self.text.endswith("\n") else lines

    def span(self, start: int, end: int) -> Span:
        return Span(self.line(start), self.line(max(start, end - 1)), start, end)

    def end_of(self, node: _Node) -> int:
        last = _edge_token(node, last=True)
        end = self._at(last.end_pos)
        if last.type in _HEREDOCS:
            # The heredoc token runs on through the newline after its closing marker.
            end -= len(last) - len(last.rstrip("\r\n"))
        return min(end, len(self.text))

    def problem(self, node: _Node, message: str) -> None:
        start = self._at(_edge_token(node, last=False).start_pos)
        self.problems.append(ParseProblem(self.file, self.line(start), message))

    # nodes

    def block(self, node: Tree[Token]) -> BlockNode:
        children = node.children
        open_at = next(
            i for i, c in enumerate(children) if isinstance(c, Token) and c.type == "LBRACE"
        )
        header = [c for c in children[:open_at] if isinstance(c, Tree) and c.data != _LAYOUT]
        lbrace, rbrace = children[open_at], children[-1]
        assert isinstance(lbrace, Token) and isinstance(rbrace, Token)
        body = children[open_at + 1]
        attributes: dict[str, AttributeNode] = {}
        blocks: list[BlockNode] = []
        for child in body.children if isinstance(body, Tree) else ():
            if not isinstance(child, Tree):
                continue
            if child.data == "attribute":
                attr = self.attribute(child)
                if attr.name in attributes:
                    self.problem(child, f"argument {attr.name!r} is set twice in this block")
                else:
                    attributes[attr.name] = attr
            elif child.data == "block":
                blocks.append(self.block(child))
        start = self._at(_edge_token(header[0], last=False).start_pos)
        return BlockNode(
            file=self.file,
            type=self.shared(_name(header[0])),
            labels=tuple(self.shared(self.label(c)) for c in header[1:]),
            span=self.span(start, self._at(rbrace.end_pos)),
            body=self.span(self._at(lbrace.end_pos), self._at(rbrace.start_pos)),
            attributes=MappingProxyType(attributes),
            blocks=tuple(blocks),
        )

    def label(self, node: Tree[Token]) -> str:
        if node.data != "string":
            return _name(node)
        value = _string_value(node)
        if value is not None:
            return value
        start, end = self._at(node.meta.start_pos), self._at(node.meta.end_pos)
        return self.text[start + 1 : end - 1]

    def attribute(self, node: Tree[Token]) -> AttributeNode:
        return self.assignment(_name(node.children[0]), node.children[0], node.children[-1])

    def assignment(self, name: str, name_node: _Node, expr: _Node) -> AttributeNode:
        start = self._at(_edge_token(name_node, last=False).start_pos)
        expr_start = self._at(_edge_token(expr, last=False).start_pos)
        end = self.end_of(expr)
        literal, elements = self.value(expr)
        if isinstance(literal, str):
            literal = self.shared(literal)
        return AttributeNode(
            name=self.shared(name),
            span=self.span(start, end),
            expr=self.span(expr_start, end),
            expr_text=self.shared(self.text[expr_start:end]),
            literal=literal,
            elements=MappingProxyType(elements) if elements else _NO_ELEMENTS,
        )

    def value(self, node: _Node) -> tuple[JSON | _NotLiteral, dict[str, AttributeNode]]:
        """The literal value of an expression, and its elements if it is an object."""
        node = _unwrap(node)
        if isinstance(node, Token):
            return NOT_LITERAL, {}
        kind = node.data
        if kind == "object":
            return self.object(node)
        if kind == "tuple":
            items = [self.value(c)[0] for c in node.children if _is_expression(c)]
            if any(item is NOT_LITERAL for item in items):
                return NOT_LITERAL, {}
            return items, {}
        if kind == "unary_op":
            op, operand = node.children[0], self.value(node.children[-1])[0]
            negatable = not isinstance(operand, bool) and isinstance(operand, int | float)
            if str(op) == "-" and negatable and isinstance(operand, int | float):
                return -operand, {}
            return NOT_LITERAL, {}
        return _scalar(node), {}

    def object(self, node: Tree[Token]) -> tuple[JSON | _NotLiteral, dict[str, AttributeNode]]:
        elements: dict[str, AttributeNode] = {}
        literal: dict[str, JSON] | _NotLiteral = {}
        for elem in node.children:
            if not (isinstance(elem, Tree) and elem.data == "object_elem"):
                continue
            key_node, expr = elem.children[0], elem.children[-1]
            key = _object_key(key_node)
            if key is None:  # a computed key: `(var.k) = 1`, `"${x}" = 1`
                literal = NOT_LITERAL
                continue
            if key in elements:
                self.problem(elem, f"key {key!r} is set twice in this object")
                continue
            element = self.assignment(key, key_node, expr)
            elements[key] = element
            if isinstance(literal, dict):
                if element.literal is NOT_LITERAL:
                    literal = NOT_LITERAL
                else:
                    literal[key] = element.literal
        return literal, elements


def _edge_token(node: _Node, *, last: bool) -> Token:
    """The first or last token of a node, skipping newlines and comments."""
    while isinstance(node, Tree):
        children = reversed(node.children) if last else iter(node.children)
        for child in children:
            if isinstance(child, Tree):
                if child.data != _LAYOUT and child.children:
                    node = child
                    break
            elif child.type != "NL_OR_COMMENT":
                node = child
                break
        else:
            raise ValueError(f"no token in {node.data}")
    return node


def _is_expression(node: _Node) -> bool:
    return isinstance(node, Tree) and node.data != _LAYOUT


def _unwrap(node: _Node) -> _Node:
    """Strip `expr_term` wrappers and parentheses down to the node that says what it is."""
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = [c for c in node.children if not (isinstance(c, Tree) and c.data == _LAYOUT)]
        if len(inner) == 1:
            node = inner[0]
        elif len(inner) == 3 and isinstance(inner[0], Token) and inner[0].type == "LPAR":
            node = inner[1]
        else:
            break
    return node


def _name(node: _Node) -> str:
    """The text of an identifier, keyword or `true`/`false`/`null` used as a name."""
    return str(_edge_token(node, last=False))


def _scalar(node: Tree[Token]) -> JSON | _NotLiteral:
    kind = node.data
    if kind == "int_lit":
        return int(str(node.children[0]))
    if kind == "float_lit":
        return float(str(node.children[0]))
    if kind == "literal_value":
        return {"true": True, "false": False, "null": None}[str(node.children[0])]
    if kind == "string":
        value = _string_value(node)
        return NOT_LITERAL if value is None else value
    if kind in ("heredoc_template", "heredoc_template_trim"):
        value = _heredoc_value(str(node.children[0]), trim=kind.endswith("trim"))
        return NOT_LITERAL if value is None else value
    return NOT_LITERAL


def _object_key(node: _Node) -> str | None:
    """A key written as a name or a literal string; None for a computed key."""
    inner = _unwrap(node.children[0]) if isinstance(node, Tree) else node
    if isinstance(inner, Tree) and inner.data == "expr_term":  # `(expr)`-like leftovers
        return None
    if isinstance(inner, Token):
        return str(inner)
    if inner.data in _NAME_NODES or inner.data in ("int_lit", "float_lit"):
        # HCL reads a bare name (even `true`) as the key's text, and a number as its text.
        return _name(inner)
    if inner.data == "string":
        return _string_value(inner)
    return None


def _string_value(node: Tree[Token]) -> str | None:
    """The value of a quoted string; None if it holds an interpolation or a directive."""
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, Token):  # the quotes
            continue
        part = child.children[0] if child.children else None
        if not isinstance(part, Token):
            return None
        if part.type == "STRING_CHARS":
            parts.append(_ESCAPE.sub(_unescape, str(part)))
        elif part.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
            # `$${x}` is the text `${x}`. The token runs on to the next `}`, over anything HCL
            # would still read as template syntax (`%%{$${a}`, `$${${x}`): read that too.
            rest = _template_text(str(part)[3:])
            if rest is None:
                return None
            parts.append(str(part)[1:3] + _ESCAPE.sub(_unescape, rest))
        else:
            return None
    return "".join(parts)


def _unescape(match: re.Match[str]) -> str:
    short, long_, simple = match.groups()
    if simple is not None:
        return _ESCAPES[simple]
    return chr(int(short or long_, 16))


def _heredoc_value(token: str, *, trim: bool) -> str | None:
    """The string a heredoc stands for; None if it interpolates.

    As Terraform reads it: line endings stay as written (CRLF included), and `<<-` removes the
    smallest indentation of the non-blank lines from each of them, leaving blank lines be."""
    body = token[token.index("\n") + 1 : -1]  # after the `<<EOF` line, before the last newline
    lines = body.split("\n")[:-1]  # the last line is the closing marker
    if trim:
        indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip(" \t\r")]
        cut = min(indents, default=0)
        lines = [ln[cut:] if ln.strip(" \t\r") else ln for ln in lines]
    return _template_text("".join(ln + "\n" for ln in lines))


def _template_text(raw: str) -> str | None:
    """Template text with `$${`/`%%{` escapes undone; None if it interpolates or directs."""
    if "{" not in raw:
        return raw
    out: list[str] = []
    pos = 0
    for match in _TEMPLATE_MARK.finditer(raw):
        mark = match.group(0)
        if len(mark) == 2:  # `${` or `%{`
            return None
        out.append(raw[pos : match.start()] + mark[1:])
        pos = match.end()
    out.append(raw[pos:])
    return "".join(out)


def _describe(exc: UnexpectedInput) -> str:
    """A one-line account of a lark syntax error, in HCL terms rather than grammar names."""
    if isinstance(exc, UnexpectedCharacters):
        # Worded as the token case below: the same stray character reaches the lexer or the
        # parser depending on where parsing starts (the whole file, or a re-parsed stretch).
        return f"unexpected {exc.char!r}"
    if not isinstance(exc, UnexpectedToken):
        return "unexpected end of file"
    token = exc.token
    expected = set(exc.expected or ())
    if token.type == "$END":
        what = "end of file"
    else:
        # On error the lexer may hand over the rest of the line as one token: name its start.
        first = str(token).lstrip(" \t\r").split("\n", 1)[0].rstrip()
        if first.startswith("<<"):
            return f"unterminated heredoc {first}"
        word = _WORD.match(first)
        what = f"'{word.group(0)[:40]}'" if word else "end of line"
    if {"DBLQUOTE", "STRING_CHARS"} <= expected:
        return "unterminated string"
    if {"INT_LITERAL", "NAME", "LBRACE"} <= expected and not expected & _CONTINUATIONS:
        return f"unexpected {what}, expected an expression"
    wanted = [_PUNCTUATION[t] for t in sorted(expected) if t in _PUNCTUATION]
    if expected and len(wanted) == len(expected) and len(wanted) <= 3:
        return f"unexpected {what}, expected {' or '.join(wanted)}"
    return f"unexpected {what}"


# -- attribute paths ---------------------------------------------------------------------------

_Step: TypeAlias = str | int


def _path_steps(path: str) -> list[_Step]:
    """`a.b[0]["k.x"].c` -> ["a", "b", 0, "k.x", "c"]; stops at anything it cannot read."""
    steps: list[_Step] = []
    i, n = 0, len(path)
    while i < n:
        ch = path[i]
        if ch == ".":
            i += 1
        elif ch == "[":
            close = path.find("]", i)
            inner = path[i + 1 : close] if close > 0 else ""
            if inner.isdigit():
                steps.append(int(inner))
                i = close + 1
                continue
            try:
                key, end = json.JSONDecoder().raw_decode(path, i + 1)
            except json.JSONDecodeError:
                break
            if not isinstance(key, str) or not path.startswith("]", end):
                break
            steps.append(key)
            i = end + 1
        else:
            j = i
            while j < n and path[j] not in ".[":
                j += 1
            steps.append(path[i:j])
            i = j
    return steps


def _resolve(block: BlockNode, steps: list[_Step]) -> Location:
    file = block.file
    where = block.location
    node: BlockNode | AttributeNode = block
    i = 0
    while i < len(steps):
        step = steps[i]
        if isinstance(step, int):
            break
        if isinstance(node, AttributeNode):
            # A map key may itself hold dots (`kubernetes.io/role`): try the longest first.
            run = len(steps)
            for k in range(i, len(steps)):
                if isinstance(steps[k], int):
                    run = k
                    break
            for j in range(run, i, -1):
                key = ".".join(str(s) for s in steps[i:j])
                if key in node.elements:
                    node = node.elements[key]
                    where = Location(file, node.span.start_line, node.span.end_line)
                    i = j
                    break
            else:
                break
            continue
        if step in node.attributes:
            node = node.attributes[step]
            where = Location(file, node.span.start_line, node.span.end_line)
            i += 1
            continue
        found = node.nested(step)
        dynamic = False
        if not found:
            found = node.dynamic(step)
            dynamic = True
        if not found:
            break
        i += 1
        index: int | None = None
        if i < len(steps):
            following = steps[i]
            if isinstance(following, int):
                index = following
                i += 1
        if dynamic:
            # One block generates them all: go on inside its `content`, whatever the index.
            where = found[0].location
            content = found[0].nested("content")
            if not content or i == len(steps):
                break
            node = content[0]
            where = node.location
            continue
        if index is None and len(found) == 1:
            index = 0
        if index is None or index >= len(found):
            where = Location(file, found[0].span.start_line, found[-1].span.end_line)
            break
        node = found[index]
        where = node.location
    return where


def _module_path(address: str) -> ModulePath:
    """`module.a["k"].module.b` -> ("a", "b"); () for anything that is not a module path."""
    if not address.startswith("module."):
        return ()
    try:
        return Address.parse(address + ".x.y").module_path
    except ValueError:
        return ()


def _as_module_path(value: ModulePath | str) -> ModulePath | None:
    if isinstance(value, tuple):
        return value
    if value == "":
        return ()
    return _module_path(value) or None


# -- the whole configuration -------------------------------------------------------------------


def _is_override(file: str) -> bool:
    name = PurePath(file).name
    return name == "override.tf" or name.endswith("_override.tf")


class _Builder:
    """Walks module calls from the root module, reading and parsing each file once."""

    def __init__(self, root: Path, source_dir: Path, known: Mapping[str, str]) -> None:
        self.root = root
        self.known = known
        self.source_dir = source_dir
        self.texts: dict[str, str] = {}
        self.parsed: dict[str, ParsedFile] = {}
        self.dir_files: dict[Path, tuple[str, ...]] = {}
        self.modules: dict[ModulePath, ModuleInfo] = {}
        self.resources = _Resources()
        self.blocks: list[_Run] = []  # the runs of every file's blocks (see `_Blocks`)
        self.problems: list[ParseProblem] = []
        self.tfvars: list[BlockNode] = []
        self.var_files: list[str] = []
        self.installed = self._installed_modules()

    def result(self) -> SourceIndex:
        return SourceIndex(
            root=self.root,
            source_dir=self.source_dir,
            texts=MappingProxyType(self.texts),
            modules=MappingProxyType(self.modules),
            resources=self.resources,
            blocks=_Blocks(self.blocks),
            problems=tuple(sorted(set(self.problems), key=lambda p: (p.file, p.line, p.message))),
            tfvars=tuple(self.tfvars),
            var_files=tuple(self.var_files),
        )

    def read_tfvars(self, directory: Path) -> None:
        """terraform.tfvars, then *.auto.tfvars in name order: the order Terraform loads them."""
        names = ["terraform.tfvars"]
        with contextlib.suppress(OSError):
            names += sorted(p.name for p in directory.glob("*.auto.tfvars") if p.is_file())
        for name in names:
            path = directory / name
            if not path.is_file():
                continue
            file = self.relative(path)
            try:
                text = _read_hcl(path, file).decode("utf-8")
            except (OSError, InputLimitError) as exc:
                self.problems.append(ParseProblem(file, 1, _unreadable(exc, file)))
                continue
            except UnicodeDecodeError as exc:
                self.problems.append(
                    ParseProblem(file, 1, f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x})")
                )
                continue
            self._add_tfvars(file, text)

    def read_var_files(self, paths: Sequence[Path]) -> None:
        """`-var-file` files, after the automatic ones, in the order given (later wins).

        Unlike terraform.tfvars, each was asked for by name, so one that cannot be used stops
        the run (one line, exit 2) as it stops Terraform; a syntax error is a problem of that
        file like any other. A file given twice, or also loaded automatically, counts where
        it was loaded last, as its values do in Terraform."""
        for given in paths:
            path = Path(given)
            shown = str(given)
            if path.suffix == ".json":
                raise TerraformInputError(
                    f"{shown}: JSON variable files are not read yet; give the HCL form "
                    "(.tfvars) with --var-file"
                )
            if not path.exists():
                raise TerraformInputError(f"{shown}: no such var file (--var-file)")
            resolved = path.resolve()
            if resolved != self.root and self.root not in resolved.parents:
                raise TerraformInputError(
                    f"{shown}: outside the repository ({self.root}); driftpatch names and "
                    "patches files by their path in the repository, so keep var files there"
                )
            file = self.relative(resolved)
            try:
                text = _read_hcl(resolved, shown).decode("utf-8")
            except FileNotFoundError as exc:
                raise TerraformInputError(f"{shown}: no such var file (--var-file)") from exc
            except IsADirectoryError as exc:
                raise TerraformInputError(f"{shown}: is a directory, expected a var file") from exc
            except OSError as exc:
                raise TerraformInputError(f"{shown}: cannot read: {exc.strerror or exc}") from exc
            except UnicodeDecodeError as exc:
                raise TerraformInputError(
                    f"{shown}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x})"
                ) from exc
            self.tfvars = [node for node in self.tfvars if node.file != file]
            if file in self.var_files:
                self.var_files.remove(file)
            self.var_files.append(file)
            self.texts[file] = text  # even when it does not parse: a copy needs the file
            self._add_tfvars(file, text)

    def _add_tfvars(self, file: str, text: str) -> None:
        node, problems = parse_tfvars(text, file)
        self.problems.extend(problems)
        if node is not None:
            self.texts[file] = text
            self.tfvars.append(node)

    def relative(self, path: Path) -> str:
        return PurePath(os.path.relpath(path, self.root)).as_posix()

    def _installed_modules(self) -> dict[str, Path]:
        """Where `terraform init` put each module (`.terraform/modules/modules.json`), by its
        dotted call path ("net.sub"): the only way to see registry and git modules' code."""
        manifest = self.source_dir / ".terraform" / "modules" / "modules.json"
        if not manifest.exists():
            return {}
        try:
            data = limits.load_json(manifest, "module manifest")
        except InputError as exc:
            reason = str(exc).removeprefix(f"{manifest}: ")
            self.problems.append(ParseProblem(self.relative(manifest), 1, reason))
            return {}
        out: dict[str, Path] = {}
        entries = data.get("Modules") if isinstance(data, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            if not isinstance(entry, dict):
                continue
            key, directory = entry.get("Key"), entry.get("Dir")
            if isinstance(key, str) and key and isinstance(directory, str):
                out[key] = Path(os.path.normpath(self.source_dir / directory))
        return out

    def files_in(self, directory: Path) -> tuple[str, ...]:
        """The module's .tf files, read and parsed on first sight (top level only, as
        Terraform loads them; hidden files are editor or tool leftovers)."""
        cached = self.dir_files.get(directory)
        if cached is not None:
            return cached
        try:
            paths = sorted(
                p
                for p in directory.iterdir()
                if p.suffix == ".tf" and not p.name.startswith(".") and p.is_file()
            )
        except OSError as exc:
            self.problems.append(
                ParseProblem(self.relative(directory), 1, f"cannot list: {exc.strerror}")
            )
            paths = []
        files: list[str] = []
        for path in paths:
            file = self.relative(path)
            files.append(file)
            if file not in self.parsed:
                self.parsed[file] = self._read(path, file)
                self.blocks.extend(_runs_of(self.parsed[file].blocks))
                self.problems.extend(self.parsed[file].problems)
        self.dir_files[directory] = tuple(files)
        return self.dir_files[directory]

    def _read(self, path: Path, file: str) -> ParsedFile:
        text = self.known.get(file)
        if text is not None and within_hcl_cap(text):
            self.texts[file] = text
            return parse_text(text, file)
        # Not known, or over the cap: read, and report it as any file.
        try:
            data = _read_hcl(path, file)
        except (OSError, InputLimitError) as exc:
            problem = ParseProblem(file, 1, _unreadable(exc, file))
            return ParsedFile(file, "", (), (problem,), parsed=False)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            bad = data[exc.start]
            problem = ParseProblem(file, line, f"not UTF-8 text (byte 0x{bad:02x})")
            return ParsedFile(file, "", (), (problem,), parsed=False)
        del data  # the text is all that is needed while parsing
        self.texts[file] = text
        return parse_text(text, file)

    def visit(self, path: ModulePath, directory: Path, callers: tuple[Path, ...]) -> None:
        files = self.files_in(directory)
        prefix = "".join(f"module.{name}." for name in path)
        calls: dict[str, ModuleCall] = {}
        for file in files:
            if _is_override(file):  # overrides amend blocks declared elsewhere
                continue
            parsed = self.parsed[file]
            if not self._registered(prefix, parsed):
                for block in parsed.blocks:
                    self._register(prefix, block)
            for i in parsed.module_calls:
                self._call(path, directory, parsed.blocks[i], calls)
        self.modules[path] = ModuleInfo(path, directory, files, MappingProxyType(calls))
        # Real paths: a symlink back to a caller is a cycle too.
        callers = (*callers, directory.resolve())
        for call in calls.values():
            if call.directory is None:
                continue
            if call.directory.resolve() in callers:
                self.problems.append(
                    ParseProblem(
                        call.block.file,
                        call.block.span.start_line,
                        f'module "{call.name}" calls {call.source!r}, which is already '
                        "being loaded (a module cycle); not followed",
                    )
                )
                continue
            self.visit((*path, call.name), call.directory, callers)

    def _registered(self, prefix: str, parsed: ParsedFile) -> bool:
        """A root-module file's resource and data blocks registered at once, where none is
        a duplicate (else False: `_register` them one by one, which reports duplicates).
        The same entries in the same order as `_register` makes them."""
        if prefix:
            return False
        positions = parsed.positions
        if positions is None or not self.resources.disjoint(positions):
            return False
        self.resources.add(positions, parsed.blocks)
        return True

    def _register(self, prefix: str, block: BlockNode) -> None:
        if len(block.labels) != 2 or block.type not in ("resource", "data"):
            return
        mode = "data." if block.type == "data" else ""
        address = f"{prefix}{mode}{block.labels[0]}.{block.labels[1]}"
        first = self.resources.setdefault(address, block)
        if first is not block:
            self.problems.append(
                ParseProblem(
                    block.file,
                    block.span.start_line,
                    f"duplicate {block.type} {address!r}, first declared at {first.location}",
                )
            )

    def _call(
        self, path: ModulePath, directory: Path, block: BlockNode, calls: dict[str, ModuleCall]
    ) -> None:
        name = block.labels[0]
        if name in calls:
            first = calls[name].block.location
            self.problems.append(
                ParseProblem(
                    block.file,
                    block.span.start_line,
                    f'duplicate module call "{name}", first declared at {first}',
                )
            )
            return
        attr = block.attributes.get("source")
        source = ""
        if attr is not None:
            source = attr.literal if isinstance(attr.literal, str) else attr.expr_text
        target: Path | None
        if source.startswith(("./", "../")):
            target = Path(os.path.normpath(directory / source))
            if not target.is_dir():
                self.problems.append(
                    ParseProblem(
                        block.file,
                        block.span.start_line,
                        f'module "{name}": source directory {source!r} not found',
                    )
                )
                target = None
        else:
            target = self.installed.get(".".join((*path, name)))
            if target is not None and not target.is_dir():
                target = None
        calls[name] = ModuleCall(
            name=name,
            source=source,
            directory=target,
            block=block,
            has_count="count" in block.attributes,
            has_for_each="for_each" in block.attributes,
        )


class _Resources(Mapping[str, BlockNode]):
    """Config address -> block, in the order registered: parts that are a file's
    `ParsedFile.positions` with its blocks (shared by the versions of a file whose edits
    kept every name in place: re-indexing after such an edit registers nothing again), and
    parts of blocks registered one by one. No address is in two parts."""

    __slots__ = ("_loose", "_parts")

    def __init__(self) -> None:
        self._parts: list[tuple[Mapping[str, int], Sequence[BlockNode]] | dict[str, BlockNode]]
        self._parts = []
        self._loose: dict[str, BlockNode] | None = None  # the last part, if one by one

    def disjoint(self, keys: Mapping[str, int]) -> bool:
        return all(
            (part if isinstance(part, dict) else part[0]).keys().isdisjoint(keys)
            for part in self._parts
        )

    def add(self, positions: Mapping[str, int], blocks: Sequence[BlockNode]) -> None:
        if positions:
            self._parts.append((positions, blocks))
            self._loose = None

    def setdefault(self, address: str, block: BlockNode) -> BlockNode:
        first = self.get(address)
        if first is not None:
            return first
        if self._loose is None:
            self._loose = {}
            self._parts.append(self._loose)
        self._loose[address] = block
        return block

    def __getitem__(self, address: str) -> BlockNode:
        for part in self._parts:
            if isinstance(part, dict):
                found = part.get(address)
                if found is not None:
                    return found
            else:
                at = part[0].get(address)
                if at is not None:
                    return part[1][at]
        raise KeyError(address)

    def __contains__(self, address: object) -> bool:
        return any(address in (part if isinstance(part, dict) else part[0]) for part in self._parts)

    def __iter__(self) -> Iterator[str]:
        for part in self._parts:
            yield from part if isinstance(part, dict) else part[0]

    def __len__(self) -> int:
        return sum(len(part if isinstance(part, dict) else part[0]) for part in self._parts)

    def __reduce__(self) -> tuple[type[dict[str, BlockNode]], tuple[dict[str, BlockNode]]]:
        return dict, (dict(self.items()),)


def within_hcl_cap(text: str) -> bool:
    """Whether a `known` text is taken as read by index_source: within the HCL size cap that
    a file read from disk must meet (a larger one is read, and reported, as any file)."""
    size = len(text) if text.isascii() else len(text.encode("utf-8"))  # isascii: O(1)
    return size <= limits.max_hcl_bytes()


def _read_hcl(path: Path, file: str) -> bytes:
    return limits.read_bytes(
        path, file, ".tf" if file.endswith(".tf") else ".tfvars", env=limits.HCL_ENV
    )


def _unreadable(exc: OSError | InputLimitError, file: str) -> str:
    """Why a file could not be read, without its name (the problem carries it)."""
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return str(exc).removeprefix(f"{file}: ")


def iter_nodes(
    blocks: Iterable[BlockNode],
) -> Iterable[BlockNode | AttributeNode]:
    """Every block, attribute and object element under `blocks`, depth first, source order
    within each kind (a block's attributes, then its nested blocks)."""
    for block in blocks:
        yield block
        yield from _iter_attributes(block.attributes.values())
        yield from iter_nodes(block.blocks)


def _iter_attributes(attributes: Iterable[AttributeNode]) -> Iterable[AttributeNode]:
    for attr in attributes:
        yield attr
        yield from _iter_attributes(attr.elements.values())
