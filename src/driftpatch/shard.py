"""`scan --shard i/n`: one of n disjoint parts of a scan, so a CI matrix splits one big estate
and `report merge` puts the parts back together.

What a shard reports is decided per finding and per resource entry, the same way in every
shard, so the n parts cover the scan exactly once (a finding two parts share, such as one on a
resource two states both hold, is one finding again after the merge: ids are content hashes):

- Resources a state holds are dealt by *unit*, in a fixed order. With at least n states, a unit
  is a state (by its reference, sorted): unit k goes to shard k mod n + 1. With fewer states
  than shards, a unit is a (state, region) pair (global resources such as IAM form the region
  "global"), so one state over several regions still splits.
- Everything no state holds (unmanaged objects, account-level checks, blocks only the code or
  the plan has) is dealt by a stable hash (CRC-32) of its type and id or address.

Every shard still reads every state (to know who owns what, so nothing another shard's state
holds is called unmanaged) and the live side of every region; it compares, evaluates and
patches for the whole world too (cross-resource rules see every partner) except that the
expensive part per finding, writing and verifying its patch, is done only for its own.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from driftpatch.errors import InputError
from driftpatch.model import Address, Finding, ResourceEntry

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
GLOBAL = "global"


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`i/n` with 1 <= i <= n; anything else is bad usage (exit 2)."""
        match = _SPEC.match(text)
        if match is None:
            raise InputError(f"--shard {text!r}: expected i/n, e.g. 1/4")
        index, count = int(match[1]), int(match[2])
        if count < 1 or not 1 <= index <= count:
            raise InputError(f"--shard {text!r}: i must be between 1 and n")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


class Dealer:
    """Which shard each finding and resource entry belongs to."""

    def __init__(self, shard: Shard, instances: Iterable[tuple[str, str, str | None]]) -> None:
        """`instances`: (address, state origin, region or None) of every state instance."""
        self.shard = shard
        listed = list(instances)
        states = sorted({origin for _, origin, _ in listed})
        by_state = len(states) >= shard.count
        units: dict[str, set[tuple[str, str]]] = {}
        for address, origin, region in listed:
            unit = (origin, "" if by_state else (region or GLOBAL))
            units.setdefault(address, set()).add(unit)
        order = {u: k for k, u in enumerate(sorted({u for us in units.values() for u in us}))}
        self._shards: Mapping[str, frozenset[int]] = {
            address: frozenset(order[u] % shard.count for u in us) for address, us in units.items()
        }
        # A CODE finding names the block (`aws_x.y`, `module.m.aws_x.y`) for all its instances
        # (`aws_x.y[0]`, `module.m["a"].aws_x.y`): it belongs where its first instance does.
        first: dict[str, str] = {}
        for address in sorted(self._shards):
            first.setdefault(_config_address(address), address)
        self._first_instance: Mapping[str, str] = first

    def _mine(self, address: str | None, type_: str, id_: str | None) -> bool:
        mine = self.shard.index - 1
        if address is not None:
            shards = self._shards.get(address)
            if shards is not None:
                return mine in shards
        key = f"{type_}\0{id_ if id_ is not None else address or ''}"
        return zlib.crc32(key.encode()) % self.shard.count == mine

    def takes_finding(self, finding: Finding) -> bool:
        address = finding.address
        if address is not None and address not in self._shards:
            address = self._first_instance.get(address, address)
        return self._mine(address, finding.resource_type, finding.resource_id)

    def takes_entry(self, entry: ResourceEntry) -> bool:
        return self._mine(entry.address, entry.type, entry.id)


def _config_address(address: str) -> str:
    try:
        return Address.parse(address).config_address
    except ValueError:
        return address
