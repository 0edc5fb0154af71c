"""DP-TF-001: secrets written into the Terraform source.

Three signals: an AWS access key id anywhere in a .tf file (AKIA/ASIA followed by 16
characters), a private key header anywhere, and a literal string assigned to an attribute (or
an object-literal key, such as a tag) whose name says it holds a secret (password, secret,
token, *_key; a variable's default counts when the variable's name does). Findings name the
file, line and attribute, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from driftpatch.model import SENSITIVE, Category, Location, Severity
from driftpatch.rules.interface import (
    AttributeNodeLike,
    BlockNodeLike,
    RuleMeta,
    SourceIndexLike,
    SourceRule,
    SourceViolation,
)

ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")
PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----")
_SECRET_WORDS = ("password", "passwd", "secret", "token", "private_key", "api_key", "access_key")
# Names matching the patterns that hold identifiers or settings, not secrets.
_NOT_SECRET = frozenset(
    {
        "public_key",
        "hash_key",
        "range_key",
        "sort_key",
        "partition_key",
        "s3_key",
        "object_key",
        "creation_token",
        "client_token",
        "idempotency_token",
        "token_key",
        # aws_instance / launch template metadata_options: "required" or "optional" (IMDSv2).
        "http_tokens",
    }
)
_NOT_SECRET_SUFFIXES = (
    "_arn",
    "_id",
    "_ids",
    "_name",
    "_names",
    "_version",
    "_length",
    "_enabled",
    "_type",
    "_policy",
    "_required",
    "_prefix",
    "_path",
    "_ttl",
    "_validity",
    "_expiration",
    "_reuse_prevention",
)
_MIN_LENGTH = 8


def secret_name(name: str) -> bool:
    """Whether an attribute (or variable) named `name` holds a secret by its name."""
    low = name.lower()
    if low in _NOT_SECRET or low.endswith(_NOT_SECRET_SUFFIXES) or low.startswith("public"):
        return False
    return any(w in low for w in _SECRET_WORDS) or low.endswith("_key") or low == "key_material"


def secret_looking(value: object) -> bool:
    """A literal that could be a secret: a non-trivial string, not a reference or an ARN."""
    return (
        isinstance(value, str)
        and len(value) >= _MIN_LENGTH
        and not value.startswith(("arn:", "${", "alias/"))
        and len(set(value)) > 2
    )


class HardcodedSecret(SourceRule):
    meta = RuleMeta(
        id="DP-TF-001",
        title="Secret hardcoded in Terraform source",
        severity=Severity.CRITICAL,
        category=Category.IAM,
        resource_types=(),
        description=(
            "A .tf file holds an AWS access key id, a private key, or a literal value for an "
            "attribute or variable whose name marks it as secret (password, secret, token, "
            "*_key). The finding gives the location only; the value is never reported."
        ),
        risk=(
            "Everything in the repository is copied to every clone, fork, CI log and backup; "
            "a committed secret must be treated as leaked, and stays in git history after "
            "the line is deleted."
        ),
        remediation=(
            "Rotate the secret now. Then remove it from the code: let AWS generate and keep "
            "database passwords (manage_master_user_password = true), read others from "
            "Secrets Manager or SSM Parameter Store with a data source, or pass them as a "
            "sensitive variable from the CI secret store. Never put provider credentials in "
            "code: use the environment, a profile or an assumed role. Purge the history if "
            "the repository is shared."
        ),
        references=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
            "https://docs.aws.amazon.com/secretsmanager/latest/userguide/hardcoded.html",
            "https://developer.hashicorp.com/terraform/language/state/sensitive-data",
        ),
        checkov=("CKV_AWS_41", "CKV_AWS_46"),
        checkov_attributes={"CKV_AWS_46": ("user_data", "user_data_base64")},
        live=False,
    )

    def evaluate_source(self, index: SourceIndexLike) -> Iterable[SourceViolation]:
        names = Names(index)
        flagged: set[tuple[str, int]] = set()
        by_file: dict[str, list[BlockNodeLike]] = {}
        for block in index.blocks:
            by_file.setdefault(block.file, []).append(block)
        for file in sorted(index.texts):
            for number, line in enumerate(index.texts[file].splitlines(), start=1):
                kind = (
                    "AWS access key id"
                    if ACCESS_KEY_ID.search(line)
                    else "private key"
                    if PRIVATE_KEY.search(line)
                    else None
                )
                if kind is None:
                    continue
                flagged.add((file, number))
                yield _violation(file, number, kind, _owner(by_file.get(file, ()), number), names)
        for block in index.blocks:
            for path, attr_line in _secret_attributes(block):
                if (block.file, attr_line) in flagged:
                    continue
                flagged.add((block.file, attr_line))
                yield _violation(
                    block.file, attr_line, f"literal value for {path}", (block, path), names
                )


Owner = tuple[BlockNodeLike, str | None]


class Names:
    """Config addresses of the index's resource blocks, to name findings by address."""

    def __init__(self, index: SourceIndexLike) -> None:
        self._by_block = {id(block): address for address, block in index.resources.items()}

    def identity(self, block: BlockNodeLike) -> tuple[str, str | None, str | None]:
        """(resource_type, address, resource_id) naming a top-level block in findings."""
        labels = list(block.labels)
        address = self._by_block.get(id(block))
        if address is not None and block.type in ("resource", "data") and len(labels) == 2:
            return labels[0], address, None
        return block.type, None, f"{block.file}#{'.'.join([block.type, *labels])}"


