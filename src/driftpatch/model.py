"""The report model: frozen values shared by every stage of the pipeline.

Everything here maps one-to-one onto the schema_version 1 JSON report (a contract, see
DESIGN.md), so reporters never invent fields and readers of the JSON can rebuild the objects.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol

from driftpatch import __version__, limits
from driftpatch.errors import InputError

SCHEMA_VERSION = 1
SENSITIVE = "(sensitive)"

# JSON-shaped value as read from state, plan or AWS.
JSON = Any


IndexKey = int | str | None


@dataclass(frozen=True)
class Address:
    """A resource instance address exactly as Terraform prints it.

    `module` is the module path with its instance keys (`module.net["a"].module.sub`), empty for
    the root module; `key` is the count index (int) or for_each key (str) of the instance.
    """

    type: str
    name: str
    module: str = ""
    key: IndexKey = None
    mode: str = "managed"

    def __str__(self) -> str:
        parts = [self.module] if self.module else []
        parts.append(("data." if self.mode == "data" else "") + f"{self.type}.{self.name}")
        return ".".join(parts) + format_key(self.key)

    @property
    def config_address(self) -> str:
        """The address of the block that declares this instance (no instance keys anywhere)."""
        mod = ".".join(f"module.{name}" for name in module_names(self.module))
        prefix = f"{mod}." if mod else ""
        return prefix + ("data." if self.mode == "data" else "") + f"{self.type}.{self.name}"

    @property
    def module_path(self) -> tuple[str, ...]:
        """Module call names from the root, without instance keys: ("net", "sub")."""
        return module_names(self.module)

    @classmethod
    def parse(cls, text: str) -> Address:
        """Parse `module.a["k"].data.t.n[0]`; raises ValueError on anything else."""
        steps = _split_address(text)
        module: list[str] = []
        i = 0
        while i < len(steps) and steps[i][0] == "module":
            if i + 1 >= len(steps):
                raise ValueError(f"invalid resource address: {text}")
            name, key = steps[i + 1]
            module.append(f"module.{name}{format_key(key)}")
            i += 2
        mode = "managed"
        if i < len(steps) and steps[i][0] == "data" and steps[i][1] is None:
            mode = "data"
            i += 1
        if len(steps) - i != 2 or steps[i][1] is not None:
            raise ValueError(f"invalid resource address: {text}")
        return cls(
            type=steps[i][0],
            name=steps[i + 1][0],
            module=".".join(module),
            key=steps[i + 1][1],
            mode=mode,
        )


def format_key(key: IndexKey) -> str:
    """`[0]` for count, `["a"]` for for_each (JSON string escaping, as Terraform prints)."""
    if key is None:
        return ""
    if isinstance(key, bool):  # bool is an int; Terraform has no bool keys
        raise ValueError(f"invalid index key: {key!r}")
    if isinstance(key, int):
        return f"[{key}]"
    # An HCL string literal, as Terraform prints it: JSON escapes, template sequences doubled.
    quoted = json.dumps(key, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")
    return "[" + quoted + "]"


def module_names(module: str) -> tuple[str, ...]:
    if not module:
        return ()
    steps = _split_address(module)
    return tuple(
        name for (kw, _), (name, _) in zip(steps[::2], steps[1::2], strict=True) if kw == "module"
    )


def _split_address(text: str) -> list[tuple[str, IndexKey]]:
    """Split on dots outside brackets: `module.a["x.y"].t.n[0]` -> [(module,None),(a,"x.y"),...]."""
    out: list[tuple[str, IndexKey]] = []
    i, n = 0, len(text)
    while i < n:
        j = i
        while j < n and text[j] not in ".[":
            j += 1
        name = text[i:j]
        if not name:
            raise ValueError(f"invalid resource address: {text}")
        key: IndexKey = None
        if j < n and text[j] == "[":
            end, key = _read_key(text, j)
            j = end
        out.append((name, key))
        if j < n:
            if text[j] != ".":
                raise ValueError(f"invalid resource address: {text}")
            j += 1
            if j == n:
                raise ValueError(f"invalid resource address: {text}")
        i = j
    return out


def _read_key(text: str, start: int) -> tuple[int, IndexKey]:
    """Read `[0]` or `["a"]` at text[start]; return (index after `]`, key)."""
    if text.startswith('["', start):
        decoder = json.JSONDecoder()
        try:
            key, end = decoder.raw_decode(text, start + 1)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid resource address: {text}") from exc
        if not isinstance(key, str) or not text.startswith("]", end):
            raise ValueError(f"invalid resource address: {text}")
        return end + 1, key.replace("$${", "${").replace("%%{", "%{")
    close = text.find("]", start)
    digits = text[start + 1 : close] if close > 0 else ""
    if not digits.isdigit():
        raise ValueError(f"invalid resource address: {text}")
    return close + 1, int(digits)


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for --fail-on thresholds and sorting."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Kind(StrEnum):
    DRIFT = "drift"
    MISSING = "missing"
    UNMANAGED = "unmanaged"
    MISCONFIG = "misconfig"


class Category(StrEnum):
    IAM = "iam"
    NETWORK = "network"
    DATA = "data"
    COMPUTE = "compute"
    LOGGING = "logging"
    DRIFT = "drift"


class ResourceStatus(StrEnum):
    IN_SYNC = "in_sync"
    DRIFTED = "drifted"
    MISSING = "missing"
    UNMANAGED = "unmanaged"
    UNSUPPORTED = "unsupported"
    # The read of its type failed (see the report's errors): neither compared nor "missing".
    UNREAD = "unread"
    PLANNED = "planned"


class PatchAction(StrEnum):
    CODIFY = "codify"
    REVERT = "revert"
    FIX = "fix"
    IMPORT = "import"
    REMOVE = "remove"


class Check(StrEnum):
    """What verified a patch, weakest to strongest (`Patch.verified_by`)."""

    RULE = "rule"  # driftpatch re-evaluated the finding on the patched code
    SCHEMA = "schema"  # the edited blocks agree with the shipped provider schema
    TERRAFORM_VALIDATE = "terraform-validate"
    TERRAFORM_PLAN = "terraform-plan"


class Effect(StrEnum):
    """What `terraform plan` of the patched code does to one address (`Patch.plan_effect`).

    `create` is beyond DESIGN's list: a fix may add a resource (a public access block)."""

    NONE = "none"
    UPDATE = "update"
    CREATE = "create"
    REPLACE = "replace"
    DESTROY = "destroy"
    IMPORT = "import"
    FORGET = "forget"


