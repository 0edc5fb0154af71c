"""The rule interface: metadata as data, evaluation as a pure function of attributes.

A rule sees one resource (`Subject`) in the provider's attribute shape, whether the values come
from live AWS, state, a plan's planned values or literal HCL, plus the other resources of the
same origin (`World`) for cross-resource checks (a bucket and its public access block). It
returns violations; it never reads AWS or files itself. Where code can fix the problem, the rule
also says how, as declarative edits that fix/ turns into a patch.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Final

from driftpatch.model import JSON, Category, Location, Severity

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


def _steps(path: str) -> Iterator[str | int]:
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            yield name
        while rest:
            index, _, rest = rest.partition("]")
            yield int(index)
            rest = rest.removeprefix("[")


class World:
    """All subjects of one origin, for rules that look at related resources."""

    def __init__(self, subjects: Iterable[Subject]) -> None:
        self._by_type: dict[str, list[Subject]] = {}
        for s in subjects:
            self._by_type.setdefault(s.type, []).append(s)

    def of_type(self, type_: str) -> tuple[Subject, ...]:
        return tuple(self._by_type.get(type_, ()))

    def related(self, type_: str, **match: JSON) -> tuple[Subject, ...]:
        """Subjects of `type_` whose attributes equal every `match` value."""
        return tuple(
            s
            for s in self.of_type(type_)
            if all(s.attributes.get(k) == v for k, v in match.items())
        )

    def __iter__(self) -> Iterator[Subject]:
        return (s for subjects in self._by_type.values() for s in subjects)


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
class AddResource:
    """A new resource next to the subject. `{name}` in `name` is the subject's resource name;
    `{address}` in Expr texts is the subject's config address (e.g. aws_s3_bucket.logs)."""

    type: str
    name: str
    arguments: Mapping[str, JSON | Expr]
    blocks: Mapping[str, tuple[Mapping[str, JSON | Expr], ...]] = field(default_factory=dict)


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
    # Evaluate on live values too (False for code-only concerns).
    live: bool = True


class Rule(ABC):
    meta: ClassVar[RuleMeta]

    @abstractmethod
    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        """Violations of this rule by `subject`. UNKNOWN values are never violations."""

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        """How to fix it in code, or None when code cannot (or should not guess how)."""
        return None
