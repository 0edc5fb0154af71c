"""Read everything driftpatch covers from live AWS, concurrently across services and regions.

The result can be saved (`driftpatch inventory -o SNAPSHOT.json`) and scanned later
(`scan --live SNAPSHOT.json`), so a nightly job can separate "read AWS" from "compare".
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from driftpatch.aws.readers import READERS, ReadContext, Reader
from driftpatch.aws.readers.interface import Needs, SharedReads
from driftpatch.aws.session import AWS_ERRORS, AwsSession, describe_error
from driftpatch.errors import AwsError, InputError
from driftpatch.model import GLOBAL, Inventory, LiveResource, ReadResult, ScanError


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
    except AWS_ERRORS as exc:
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
    needs: Needs | None = None,
) -> Inventory:
    """Read all covered types (or `types`) in `regions`; failures become errors, not raises.

    `needs`: what the scan compares (readers without a bulk form then skip the per-object
    calls that feed nothing); None reads everything, as a snapshot must."""
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
    shared = SharedReads()  # one GetAccountAuthorizationDetails for the IAM readers
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        futures = [
            (
                reader,
                scope,
                pool.submit(
                    _run,
                    reader,
                    ReadContext(session, region, account_id, needs, shared, tuple(regions)),
                    scope,
                ),
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
