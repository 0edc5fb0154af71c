"""DP-TF-002: the root module keeps its state locally.

Only files at the top of the indexed directory count (the root module): child modules must not
declare a backend at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Location, Severity
from driftpatch.rules.interface import RuleMeta, SourceIndexLike, SourceRule, SourceViolation


def root_files(index: SourceIndexLike) -> list[str]:
    """Files of the root module, main.tf / versions.tf / terraform.tf first."""
    preferred = ("terraform.tf", "versions.tf", "backend.tf", "main.tf")

    def order(file: str) -> tuple[int, str]:
        name = file.replace("\\", "/").rsplit("/", 1)[-1]
        return (preferred.index(name) if name in preferred else 99, file)

    return sorted(index.root_module_files, key=order)


class NoRemoteBackend(SourceRule):
    meta = RuleMeta(
        id="DP-TF-002",
        title="Terraform state is not stored in a remote backend",
        severity=Severity.MEDIUM,
        category=Category.DATA,
        resource_types=(),
        description=(
            'The root module declares no backend (or backend "local") and no HCP Terraform '
            "`cloud` block, so state lives in terraform.tfstate next to the code."
        ),
        risk=(
            "Local state holds every secret Terraform knows in clear text, ends up committed "
            "or lost with a laptop, and has no locking: two applies corrupt it, and drift "
            "scans read a stale copy."
        ),
        remediation=(
            'Add terraform { backend "s3" { bucket = "...", key = "...", region = "...", '
            "encrypt = true, use_lockfile = true } } (a versioned, encrypted bucket with "
            "public access blocked), then run `terraform init -migrate-state`. The bucket is "
            "yours to choose, so no patch is offered."
        ),
        references=(
            "https://developer.hashicorp.com/terraform/language/backend",
            "https://developer.hashicorp.com/terraform/language/backend/s3",
        ),
        live=False,
    )

    def evaluate_source(self, index: SourceIndexLike) -> Iterable[SourceViolation]:
        files = set(root_files(index))
        if not files:
            return
        terraform = [b for b in index.blocks if b.type == "terraform" and b.file in files]
        for block in terraform:
            for child in block.blocks:
                if child.type == "cloud":
                    return
                if child.type == "backend":
                    kind = child.labels[0] if child.labels else ""
                    if kind != "local":
                        return
                    yield SourceViolation(
                        Location(block.file, child.span.start_line, child.span.end_line),
                        "terraform",
                        "backend",
                        "local",
                        None,
                        'backend "local"',
                        resource_id=f"{block.file}#terraform",
                    )
                    return
        first = sorted(terraform, key=lambda b: (b.file, b.span.start_line))[:1]
        if first:
            where = Location(first[0].file, first[0].span.start_line, first[0].span.end_line)
        else:
            where = Location(root_files(index)[0], 1, 1)
        yield SourceViolation(
            where,
            "terraform",
            "backend",
            None,
            None,
            "no backend configured",
            resource_id=f"{where.file}#terraform",
        )


RULE = NoRemoteBackend()