@dataclass(frozen=True)
class Location:
    """A span of HCL: repo-relative file, 1-based inclusive lines."""

    file: str
    start_line: int
    end_line: int

    def to_json(self) -> dict[str, JSON]:
        return {"file": self.file, "start_line": self.start_line, "end_line": self.end_line}

    def __str__(self) -> str:
        return f"{self.file}:{self.start_line}"


@dataclass(frozen=True)
class Finding:
    """One problem. `id` is a content hash of what identifies the problem (kind, rule, resource,
    attribute), not of its values, so the same drift seen on two nights carries the same id
    even if the live value moved."""

    kind: Kind
    rule_id: str
    title: str
    severity: Severity
    category: Category
    resource_type: str
    address: str | None = None
    resource_id: str | None = None
    attribute: str | None = None
    expected: JSON = None
    actual: JSON = None
    location: Location | None = None
    description: str = ""
    risk: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    # Other tools' ids for the same problem (e.g. a checkov check merged into our rule).
    also: tuple[str, ...] = ()
    # The AWS account the finding is about, when a scan read several (`--profile` repeated).
    account: str | None = None

    @property
    def id(self) -> str:
        # Two states may hold the same address (two stacks): the resource id tells them apart;
        # the same stack in two accounts: the account does (only then, so single-account ids
        # stay what they were).
        parts = [
            self.kind.value,
            self.rule_id,
            self.address or "",
            self.resource_type,
            self.resource_id or "",
            self.attribute or "",
        ]
        if self.account:
            parts.append(self.account)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {
            "id": self.id,
            "kind": self.kind.value,
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity.value,
            "category": self.category.value,
            "address": self.address,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "attribute": self.attribute,
            "expected": self.expected,
            "actual": self.actual,
            "location": self.location.to_json() if self.location else None,
            "description": self.description,
            "risk": self.risk,
            "remediation": self.remediation,
            "references": list(self.references),
        }
        if self.also:
            out["also"] = list(self.also)
        if self.account:
            out["account"] = self.account
        return out


