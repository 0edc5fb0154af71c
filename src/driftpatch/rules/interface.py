"""The rule interface: metadata as data, evaluation as a pure function of attributes.

A rule sees one resource (`Subject`) in the provider's attribute shape, whether the values come
from live AWS, state, a plan's planned values or literal HCL, plus the other resources of the
same origin (`World`) for cross-resource checks (a bucket and its public access block). It
returns violations; it never reads AWS or files itself. Where code can fix the problem, the rule
also says how, as declarative edits that fix/ turns into a patch.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, ClassVar, Final, Protocol, TypeVar

from driftpatch.model import JSON, Address, Category, Location, Severity

RULE_ID = re.compile(r"^DP-[A-Z0-9]{2,10}-\d{3}$")
# "CIS AWS 5.2" (CIS AWS Foundations Benchmark control), or an https:// documentation link.
REFERENCE = re.compile(r"^(CIS AWS \d+(\.\d+){1,2}|https://\S+)$")


class _Unknown:
    """A value not known before apply (plan `after_unknown`) or an HCL expression."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Final = _Unknown()


class Origin(StrEnum):
    LIVE = "live"  # read from AWS now
    STATE = "state"  # what state recorded at the last apply/refresh
    PLAN = "plan"  # a plan's planned values (after apply)
    CODE = "code"  # literal values in HCL (expressions are UNKNOWN)


@dataclass(frozen=True)
class Subject:
    type: str
    attributes: Mapping[str, JSON]
    origin: Origin
    address: str | None = None  # None for unmanaged live resources
    id: str | None = None
    region: str | None = None
    location: Location | None = None
    # Attribute path -> config address of the resource the HCL expression there refers to
    # ("bucket" -> "aws_s3_bucket.logs"), so rules can relate resources whose linking values
    # are not known yet (CODE, and PLAN for resources still to be created).
    refs: Mapping[str, str] = field(default_factory=dict)
    # LIVE only: created by AWS itself (a default VPC's subnets), not by anyone's decision.
    account_default: bool = False
    # LIVE only: attributes (UNKNOWN in `attributes`) and linked types (a bucket's
    # aws_s3_bucket_versioning) whose read failed; a rule cannot conclude their absence.
    unread: frozenset[str] = frozenset()

    @property
    def config_address(self) -> str | None:
        """The address of the block that declares this subject, without instance keys."""
        return config_address(self.address) if self.address else None

    def get(self, path: str, default: JSON = None) -> JSON:
        """Value at a dotted path with [i] indices: "metadata_options[0].http_tokens"."""
        value: JSON = self.attributes
        for step in _steps(path):
            if isinstance(step, int):
                value = value[step] if isinstance(value, list) and step < len(value) else None
            else:
                value = value.get(step) if isinstance(value, Mapping) else None
            if value is None or value is UNKNOWN:
                return default if value is None else UNKNOWN
        return value


@functools.lru_cache(maxsize=4096)
def _steps(path: str) -> tuple[str | int, ...]:
    """A dotted path's steps, parsed once per distinct path: rules ask for the same few paths
    on every subject (a million lookups on a 5,000-resource scan)."""
    return tuple(_parse_steps(path))


def _parse_steps(path: str) -> Iterator[str | int]:
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            yield name
        while rest:
            index, _, rest = rest.partition("]")
            yield int(index)
            rest = rest.removeprefix("[")


