"""Read everything driftpatch covers from live AWS, concurrently across services and regions.

The result can be saved (`driftpatch inventory -o SNAPSHOT.json`) and scanned later
(`scan --live SNAPSHOT.json`), so a nightly job can separate "read AWS" from "compare".
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import botocore.exceptions

from driftpatch import __version__, limits
from driftpatch.aws.readers import READERS, LiveIndex, LiveResource, ReadContext, Reader
from driftpatch.aws.readers.interface import ReadResult
from driftpatch.aws.session import AwsSession, describe_error
from driftpatch.errors import AwsError, InputError
from driftpatch.model import JSON, ScanError

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


def _tasks(readers: Sequence[Reader], regions: Sequence[str]) -> list[tuple[Reader, str, str]]:
    """(reader, region for its clients, scope region) pairs; global readers run once."""
    out: list[tuple[Reader, str, str]] = []
    for reader in readers:
        if reader.is_global:
            out.append((reader, regions[0], GLOBAL))
        else:
            out.extend((reader, region, region) for region in regions)
    return out


def _run(reader: Reader, ctx: ReadContext, scope_region: str) -> ReadResult:
    scope = f"{reader.service}/{scope_region}"
    if ctx.session.deadline_passed():
        message = f"not read: the {ctx.session.deadline_s:g} s deadline passed"
        return ReadResult(
            errors=(ScanError(scope, message),),
            incomplete_types=frozenset(reader.types) | reader.derived_types,
        )
    try:
        return reader.read(ctx)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        # A reader should turn these into values itself; this is the net under it.
        message = describe_error(exc)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        # A 2xx answer without a field the reader needs (or of the wrong shape): what it
        # covers is unread, never "missing".
        message = f"malformed response from AWS ({type(exc).__name__}: {exc})"
    return ReadResult(
        errors=(ScanError(scope, message),),
        incomplete_types=frozenset(reader.types) | reader.derived_types,
    )


def take_inventory(
    session: AwsSession,
    regions: Sequence[str],
    *,
    types: Collection[str] | None = None,
    max_workers: int = 8,
) -> Inventory:
    """Read all covered types (or `types`) in `regions`; failures become errors, not raises."""
    if not regions:
        raise InputError("no AWS region: pass --region, set AWS_REGION, or configure a profile")
    started = time.monotonic()
    taken_at = datetime.now(UTC).isoformat(timespec="seconds")
    readers = [r for r in READERS if types is None or set(r.types) & set(types)]
    try:
        account_id = session.account_id()
    except AwsError as exc:
        return Inventory(
            resources=(),
            regions=tuple(regions),
            errors=(ScanError("aws", str(exc)),),
            incomplete=frozenset((t, GLOBAL) for r in readers for t in r.types),
            types=frozenset(types) if types is not None else None,
            calls=session.calls(),
            duration_s=time.monotonic() - started,
            taken_at=taken_at,
        )
    tasks = _tasks(readers, regions)
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        futures = [
            (
                reader,
                scope,
                pool.submit(_run, reader, ReadContext(session, region, account_id), scope),
            )
            for reader, region, scope in tasks
        ]
        results = [(reader, scope, fut.result()) for reader, scope, fut in futures]
    resources: list[LiveResource] = []
    errors: list[ScanError] = []
    incomplete: set[tuple[str, str]] = set()
    for _reader, scope, result in results:
        resources.extend(r for r in result.resources if types is None or r.type in types)
        # Two readers of one service failing the same call say so once.
        errors.extend(e for e in result.errors if e not in errors)
        incomplete.update((t, scope) for t in result.incomplete_types)
    resources.sort(key=lambda r: (r.type, r.region or "", r.id))
    if session.deadline_passed() and any("deadline passed" in e.message for e in errors):
        errors.insert(
            0,
            ScanError(
                "aws",
                f"the {session.deadline_s:g} s deadline (--deadline) passed: the reads named "
                "in the other errors were not made",
            ),
        )
    return Inventory(
        resources=tuple(resources),
        regions=tuple(regions),
        account_id=account_id,
        errors=tuple(errors),
        incomplete=frozenset(incomplete),
        types=frozenset(types) if types is not None else None,
        calls=session.calls(),
        duration_s=time.monotonic() - started,
        taken_at=taken_at,
    )
