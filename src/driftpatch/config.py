"""What a run was asked to do, independent of how it was asked (CLI, library, tests)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from driftpatch.errors import InputError
from driftpatch.model import Finding, Kind, PatchAction, Severity
from driftpatch.shard import Shard


class FailOn(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    NONE = "none"

    def trips(self, severity: Severity) -> bool:
        """True when a finding of `severity` should fail the run (exit 1)."""
        if self is FailOn.NONE:
            return False
        return severity.rank >= Severity(self.value).rank


class Prefer(StrEnum):
    """Which remedy a drift gets: follow the rules (auto), or force one."""

    AUTO = "auto"
    CODIFY = "codify"
    REVERT = "revert"


class VerifyMode(StrEnum):
    """How patches are verified: Terraform where it can run (auto), or insist on one."""

    AUTO = "auto"
    TERRAFORM = "terraform"
    STATIC = "static"


class Include(StrEnum):
    """What `--patch-include` adds to the default patch (`-o patch`)."""

    UNVERIFIED = "unverified"
    REPLACING = "replacing"


class Only(StrEnum):
    """`--only`: drift (drift, missing, unmanaged) or misconfigurations."""

    DRIFT = "drift"
    MISCONFIG = "misconfig"

    def kinds(self) -> frozenset[Kind]:
        if self is Only.DRIFT:
            return frozenset({Kind.DRIFT, Kind.MISSING, Kind.UNMANAGED})
        return frozenset({Kind.MISCONFIG})


@dataclass(frozen=True)
class Selection:
    """Which findings a run reports (`--only`, `--min-severity`, `--rule`, `--skip-rule`).

    Applied before patches are written, so `-o patch` and the exit code concern only what is
    reported. Rule patterns are globs (`*`, `?`), matched without regard to case against the
    rule id and the other tools' ids for the same problem (checkov's CKV_*): a team moving from
    checkov keeps its ids. A finding is kept when some `rules` pattern matches it (or `rules`
    is empty) and no `skip_rules` pattern does."""

    only: Only | None = None
    min_severity: Severity | None = None
    rules: tuple[str, ...] = ()
    skip_rules: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.only or self.min_severity or self.rules or self.skip_rules)

    def selects(self, finding: Finding, aliases: Iterable[str] = ()) -> bool:
        """True when `finding` is reported; `aliases` are more ids naming its problem."""
        if self.only is not None and finding.kind not in self.only.kinds():
            return False
        if self.min_severity is not None and finding.severity.rank < self.min_severity.rank:
            return False
        ids = {i.upper() for i in (finding.rule_id, *finding.also, *aliases)}
        if self.rules and not _any_match(ids, self.rules):
            return False
        return not _any_match(ids, self.skip_rules)


def _any_match(ids: set[str], patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(i, p.upper()) for p in patterns for i in ids)


@dataclass(frozen=True)
class OutputSpec:
    format: str
    path: Path | None = None

    @classmethod
    def parse(cls, text: str, known: tuple[str, ...]) -> OutputSpec:
        fmt, sep, path = text.partition(":")
        fmt = fmt.strip().lower()
        if fmt not in known:
            raise InputError(f"unknown output format {fmt!r} (choose from {', '.join(known)})")
        if sep and not path:
            raise InputError(f"output {text!r}: empty path after ':'")
        return cls(fmt, Path(path) if path else None)

    def __str__(self) -> str:
        return f"{self.format}:{self.path}" if self.path else self.format


@dataclass(frozen=True)
class Config:
    """Options of `scan` and `check`; `check` leaves the AWS fields empty."""

    states: tuple[str, ...] = ()
    plan: Path | None = None
    source: Path | None = None
    # -var-file files, in the order given: read after terraform.tfvars and *.auto.tfvars.
    var_files: tuple[Path, ...] = ()
    regions: tuple[str, ...] = ()
    # AWS profiles, one per account to read (several: each state instance is compared in the
    # account its ARNs name, or its state file's); empty: the default credential chain.
    profiles: tuple[str, ...] = ()
    # IAM roles to assume, one per account to read (`--role-arn`): then the roles' accounts
    # are the ones read, and the (one) profile or the default chain only assumes them. The
    # session name, external id and duration go with every AssumeRole (aws/roles.py).
    role_arns: tuple[str, ...] = ()
    role_session_name: str = "driftpatch"
    external_id: str | None = None
    role_duration_s: int = 3600
    endpoint_url: str | None = None
    live_snapshot: Path | None = None
    ignore_file: Path | None = None
    checkov: bool = True
    prefer: Prefer = Prefer.AUTO
    # Readers run in a bounded pool across services and regions.
    max_workers: int = 8
    # `scan --shard i/n`: report only this part of the estate (driftpatch/shard.py).
    shard: Shard | None = None
    # AWS reads: after `deadline_s` seconds no read starts (exit 3, a partial report); each
    # attempt has its own timeouts; each call up to `max_attempts` attempts, waits between
    # them drawn as aws/session.py's RetryPolicy says (bases in seconds).
    deadline_s: float | None = 900.0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0
    max_attempts: int = 10
    retry_base_s: float = 0.05
    throttle_base_s: float = 0.05
    offline: bool = False  # True for `check`: never touch AWS
    # Where file paths in findings and patches are relative to (default: the git repository
    # holding --source, else --source itself).
    repo_root: Path | None = None
    verify: VerifyMode = VerifyMode.AUTO
    # Terraform verification judges patches on disjoint addresses from one combined plan
    # (fix/batch.py); False plans each patch alone (library only: tests and benchmarks
    # compare the two).
    verify_batch: bool = True
    # Types without a native reader, refreshed by `terraform plan -refresh-only`: None (auto)
    # when the source is initialised and a CLI can get its providers; True: always (a failure
    # is an incomplete read, exit 3); False: never.
    terraform_refresh: bool | None = None
    # What `-o patch` writes beyond the default patch, and which actions (None: every one).
    patch_include: frozenset[Include] = frozenset()
    patch_kinds: frozenset[PatchAction] | None = None
    # What is reported (--only, --min-severity, --rule, --skip-rule).
    selection: Selection = Selection()

    @property
    def profile(self) -> str | None:
        """The first (or only) profile: what Terraform verification runs with."""
        return self.profiles[0] if self.profiles else None