class SuppressionKind(StrEnum):
    """How a finding was accepted, in SARIF's words (2.1.0 §3.35.2)."""

    EXTERNAL = "external"  # the ignore file (.driftpatchignore / --ignore-file)
    IN_SOURCE = "inSource"  # an inline `# driftpatch:ignore=` / `#checkov:skip=` comment


@dataclass(frozen=True)
class Suppressed:
    """A finding a team accepted on purpose: kept so the acceptance stays visible (SARIF
    `suppressions`, GitHub shows it dismissed; the JSON's `suppressed`), never counted for the
    exit code nor shown among the findings. `where` names the acceptance itself: the ignore
    file's line, or the comment's file:line."""

    finding: Finding
    kind: SuppressionKind
    justification: str = ""
    where: str = ""

    def to_json(self) -> dict[str, JSON]:
        return {
            **self.finding.to_json(),
            "suppression": {
                "kind": self.kind.value,
                "justification": self.justification,
                "where": self.where,
            },
        }


@dataclass(frozen=True)
class FindingHistory:
    """When a finding was first and last seen (`--history`): `new` in this run or `recurring`."""

    first_seen: str
    last_seen: str
    status: str  # "new" | "recurring"

    def to_json(self) -> dict[str, JSON]:
        return {"first_seen": self.first_seen, "last_seen": self.last_seen, "history": self.status}


@dataclass(frozen=True)
class ResourceEntry:
    """One managed resource instance as seen in state, plan, source or live AWS."""

    address: str | None
    type: str
    id: str | None
    status: ResourceStatus
    location: Location | None = None
    # How the live side was read: "native" (a driftpatch reader), "terraform" (a targeted
    # `terraform plan -refresh-only`), None (not read: check, unsupported, out of scope).
    reader: str | None = None

    def to_json(self) -> dict[str, JSON]:
        return {
            "address": self.address,
            "type": self.type,
            "id": self.id,
            "location": self.location.to_json() if self.location else None,
            "status": self.status.value,
            "reader": self.reader,
        }


@dataclass(frozen=True)
class Patch:
    """A unified diff against the source tree; `note` says why it is (un)verified.

    `verified_by` lists the checks that ran and passed, in the order they ran (a check that
    failed is not listed; `reason` says which failed and why). `plan_effect` is what
    `terraform plan` of the patched code does to each address the patch touches or changes
    (empty when no plan ran). `in_default_patch` says whether `-o patch` writes it without
    `--patch-include`: verified at the strongest level available, destroying and replacing
    nothing; `reason` says why not (or why a stronger check could not run)."""

    file: str
    diff: str
    finding_ids: tuple[str, ...]
    action: PatchAction
    verified: bool
    note: str = ""
    # sha256 of the file as scanned (None for a new file; for a file an earlier patch creates,
    # that patch's text): `patch --apply` refuses when the file changed since the scan. A
    # report's patches to one file are diffs made one after another (apply them in order).
    base_sha256: str | None = None
    verified_by: tuple[Check, ...] = ()
    plan_effect: Mapping[str, Effect] = field(default_factory=dict)
    in_default_patch: bool = False
    reason: str = ""

    @property
    def replacing(self) -> bool:
        """The plan of the patched code destroys or replaces something."""
        return any(e in (Effect.DESTROY, Effect.REPLACE) for e in self.plan_effect.values())

    def to_json(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {
            "file": self.file,
            "diff": self.diff,
            "finding_ids": list(self.finding_ids),
            "action": self.action.value,
            "verified": self.verified,
        }
        if self.note:
            out["note"] = self.note
        out["base_sha256"] = self.base_sha256
        out["verified_by"] = [c.value for c in self.verified_by]
        out["plan_effect"] = {a: e.value for a, e in sorted(self.plan_effect.items())}
        out["in_default_patch"] = self.in_default_patch
        out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class ScanError:
    """Something the run could not do; its presence makes the scan incomplete.

    With `level="warning"` (kept in `Report.warnings`) it is something the run read past instead,
    such as a Terraform 0.12 plan's short addresses: listed with the report's errors so a reader
    of the JSON sees it, marked `"level": "warning"` there, and never an exit code. Errors carry
    no `level` key, as before the field existed.
    """

    scope: str
    message: str
    level: Literal["error", "warning"] = "error"

    def to_json(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"scope": self.scope, "message": self.message}
        if self.level != "error":
            out["level"] = self.level
        return out


@dataclass(frozen=True)
class Inputs:
    states: tuple[str, ...] = ()
    plan: str | None = None
    source: str | None = None
    regions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, JSON]:
        return {
            "states": list(self.states),
            "plan": self.plan,
            "source": self.source,
            "regions": list(self.regions),
        }


