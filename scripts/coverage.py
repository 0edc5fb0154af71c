"""How much of real Terraform driftpatch reads: the share of AWS resource instances in the public
corpus (fixtures/corpus/census.json, rebuilt by scripts/corpus_census.py) whose type has a
native reader, and the share readable at all (native, or through `terraform plan
-refresh-only` for every other type hashicorp/aws 5.100.0 still has).

    python scripts/coverage.py [--top N] [--json]

Prints figures; `make test` runs it so CI logs show them. tests/aws/test_coverage.py keeps the
floor.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from driftpatch.aws.readers import covered_types  # noqa: E402
from driftpatch.terraform.schema import aws_schema  # noqa: E402

CENSUS = REPO / "fixtures" / "corpus" / "census.json"


@dataclass(frozen=True)
class Coverage:
    instances: int
    types: int
    native: int  # instances of a type with a native reader
    terraform: int  # instances of another type hashicorp/aws 5.100.0 has (refresh fallback)
    uncovered: tuple[tuple[str, int], ...]  # (type, instances) without a native reader

    @property
    def native_share(self) -> float:
        return self.native / self.instances if self.instances else 0.0

    @property
    def readable_share(self) -> float:
        return (self.native + self.terraform) / self.instances if self.instances else 0.0


def measure(census: Path = CENSUS) -> Coverage:
    doc = json.loads(census.read_text())
    counts: collections.Counter[str] = collections.Counter()
    for f in doc["files"]:
        counts.update(f["instances"])
    native_types = covered_types()
    provider_types = set(aws_schema().types())
    native = sum(n for t, n in counts.items() if t in native_types)
    terraform = sum(n for t, n in counts.items() if t not in native_types and t in provider_types)
    uncovered = tuple(
        sorted(((t, n) for t, n in counts.items() if t not in native_types), key=lambda x: -x[1])
    )
    return Coverage(sum(counts.values()), len(counts), native, terraform, uncovered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cov = measure()
    if args.json:
        print(
            json.dumps(
                {
                    "instances": cov.instances,
                    "types": cov.types,
                    "native": cov.native,
                    "native_share": round(cov.native_share, 4),
                    "readable_share": round(cov.readable_share, 4),
                    "uncovered": dict(cov.uncovered),
                },
                indent=2,
            )
        )
        return 0
    files = len(json.loads(CENSUS.read_text())["files"])
    print(f"corpus: {cov.instances} AWS instances of {cov.types} types in {files} public files")
    print(f"native readers:        {cov.native_share:6.1%} of instances ({cov.native})")
    print(f"+ terraform refresh:   {cov.readable_share:6.1%} of instances")
    print(f"most frequent types without a native reader (top {args.top}):")
    for type_, n in cov.uncovered[: args.top]:
        print(f"  {n:5d}  {type_}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