def _secret_attributes(block: BlockNodeLike) -> Iterator[tuple[str, int]]:
    """(attribute path, line) of secret-named attributes with literal values."""
    if block.type == "variable":
        default = block.attributes.get("default")
        name = block.labels[0] if block.labels else ""
        if default is not None and secret_name(name) and secret_looking(default.literal):
            yield "default", default.span.start_line
        return

    def entries(
        elements: Mapping[str, AttributeNodeLike], prefix: str
    ) -> Iterator[tuple[str, int]]:
        # Keys of object literals (tags, environment variables) name secrets just as well:
        # `tags = { DB_PASSWORD = "..." }` is in every clone and in the console.
        for name, attr in elements.items():
            if secret_name(name) and secret_looking(attr.literal):
                yield prefix + name, attr.span.start_line
            else:
                yield from entries(attr.elements, f"{prefix}{name}.")

    def walk(node: BlockNodeLike, prefix: str) -> Iterator[tuple[str, int]]:
        yield from entries(node.attributes, prefix)
        for child in node.blocks:
            yield from walk(child, f"{prefix}{child.type}.")

    yield from walk(block, "")


def _owner(blocks: Iterable[BlockNodeLike], line: int) -> Owner | None:
    """The top-level block and the attribute path holding `line`, if any."""
    for block in blocks:
        if block.span.start_line <= line <= block.span.end_line:
            return block, _attribute_at(block, line, "")
    return None


def _attribute_at(node: BlockNodeLike, line: int, prefix: str) -> str | None:
    for name, attr in node.attributes.items():
        if attr.span.start_line <= line <= attr.span.end_line:
            return prefix + name
    for child in node.blocks:
        if child.span.start_line <= line <= child.span.end_line:
            return _attribute_at(child, line, f"{prefix}{child.type}.")
    return None


def _violation(
    file: str, line: int, kind: str, owner: Owner | None, names: Names
) -> SourceViolation:
    location = Location(file, line, line)
    if owner is None:  # outside any block (a comment): the line identifies it
        return SourceViolation(
            location, "terraform", None, SENSITIVE, None, kind, resource_id=f"{file}:{line}"
        )
    block, attribute = owner
    resource_type, address, resource_id = names.identity(block)
    if attribute is None:  # a comment inside the block: the line tells two apart
        attribute = f"line {line}"
    return SourceViolation(
        location, resource_type, attribute, SENSITIVE, None, kind, address, resource_id
    )


RULE = HardcodedSecret()