@dataclass(frozen=True)
class Report:
    tool_version: str
    scanned_at: str
    inputs: Inputs
    findings: tuple[Finding, ...] = ()
    resources: tuple[ResourceEntry, ...] = ()
    patches: tuple[Patch, ...] = ()
    errors: tuple[ScanError, ...] = ()
    # AWS API calls per service ("ec2": 12) and other run figures; additive to the contract.
    stats: Mapping[str, JSON] = field(default_factory=dict)
    # Problems with the input that did not stop the run (e.g. a .tf file with a syntax error).
    input_problems: tuple[ScanError, ...] = ()
    # Things a user should know that change nothing about the result ("checkov not found").
    notices: tuple[str, ...] = ()
    # Every patch as one git-apply-able diff, one section per file (what `-o patch` writes).
    combined_patch: str = ""
    # Where the code configures the account (provider/backend block): SARIF places findings
    # that have no HCL of their own (account checks, unmanaged resources) there.
    anchor: Location | None = None
    # SARIF runs of one category replace each other in code scanning: PR and nightly differ.
    sarif_category: str = "driftpatch/"
    # Where a repo-relative file of the reviewed commit is browsed (`.../blob/SHA/`), or "".
    code_url: str = ""
    # finding id -> first/last seen, with --history (additive finding fields in the JSON).
    history: Mapping[str, FindingHistory] = field(default_factory=dict)
    # Input quirks read past (level "warning"): in the JSON's `errors`, never in the exit code.
    warnings: tuple[ScanError, ...] = ()
    # Findings accepted by the ignore file or an inline comment (additive `suppressed` list).
    suppressed: tuple[Suppressed, ...] = ()
    # Console and Markdown: the table only, one line per finding (`--compact`).
    compact: bool = False

    def summary(self) -> dict[str, JSON]:
        def count(status: ResourceStatus) -> int:
            return sum(1 for r in self.resources if r.status is status)

        by_sev = {s.value: 0 for s in Severity}
        for f in self.findings:
            by_sev[f.severity.value] += 1
        managed = sum(
            1 for r in self.resources if r.status is not ResourceStatus.UNMANAGED and r.address
        )
        out: dict[str, JSON] = {
            "managed": managed,
            "unmanaged": count(ResourceStatus.UNMANAGED),
            "missing": count(ResourceStatus.MISSING),
            "drifted": count(ResourceStatus.DRIFTED),
            "by_severity": by_sev,
        }
        # Additive, and only when some read failed: a complete scan's summary is unchanged.
        unread = count(ResourceStatus.UNREAD)
        if unread:
            out["unread"] = unread
        return out

    def to_json(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "driftpatch", "version": self.tool_version},
            "scanned_at": self.scanned_at,
            "inputs": self.inputs.to_json(),
            "summary": self.summary(),
            "findings": [
                {**f.to_json(), **(self.history[f.id].to_json() if f.id in self.history else {})}
                for f in self.findings
            ],
            "resources": [r.to_json() for r in self.resources],
            "patches": [p.to_json() for p in self.patches],
            "errors": [e.to_json() for e in (*self.input_problems, *self.errors, *self.warnings)],
        }
        if self.stats:
            out["stats"] = dict(self.stats)
        if self.notices:
            out["notices"] = list(self.notices)
        if self.anchor is not None:
            out["anchor"] = self.anchor.to_json()
        if self.suppressed:
            out["suppressed"] = [s.to_json() for s in self.suppressed]
        return out

    def worst_severity(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)


