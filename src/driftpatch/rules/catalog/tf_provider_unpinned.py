"""DP-TF-003: the hashicorp/aws provider version is not pinned in the root module.

Reusable modules should state minimum versions only (">= 5.0"); the root module is where the
upper bound belongs, so only its files are checked, and only when it uses AWS at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from driftpatch.model import Category, Location, Severity
from driftpatch.rules.catalog.tf_no_remote_backend import root_files
from driftpatch.rules.interface import (
    BlockNodeLike,
    RuleMeta,
    SourceIndexLike,
    SourceRule,
    SourceViolation,
)

_UPPER = re.compile(r"(~>|<=?|^\s*=|^\s*v?\d)")


def bounded(constraint: str) -> bool:
    """Whether a version constraint caps the version (~>, <, <=, or an exact version)."""
    return any(_UPPER.search(part.strip()) for part in constraint.split(",") if part.strip())


class ProviderUnpinned(SourceRule):
    meta = RuleMeta(
        id="DP-TF-003",
        title="AWS provider version is not pinned",
        severity=Severity.LOW,
        category=Category.COMPUTE,
        resource_types=(),
        description=(
            "The root module uses AWS but its required_providers has no `aws` entry, the "
            "entry has no version, or the constraint only sets a lower bound (>= / >), so "
            "`terraform init` picks whatever major version is newest."
        ),
        risk=(
            "A new major provider release changes defaults and resource shapes (v4 split the "
            "S3 bucket into a dozen resources): the next init in CI silently plans "
            "replacements or fails, and drift results shift with the provider."
        ),
        remediation=(
            'Declare terraform { required_providers { aws = { source = "hashicorp/aws", '
            'version = "~> 5.0" } } } in the root module and commit .terraform.lock.hcl. '
            "Raise the bound in a reviewed change."
        ),
        references=(
            "https://developer.hashicorp.com/terraform/language/providers/requirements",
            "https://developer.hashicorp.com/terraform/language/expressions/version-constraints",
        ),
        live=False,
    )

    def evaluate_source(self, index: SourceIndexLike) -> Iterable[SourceViolation]:
        files = set(root_files(index))
        root_blocks = [b for b in index.blocks if b.file in files]
        if not _uses_aws(index.blocks):  # a root that only calls AWS modules needs the pin too
            return
        entry: tuple[BlockNodeLike, object, Location] | None = None
        for block in root_blocks:
            if block.type != "terraform":
                continue
            for req in block.blocks:
                if req.type != "required_providers":
                    continue
                for name, attr in req.attributes.items():
                    if _is_aws(name, attr.literal):
                        where = Location(block.file, attr.span.start_line, attr.span.end_line)
                        entry = (block, attr.literal, where)
        if entry is None:
            where = _anchor(root_blocks)
            yield _violation(
                where, "required_providers.aws", None, "no required_providers entry for aws"
            )
            return
        _, value, where = entry
        version = value.get("version") if isinstance(value, Mapping) else None
        if isinstance(value, str):
            version = value  # legacy shorthand: aws = "~> 5.0"
        if version is None:
            yield _violation(where, "required_providers.aws.version", None, "no version constraint")
        elif isinstance(version, str) and not bounded(version):
            yield _violation(
                where, "required_providers.aws.version", version, f"only a lower bound ({version})"
            )


def _is_aws(name: str, value: object) -> bool:
    if isinstance(value, Mapping):
        source = value.get("source")
        if isinstance(source, str):
            return source.lower().removeprefix("registry.terraform.io/") == "hashicorp/aws"
    return name == "aws"


def _uses_aws(blocks: Iterable[BlockNodeLike]) -> bool:
    for block in blocks:
        labels = list(block.labels)
        if block.type == "provider" and labels[:1] == ["aws"]:
            return True
        if block.type in ("resource", "data") and labels and labels[0].startswith("aws_"):
            return True
    return False


def _anchor(blocks: Iterable[BlockNodeLike]) -> Location:
    ordered = sorted(
        blocks,
        key=lambda b: (b.type != "terraform", b.type != "provider", b.file, b.span.start_line),
    )
    b = ordered[0]
    return Location(b.file, b.span.start_line, b.span.end_line)


def _violation(where: Location, attribute: str, actual: object, detail: str) -> SourceViolation:
    return SourceViolation(
        where,
        "terraform",
        attribute,
        actual,
        None,
        detail,
        resource_id=f"{where.file}#terraform",
    )


RULE = ProviderUnpinned()