class World:
    """All subjects of one origin, for rules that look at related resources.

    Rules ask "which X point at this subject?" once per subject, so a scan over every pair
    would be quadratic in the estate (20,000 resources: minutes). Lookups go through indexes
    built on first use per (type, attribute) and kept for the World's life: each costs one
    pass over that type, then each lookup is a few dict probes. Subjects are frozen and a
    World never changes after construction, so the indexes never go stale.
    """

    def __init__(self, subjects: Iterable[Subject]) -> None:
        by_type: dict[str, list[Subject]] = {}
        for s in subjects:
            by_type.setdefault(s.type, []).append(s)
        self._by_type: dict[str, tuple[Subject, ...]] = {k: tuple(v) for k, v in by_type.items()}
        self._links: dict[tuple[str, str], _LinkIndex] = {}
        self._unresolved: dict[tuple[str, str], bool] = {}
        self._memo: dict[str, Any] = {}

    @classmethod
    def grouped(cls, by_type: Mapping[str, tuple[Subject, ...]]) -> World:
        """The World of subjects already grouped by type, each type's in subject order (as
        `World(subjects)` groups them): static patch verification keeps them grouped across
        a working copy's edits (rules/subjects.EditedCode) instead of grouping every subject
        again per verified patch."""
        world = cls(())
        world._by_type = dict(by_type)
        return world

    def of_type(self, type_: str) -> tuple[Subject, ...]:
        return self._by_type.get(type_, ())

    def related(self, type_: str, **match: JSON) -> tuple[Subject, ...]:
        """Subjects of `type_` whose attributes equal every `match` value."""
        return tuple(
            s
            for s in self.of_type(type_)
            if all(s.attributes.get(k) == v for k, v in match.items())
        )

    def linked(
        self, type_: str, subject: Subject, attribute: str, keys: Sequence[str] = ("id",)
    ) -> tuple[Subject, ...]:
        """Subjects of `type_` whose `attribute` points at `subject`: its value equals one of
        the subject's `keys` values (state, live), or its HCL refers to the subject's block
        (code, and plan values not known before apply). In the order of `of_type`."""
        index = self._link_index(type_, attribute)
        positions: set[int] = set()
        for k in keys:
            if isinstance(v := subject.get(k), str | int):
                positions.update(index.by_value.get(v, ()))
        for target in _ref_targets(subject):
            positions.update(index.by_ref.get(target, ()))
        members = self.of_type(type_)
        return tuple(members[i] for i in sorted(positions))

    def with_value(self, type_: str, attribute: str, value: JSON) -> tuple[Subject, ...]:
        """Subjects of `type_` whose `attribute` (a path) is the string or integer `value`,
        in the order of `of_type`: `[s for s in of_type(type_) if s.get(attribute) == value]`
        for such values, without the scan."""
        if not isinstance(value, str | int):
            return ()
        members = self.of_type(type_)
        return tuple(members[i] for i in self._link_index(type_, attribute).by_value.get(value, ()))

    def declared_as(self, type_: str, config_address: str) -> tuple[Subject, ...]:
        """Subjects of `type_` declared by the block at `config_address` (its instances)."""
        by_block = self.memo(
            f"declared_as:{type_}", lambda: _by_config_address(self.of_type(type_))
        )
        return by_block.get(config_address, ())

    def memo(self, key: str, build: Callable[[], _T]) -> _T:
        """`build()`, once per World and `key`: for a rule's whole-world summary (every log
        target named by any bucket) that it would otherwise recompute for every subject.
        `key` names what `build` computes; the same key must always build the same thing."""
        if key not in self._memo:
            self._memo[key] = build()
        value: _T = self._memo[key]
        return value

    def _link_index(self, type_: str, attribute: str) -> _LinkIndex:
        index = self._links.get((type_, attribute))
        if index is None:
            index = self._links[(type_, attribute)] = _LinkIndex.build(
                self.of_type(type_), attribute
            )
        return index

    def unresolved(self, type_: str, attribute: str) -> bool:
        """Whether some subject of `type_` has an UNKNOWN `attribute` with no reference to
        say what it points at: it may point at anything, so no absence can be concluded."""
        key = (type_, attribute)
        answer = self._unresolved.get(key)
        if answer is None:
            answer = self._unresolved[key] = any(
                s.get(attribute) is UNKNOWN and attribute not in s.refs for s in self.of_type(type_)
            )
        return answer

    def __iter__(self) -> Iterator[Subject]:
        return (s for subjects in self._by_type.values() for s in subjects)