def finding_sort_key(f: Finding) -> tuple[int, str, str, str, str]:
    """Worst first, then by address and attribute: a stable order for every reporter."""
    return (
        -f.severity.rank,
        f.address or f"~{f.resource_type}.{f.resource_id}",
        f.attribute or "",
        f.rule_id,
        f.kind.value,
    )


def canonical_json(value: JSON) -> str:
    """A deterministic rendering for hashing and golden files."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- what the readers hand over ------------------------------------------------------------------
# Here, not in aws/, so drift/ and fix/ work on live objects without importing the AWS layer.


@dataclass(frozen=True)
class LiveResource:
    """One live object, shaped like a Terraform state instance of `type`."""

    type: str
    id: str
    region: str | None  # None for global resources (IAM)
    attributes: Mapping[str, JSON]
    # Created by AWS, not by anyone's code (default VPC/subnets/SG, service-linked roles,
    # AWS-managed KMS keys): never reported as unmanaged.
    account_default: bool = False
    # What could not be read for this object (a denied GetBucketVersioning): attribute names
    # and the names of linked types it feeds (aws_s3_bucket_versioning). Rules treat these as
    # unknown, never as "not configured".
    unread: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReadResult:
    resources: tuple[LiveResource, ...] = ()
    # Failures as values: a denied or throttled call skips what it covers, not the scan.
    errors: tuple[ScanError, ...] = ()
    # Types whose listing is incomplete because of `errors` (their resources are "skipped").
    incomplete_types: frozenset[str] = field(default_factory=frozenset)


class LiveIndex:
    """Live resources by (type, id) and by type; what `Reader.match` looks things up in."""

    def __init__(self, resources: tuple[LiveResource, ...] = ()) -> None:
        self._by_key: dict[tuple[str, str], LiveResource] = {}
        self._by_type: dict[str, list[LiveResource]] = {}
        for r in resources:
            self._by_key[(r.type, r.id)] = r
            self._by_type.setdefault(r.type, []).append(r)

    def get(self, type_: str, id_: str) -> LiveResource | None:
        return self._by_key.get((type_, id_))

    def of_type(self, type_: str) -> tuple[LiveResource, ...]:
        return tuple(self._by_type.get(type_, ()))

    def __iter__(self) -> Iterator[LiveResource]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)


SNAPSHOT_KIND = "driftpatch-inventory"
SNAPSHOT_VERSION = 1
GLOBAL = "global"


@dataclass(frozen=True)
class Inventory:
    resources: tuple[LiveResource, ...]
    regions: tuple[str, ...]
    account_id: str | None = None
    errors: tuple[ScanError, ...] = ()
    # (type, region or "global") whose listing is incomplete: absence there proves nothing.
    incomplete: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    # The types asked for (`inventory --types`); None: every covered type. Others were not
    # read at all: their absence proves nothing, and nothing failed either.
    types: frozenset[str] | None = None
    calls: Mapping[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    taken_at: str = ""
    # The snapshot file it was loaded from (`scan --live`); None when read from AWS. Messages
    # about a live object's bad value name it.
    origin: str | None = None

    def index(self) -> LiveIndex:
        return LiveIndex(self.resources)

    def complete_for(self, type_: str, region: str | None, account: str | None = None) -> bool:
        """Whether the listing of `type_` in `region` of `account` is whole, so that absence
        there proves absence. `region` None (a type whose state names no region, such as
        aws_security_group_rule) is complete only if every scanned region's read was; an
        `account` other than the one read is never complete."""
        if account is not None and self.account_id is not None and account != self.account_id:
            return False
        if (type_, GLOBAL) in self.incomplete:
            return False
        if region is None:
            return not any(t == type_ for t, _ in self.incomplete)
        return (type_, region) not in self.incomplete

    def to_json(self) -> dict[str, JSON]:
        return {
            "kind": SNAPSHOT_KIND,
            "version": SNAPSHOT_VERSION,
            "tool": {"name": "driftpatch", "version": __version__},
            "taken_at": self.taken_at,
            "account_id": self.account_id,
            "regions": list(self.regions),
            "resources": [
                {
                    "type": r.type,
                    "id": r.id,
                    "region": r.region,
                    "account_default": r.account_default,
                    "attributes": dict(r.attributes),
                    **({"unread": sorted(r.unread)} if r.unread else {}),
                }
                for r in self.resources
            ],
            "errors": [e.to_json() for e in self.errors],
            "incomplete": sorted([t, r] for t, r in self.incomplete),
            "types": sorted(self.types) if self.types is not None else None,
            "stats": {"api_calls": dict(self.calls), "duration_s": round(self.duration_s, 3)},
        }

    @classmethod
    def load(cls, path: Path) -> Inventory:
        """Read a snapshot written by `driftpatch inventory`; bad input is one line, exit 2."""
        doc = limits.load_json(path, "live snapshot")
        if not isinstance(doc, dict) or doc.get("kind") != SNAPSHOT_KIND:
            raise InputError(f"{path}: not a driftpatch inventory snapshot")
        if doc.get("version") != SNAPSHOT_VERSION:
            raise InputError(
                f"{path}: inventory snapshot version {doc.get('version')!r} is not supported "
                f"(expected {SNAPSHOT_VERSION})"
            )
        try:
            resources = tuple(
                LiveResource(
                    type=str(r["type"]),
                    id=str(r["id"]),
                    region=_opt_str(r.get("region"), "region"),
                    attributes=dict(r["attributes"]),
                    account_default=bool(r.get("account_default", False)),
                    unread=frozenset(str(u) for u in r.get("unread") or ()),
                )
                for r in doc["resources"]
            )
            errors = tuple(ScanError(str(e["scope"]), str(e["message"])) for e in doc["errors"])
            incomplete = frozenset((str(t), str(r)) for t, r in doc.get("incomplete", []))
            listed = doc.get("types")
            types = frozenset(str(t) for t in listed) if listed is not None else None
            stats = doc.get("stats") or {}
            return cls(
                resources=resources,
                regions=tuple(_opt_str(r, "regions") or "" for r in doc.get("regions") or ()),
                account_id=_opt_str(doc.get("account_id"), "account_id"),
                errors=errors,
                incomplete=incomplete,
                types=types,
                calls={str(k): int(v) for k, v in dict(stats.get("api_calls") or {}).items()},
                duration_s=float(stats.get("duration_s") or 0.0),
                taken_at=str(doc.get("taken_at") or ""),
                origin=str(path),
            )
        # Odd types anywhere (a list for an object, a number for a list) end up here.
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{path}: malformed inventory snapshot ({exc})") from exc


def _opt_str(value: object, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{where}: expected a string")


class LiveMatcher(Protocol):
    """What drift detection needs from a reader: how to find a state instance's live object.
    aws/readers' `Reader` is one; detection takes them as a parameter, so drift/ never imports
    the AWS layer (and a Terraform-refresh source can be one too)."""

    @property
    def types(self) -> tuple[str, ...]: ...
    @property
    def is_global(self) -> bool: ...
    @property
    def derived_types(self) -> frozenset[str]: ...
    @property
    def part_owners(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def unreadable(self) -> Mapping[str, frozenset[str]]: ...

    def parts(self, resources: Iterable[LiveResource]) -> frozenset[tuple[str, str]]: ...

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None: ...

    def unread(self, type_: str, state_id: str, live: LiveIndex) -> bool: ...

    def unread_instance(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> bool: ...
