"""Rebuild fixtures/corpus/census.json: which AWS resource types real Terraform states and plans
hold, and how many instances of each, from the public test data of Terraform tools.

    python scripts/corpus_census.py DIR...     # DIR: a git directory (bare or not) of a source

Each DIR must be a clone of one of SOURCES (the name is matched against the DIR's path, e.g.
`terraform-compliance+cli` or `terraform-compliance/cli`). Files are read from HEAD; identical
files (same SHA-256) are counted once across every source. Only the census is committed, never
the files: it records, per file, the repository, path, commit and SHA-256 (the provenance), and
the count of managed hashicorp/aws instances per type (plans: resource_changes; states: v4
resources[].instances, v3 modules[].resources). scripts/coverage.py reads it.
"""

from __future__ import annotations

import collections
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "fixtures" / "corpus" / "census.json"

_PLANISH = re.compile(r"(tfplan|plan)[^/]*\.json$|\.tfstate$")
# repository -> (license, which files are states or plans). driftctl's per-type acceptance
# states (pkg/iac/terraform/state/test/<type>/) are left out: one state per type would weigh
# the long tail as much as the types every stack has.
SOURCES: dict[str, tuple[str, Callable[[str], bool]]] = {
    "terraform-compliance/cli": ("MIT", lambda p: p.endswith("plan.out.json")),
    "bridgecrewio/checkov": (
        "Apache-2.0",
        lambda p: p.startswith("tests/") and bool(_PLANISH.search(p)),
    ),
    "infracost/infracost": ("Apache-2.0", lambda p: bool(re.search(r"plan[^/]*\.json$", p))),
    "tenable/terrascan": ("Apache-2.0", lambda p: bool(_PLANISH.search(p))),
    "snyk/driftctl": (
        "Apache-2.0",
        lambda p: bool(re.search(r"\.tfstate$|tfstate\.json$", p)) and "/state/test/" not in p,
    ),
    "aquasecurity/trivy": (
        "Apache-2.0",
        lambda p: (
            bool(re.search(r"\.json$|\.tfstate$", p))
            and ("plan" in p.lower() or "tfstate" in p.lower())
        ),
    ),
}


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True).stdout


def _blobs(repo: Path, wanted: Callable[[str], bool]) -> Iterator[tuple[str, str]]:
    for line in _git(repo, "ls-tree", "-r", "HEAD").decode().splitlines():
        meta, path = line.split("\t", 1)
        if wanted(path):
            yield meta.split()[2], path


def aws_instances(doc: Any) -> list[str]:
    """The type of every managed hashicorp/aws instance a plan or state document holds."""
    if not isinstance(doc, dict):
        return []
    out: list[str] = []
    if "resource_changes" in doc:
        for rc in doc.get("resource_changes") or []:
            if (
                rc.get("mode", "managed") == "managed"
                and "aws" in str(rc.get("provider_name", ""))
                and str(rc.get("type", "")).startswith("aws_")
            ):
                out.append(rc["type"])
    elif "resources" in doc:
        for r in doc.get("resources") or []:
            if r.get("mode") == "managed" and str(r.get("type", "")).startswith("aws_"):
                out.extend([r["type"]] * max(1, len(r.get("instances") or [])))
    elif "modules" in doc:
        for m in doc.get("modules") or []:
            for key, r in (m.get("resources") or {}).items():
                if str(r.get("type", "")).startswith("aws_") and not key.startswith("data."):
                    out.append(r["type"])
    return out


def main(dirs: list[str]) -> int:
    files: list[dict[str, Any]] = []
    seen: set[str] = set()
    for d in dirs:
        repo = Path(d)
        name = next(
            (n for n in SOURCES if n in str(repo) or n.replace("/", "+") in str(repo)), None
        )
        if name is None:
            print(f"{d}: not one of {', '.join(SOURCES)}", file=sys.stderr)
            return 2
        license_, wanted = SOURCES[name]
        commit = _git(repo, "rev-parse", "HEAD").decode().strip()
        for blob, path in sorted(_blobs(repo, wanted), key=lambda b: b[1]):
            data = _git(repo, "cat-file", "-p", blob)
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            try:
                types = aws_instances(json.loads(data))
            except ValueError:
                continue
            if types:
                files.append(
                    {
                        "repository": name,
                        "path": path,
                        "commit": commit,
                        "license": license_,
                        "sha256": digest,
                        "instances": dict(sorted(collections.Counter(types).items())),
                    }
                )
    doc = {
        "about": "AWS resource instances in public Terraform states and plans "
        "(scripts/corpus_census.py); counts only, no file content",
        "files": files,
    }
    OUT.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
    total = sum(sum(f["instances"].values()) for f in files)
    print(f"{OUT.relative_to(REPO)}: {len(files)} files, {total} instances")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