def refers_to(ref: str, subject: Subject) -> bool:
    """Does a reference (`Subject.refs` value) name `subject`? A reference names an instance
    (`aws_x.y["k"]`, `module.m["a"].aws_x.y`) or, when its instance key is not known before
    apply, the block (`aws_x.y`): then it may be any of the block's instances."""
    if subject.address is None:
        return False
    if ref in (subject.address, subject.config_address):
        return True
    try:
        parsed = Address.parse(subject.address)
    except ValueError:
        return False
    return parsed.key is not None and ref == str(replace(parsed, key=None))


def _ref_targets(subject: Subject) -> tuple[str, ...]:
    """Every reference text that names `subject` (see `refers_to`): its address, its block's
    config address, and its address without the instance key."""
    if subject.address is None:
        return ()
    out = [subject.address]
    if subject.config_address is not None:
        out.append(subject.config_address)
    try:
        parsed = Address.parse(subject.address)
    except ValueError:
        return tuple(dict.fromkeys(out))
    if parsed.key is not None:
        out.append(str(replace(parsed, key=None)))
    return tuple(dict.fromkeys(out))


_T = TypeVar("_T")


def _by_config_address(members: Sequence[Subject]) -> dict[str, tuple[Subject, ...]]:
    out: dict[str, list[Subject]] = {}
    for s in members:
        if s.config_address is not None:
            out.setdefault(s.config_address, []).append(s)
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class _LinkIndex:
    """Positions (in `World.of_type` order) of the subjects of one type by the value of one
    attribute, and by the config address their HCL reference at that attribute names."""

    by_value: Mapping[str | int, tuple[int, ...]]
    by_ref: Mapping[str, tuple[int, ...]]

    @staticmethod
    def build(members: Sequence[Subject], attribute: str) -> _LinkIndex:
        by_value: dict[str | int, list[int]] = {}
        by_ref: dict[str, list[int]] = {}
        for i, s in enumerate(members):
            if isinstance(v := s.get(attribute), str | int):
                by_value.setdefault(v, []).append(i)
            ref = s.refs.get(attribute)
            if ref is not None:
                by_ref.setdefault(ref, []).append(i)
        return _LinkIndex(
            {k: tuple(v) for k, v in by_value.items()}, {k: tuple(v) for k, v in by_ref.items()}
        )


@functools.lru_cache(maxsize=1 << 16)
def config_address(address: str) -> str:
    """`module.a["x"].aws_s3_bucket.b[0]` -> `module.a.aws_s3_bucket.b`; unparsable: as is.

    Cached: rules and subject building ask it of the same addresses again and again (each
    linked() lookup, each verified patch), and parsing an address is not cheap."""
    try:
        return Address.parse(address).config_address
    except ValueError:
        return address


@dataclass(frozen=True)
class Violation:
    attribute: str | None  # where the problem is: "ingress", "metadata_options[0].http_tokens"
    actual: JSON  # the offending value
    expected: JSON = None  # the secure value, when there is a single one
    detail: str = ""  # specifics for the title: "port 22 open to 0.0.0.0/0"


# -- Fix edits: declarative, applied by fix/ with span-preserving HCL edits ---------------------


@dataclass(frozen=True)
class Expr:
    """Raw HCL expression text, e.g. a reference: Expr("aws_s3_bucket.logs.id")."""

    text: str


@dataclass(frozen=True)
class SetValue:
    """Set `path` ("encrypted", "metadata_options[0].http_tokens") in the subject's block,
    creating single nested blocks as needed."""

    path: str
    value: JSON | Expr


@dataclass(frozen=True)
class RemoveValue:
    path: str


@dataclass(frozen=True)
class Block:
    """A nested block inside an AddResource block: in a block's mapping, a value that is a
    `Block` (or a tuple of them) is written as nested block(s) named by its key, e.g.
    `{"apply_server_side_encryption_by_default": Block({"sse_algorithm": "AES256"})}`."""

    arguments: Mapping[str, JSON | Expr | Block | tuple[Block, ...]]


