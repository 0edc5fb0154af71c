"""What the reader oracle tests share: a reader's live resources against the state the
hashicorp/aws provider wrote on `terraform apply -refresh-only` of the same moto world."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from driftpatch.aws.readers import LiveIndex, reader_for
from driftpatch.embedded import EmbeddedAws

from ..clirun import run_cli

Key = tuple[str, str, Any]  # (type, name, index key)


def instances(state: Mapping[str, Any], types: Collection[str]) -> dict[Key, dict[str, Any]]:
    """State instances of the types under test (the stacks have a few helpers besides)."""
    return {
        (res["type"], res["name"], inst.get("index_key")): inst["attributes"]
        for res in state["resources"]
        if res["mode"] == "managed" and res["type"] in types
        for inst in res["instances"]
    }


def same(want: Any, have: Any) -> bool:
    """Equal, with lists compared as multisets (sets in state have no order)."""
    if isinstance(want, list) and isinstance(have, list):
        canon = sorted(json.dumps(v, sort_keys=True) for v in want)
        return canon == sorted(json.dumps(v, sort_keys=True) for v in have)
    return json.dumps(want, sort_keys=True) == json.dumps(have, sort_keys=True)


def differences(
    prior: Mapping[Key, dict[str, Any]],
    after: Mapping[Key, dict[str, Any]],
    live: LiveIndex,
    *,
    equal: Callable[[Any, Any], bool] = same,
    canonical: Callable[[str, dict[str, Any]], dict[str, Any]] = lambda _t, v: v,
) -> list[str]:
    """Every way the readers differ from the refreshed state: each instance of `prior` (the
    applied state) must be found where the refresh kept it (`after`), gone where it dropped
    it, with the same id and every readable attribute equal; none is an account default."""
    problems: list[str] = []
    for key, attrs in sorted(prior.items(), key=str):
        type_ = key[0]
        reader = reader_for(type_)
        assert reader is not None, type_
        found = reader.match(type_, attrs["id"], attrs, live)
        address = f"{type_}.{key[1]}"
        if key not in after:
            if found is not None:
                problems.append(f"{address}: the refresh dropped it, the reader still has it")
            continue
        if found is None:
            problems.append(f"{address}: in the refreshed state, not found by the reader")
            continue
        if found.account_default:
            problems.append(f"{address}: flagged as an account default")
        want_raw = after[key]
        # The id attribute: a reader may index a live object under a canonical id of its own
        # (Route 53 records) and give the matched instance the provider's.
        found_id = str(found.attributes.get("id", found.id))
        if found_id != want_raw["id"]:
            problems.append(f"{address}: id {found_id!r} != {want_raw['id']!r}")
        have, want = canonical(type_, dict(found.attributes)), canonical(type_, want_raw)
        skip = reader.unreadable.get(type_, frozenset())
        for name in sorted((set(want) | set(have)) - skip):
            have_value = have.get(name, "<not emitted>")
            want_value = want.get(name, "<not in state>")
            if not equal(want_value, have_value):
                problems.append(
                    f"{address}.{name}:\n    state:  {json.dumps(want_value, sort_keys=True)}"
                    f"\n    reader: {json.dumps(have_value, sort_keys=True)}"
                )
    return problems


def drift_report(state: Path, aws: EmbeddedAws, out: Path, *, region: str) -> dict[str, Any]:
    """`driftpatch scan --only drift` of `state` against the world, through the real CLI: the
    report (no AWS errors allowed)."""
    proc = run_cli(
        "scan",
        "--state",
        str(state),
        "--region",
        region,
        "--endpoint-url",
        aws.endpoint_url,
        "--no-checkov",
        "--only",
        "drift",
        "-o",
        f"json:{out}",
        cwd=out.parent,
        env=aws.env(),
    )
    assert proc.returncode in (0, 1), proc.stderr
    report: dict[str, Any] = json.loads(out.read_text())
    assert report["errors"] == []
    return report


def managed_findings(
    report: Mapping[str, Any], types: Collection[str]
) -> set[tuple[str, str, str | None]]:
    """(kind, address, attribute) of the findings on managed resources of `types`."""
    return {
        (f["kind"], f["address"], f["attribute"])
        for f in report["findings"]
        if f["resource_type"] in types and f["kind"] != "unmanaged"
    }


def finding_keys(
    report: Mapping[str, Any], types: Collection[str]
) -> set[tuple[str, str | None, str | None]]:
    """(kind, address or live id, attribute) of every finding on `types` (unmanaged too)."""
    return {
        (f["kind"], f["address"] or f["resource_id"], f["attribute"])
        for f in report["findings"]
        if f["resource_type"] in types
    }


def statuses(report: Mapping[str, Any], prior: Mapping[Any, Any]) -> dict[str, str]:
    """The report's status of each (type, name, key) instance of `prior`."""
    by_address = {r["address"]: r["status"] for r in report["resources"]}
    return {f"{t}.{n}": by_address[f"{t}.{n}"] for t, n, _ in prior}