@dataclass(frozen=True)
class AddResource:
    """A new resource next to the subject. `{name}` in `name` is the subject's resource name;
    `{address}` in Expr texts is the subject's config address (e.g. aws_s3_bucket.logs).
    A value in a `blocks` mapping may be a `Block` (or tuple of them): a nested block."""

    type: str
    name: str
    arguments: Mapping[str, JSON | Expr]
    blocks: Mapping[str, tuple[Mapping[str, JSON | Expr | Block | tuple[Block, ...]], ...]] = field(
        default_factory=dict
    )


Edit = SetValue | RemoveValue | AddResource


@dataclass(frozen=True)
class Fix:
    edits: tuple[Edit, ...]
    summary: str  # one line for the patch and the Markdown report


@dataclass(frozen=True)
class RuleMeta:
    id: str  # DP-<SVC>-NNN
    title: str
    severity: Severity
    category: Category
    resource_types: tuple[str, ...]
    description: str
    risk: str
    remediation: str
    references: tuple[str, ...]
    # Equivalent checkov checks: one problem found by both is reported once, naming both.
    checkov: tuple[str, ...] = ()
    # A checkov check that stands for only some of this rule's findings: checkov id -> the
    # attributes of ours it merges into (a check on user data is not one on tags).
    checkov_attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    # Evaluate on live values too (False for code-only concerns).
    live: bool = True
    # References that hold only for findings on some resource types: resource type -> extra
    # references (CIS 1.15 is about users: an inline policy on a role is not its concern).
    type_references: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)


class Rule(ABC):
    meta: ClassVar[RuleMeta]

    @abstractmethod
    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        """Violations of this rule by `subject`. UNKNOWN values are never violations."""

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        """How to fix it in code, or None when code cannot (or should not guess how)."""
        return None


# -- Source rules: checks on the HCL text itself, not on any resource's values ----------------
#
# The source index (driftpatch.terraform.source) is written against the same shapes; these
# protocols name just what rules and subjects read, so either implementation satisfies them.


class SpanLike(Protocol):
    @property
    def start_line(self) -> int: ...
    @property
    def end_line(self) -> int: ...


class AttributeNodeLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def span(self) -> SpanLike: ...
    @property
    def expr_text(self) -> str: ...
    @property
    def literal(self) -> object: ...  # the Python value, or the index's NOT_LITERAL sentinel
    @property
    def elements(self) -> Mapping[str, AttributeNodeLike]: ...  # object-literal keys


class BlockNodeLike(Protocol):
    @property
    def file(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def labels(self) -> Sequence[str]: ...
    @property
    def span(self) -> SpanLike: ...
    @property
    def attributes(self) -> Mapping[str, AttributeNodeLike]: ...
    @property
    def blocks(self) -> Sequence[BlockNodeLike]: ...


class SourceIndexLike(Protocol):
    @property
    def texts(self) -> Mapping[str, str]: ...
    @property
    def blocks(self) -> Sequence[BlockNodeLike]: ...
    @property
    def resources(self) -> Mapping[str, BlockNodeLike]: ...
    def locate(self, address: str, /) -> Location | None: ...
    @property
    def root_module_files(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class SourceViolation:
    """A problem in the HCL text. Never carries a secret: `actual` is "(sensitive)" there."""

    location: Location
    resource_type: str  # the block's resource type, or its keyword ("terraform", "provider")
    attribute: str | None
    actual: JSON
    expected: JSON = None
    detail: str = ""
    address: str | None = None  # config address when inside a resource block
    # Identifies the block when there is no address ("versions.tf#terraform").
    resource_id: str | None = None


class SourceRule(ABC):
    """A check on the configuration as written (secrets, backend, provider pinning): sees the
    whole source index once, not one resource at a time; CODE only by nature."""

    meta: ClassVar[RuleMeta]

    @abstractmethod
    def evaluate_source(self, index: SourceIndexLike) -> Iterable[SourceViolation]:
        """Violations of this rule anywhere in the indexed configuration."""
